"""Where each pixel's vote goes: the blocks of every layout.

The global histogram is one block; the rings and the grid cells take their
per-pixel arrays from the reference's own placement code
(:mod:`gradhist_sklearn._layouts`, computed once per stack in Python,
:mod:`._drivers`): the ring position and radial angle of each pixel, or its
centred frame coordinates, which :func:`place_cells` turns by each image's
alignment angle before splitting them bilinearly between four cells.
"""

import math
from typing import NamedTuple

import numba
import numpy as np
from numba.extending import overload

from .._cache import enter_cache_location, leave_cache_location
from ._azimuthal import azimuthal_band
from ._binning import FLOAT, fold, scatter, split_fresh, split_row_referenced
from ._compile import INLINE, JIT

_CACHE_DIR_OF_CALLER = enter_cache_location()

#: The layouts: one block, rings, rings whose angles are measured from the
#: radial direction, a grid of cells.
GLOBAL = 0
RINGS = 1
INVARIANT_RINGS = 2
GRID = 3


class WholeLayout(NamedTuple):
    """The global histogram: one block, no per-pixel arrays, ``blocks``
    ``(1, 1, 0, 0)``.

    The three layout classes have the same fields; the compiled driver is
    specialised by the class (:func:`place_band`), so that each layout
    compiles only its own code.
    """

    kind: int
    first: np.ndarray
    second: np.ndarray
    centres: np.ndarray
    blocks: tuple


class RingLayout(NamedTuple):
    """:data:`RINGS` or :data:`INVARIANT_RINGS`: ``first`` is each pixel's
    ring position (clamped), ``second`` its reference angle in bins (the
    radial direction, subtracted from its gradient's angle when invariant),
    ``centres`` the flat indices of pixels at the exact centre, ``blocks``
    ``(n_rings, 1, 0, 0)``."""

    kind: int
    first: np.ndarray
    second: np.ndarray
    centres: np.ndarray
    blocks: tuple


class GridLayout(NamedTuple):
    """:data:`GRID`: ``first``, ``second`` each pixel's centred frame
    coordinates ``(du, dv)``, ``blocks`` ``(rows, cols, width, height)``,
    the grid's shape and the region's size; no centres."""

    kind: int
    first: np.ndarray
    second: np.ndarray
    centres: np.ndarray
    blocks: tuple


class Accumulator(NamedTuple):
    """The blocks' histograms as lower and upper halves (see
    :func:`~._binning.fold`), bin-major, ``stride`` (padded) blocks per bin,
    so that the blocks one pixel votes for are neighbours in memory."""

    lo: np.ndarray
    hi: np.ndarray
    stride: np.uintp


class Places(NamedTuple):
    """Where each pixel of a band goes: its first block (int32, padded
    index) and its shares towards the next ring, or column and row."""

    cells: np.ndarray
    across: np.ndarray
    down: np.ndarray


@numba.njit(**INLINE)
def padded_split(position, n):
    """``position`` on ``0 .. n - 1``, clamped at both ends, as its lower
    index and the share of the next (``_layouts._linear_split`` of one value).

    The next index is always ``lower + 1``: at the upper clamp that is ``n``,
    a padding block of the accumulator whose share is 0 (the reference adds
    that 0 to ``lower`` itself), so that the votes of one pixel never go to
    the same address twice, and the loops need no ``min``.
    """
    position = min(max(position, 0.0), n - 1.0)
    lower = np.floor(position)
    return lower, position - lower  # lower as a float: converted once by the caller


@numba.njit(**INLINE)
def _vote(acc, at, weight, w_lo, w_hi):
    """``weight`` of a pixel's split vote into the accumulator at ``at``
    (:func:`_at`); the upper bin's vote goes ``stride`` further. Indices are
    unsigned, so numba adds no wrap-around of negative ones (both choices
    speed the scatter loops up: docs/performance.rst)."""
    acc.lo[at] += w_lo * weight
    acc.hi[at + acc.stride] += w_hi * weight


@numba.njit(**INLINE)
def _at(lower, block, stride):
    """Index of bin ``lower`` of ``block`` in the accumulators (:func:`_vote`)."""
    return np.uintp(lower) * stride + np.uintp(block)


@numba.njit(**JIT)
def place_rings(ring, n, n_rings, places):
    """Each pixel's inner ring (int32) and share towards the next, from its
    ring position ``ring[x]``, into ``places``: a vectorised loop, as
    :func:`place_cells`."""
    cells, outward = places.cells, places.across
    for x in range(n):
        inner, outward[x] = padded_split(ring[x], n_rings)
        cells[x] = np.int32(inner)


@numba.njit(**JIT)
def _scatter_rings(places, split, n, acc):
    """The split votes of a band into the two rings nearest each pixel
    (:func:`place_rings`). Pixels with no vote (outside the rings, or flat)
    are skipped: adding zeros would change nothing."""
    cells, outward = places.cells, places.across
    bins_lo, w_lo, w_hi = split
    for x in range(n):
        if w_lo[x] == 0.0 and w_hi[x] == 0.0:
            continue
        at = _at(bins_lo[x], cells[x], acc.stride)
        _vote(acc, at, 1.0 - outward[x], w_lo[x], w_hi[x])
        _vote(acc, at + np.uintp(1), outward[x], w_lo[x], w_hi[x])


@numba.njit(**JIT)
def _place_cells(du, dv, rotation, blocks, n, places):
    """Where each pixel of a band falls on the grid, from its centred frame
    coordinates ``(du[x], dv[x])`` turned by ``rotation = (cos, sin)``, into
    ``places``: the padded index (``cols + 1`` per row) of the nearest cell
    centre above and to the left, and the pixel's shares towards the next
    column and row: ``_layouts.grid_placement``'s ``(du / width + 0.5) *
    cols - 0.5`` and its ``dv`` counterpart, with the division as a
    multiplication (a rounding apart).

    A loop of its own, which LLVM vectorises; cells are computed in floats
    and stored as int32 (one vector conversion), faster than int64 indices
    and a division.
    """
    cos_t, sin_t = rotation
    rows, cols, width, height = blocks
    cells, across, down = places
    across_scale, across_start = cols / width, 0.5 * cols - 0.5
    down_scale, down_start = rows / height, 0.5 * rows - 0.5
    for x in range(n):
        u = cos_t * du[x] + sin_t * dv[x]
        v = cos_t * dv[x] - sin_t * du[x]
        left, across[x] = padded_split(u * across_scale + across_start, cols)
        top, down[x] = padded_split(v * down_scale + down_start, rows)
        cells[x] = np.int32(top * (cols + 1) + left)


@numba.njit(**JIT)
def _scatter_cells(places, cols, split, n, acc):
    """The split votes of a band into the four grid cells around each pixel
    (:func:`_place_cells`), bilinearly. Pixels with no vote are skipped."""
    cells, across, down = places
    bins_lo, w_lo, w_hi = split
    right = np.uintp(1)
    below = np.uintp(cols + 1)
    for x in range(n):
        if w_lo[x] == 0.0 and w_hi[x] == 0.0:
            continue
        a, d, lo, hi = across[x], down[x], w_lo[x], w_hi[x]
        at = _at(bins_lo[x], cells[x], acc.stride)
        _vote(acc, at, (1 - d) * (1 - a), lo, hi)
        _vote(acc, at + right, (1 - d) * a, lo, hi)
        _vote(acc, at + below, d * (1 - a), lo, hi)
        _vote(acc, at + below + right, d * a, lo, hi)


@numba.njit(**JIT)
def spread_centres(layout, o, n, band, split, acc):
    """Invariant rings: a pixel at the exact centre (flat index in
    ``layout.centres``, this band starting at pixel ``o``) has no radial
    direction, so its vote leaves ``split`` and is spread evenly over all
    the bins of its rings."""
    gx, gy = band.gx, band.gy
    n_rings = layout.blocks[0]
    ring = layout.first[o:o + n]
    stride = acc.stride
    n_bins = acc.lo.shape[0] // np.intp(stride)
    for c in layout.centres:
        x = c - o
        if x < 0 or x >= n:
            continue
        inner, share = padded_split(ring[x], n_rings)
        each = math.sqrt(gx[x] * gx[x] + gy[x] * gy[x]) / n_bins
        for b in range(n_bins):
            at = _at(b, inner, stride)
            acc.lo[at] += each * (1.0 - share)
            acc.lo[at + np.uintp(1)] += each * share
        split.w_lo[x] = 0.0
        split.w_hi[x] = 0.0


@numba.njit(**JIT)
def accumulator(layout, n_bins):
    """The blocks' :class:`Accumulator`: padded by one row (and one column
    for the grid: see :func:`padded_split`); the one block of the global
    histogram needs no padding."""
    rows, cols = layout.blocks[0], layout.blocks[1]
    if layout.kind == GLOBAL:
        stride = 1
    elif layout.kind == GRID:
        stride = (rows + 1) * (cols + 1)
    else:
        stride = rows + 1
    return Accumulator(np.empty(n_bins * stride, FLOAT), np.empty((n_bins + 1) * stride, FLOAT),
                       np.uintp(stride))


def place_band(layout, o, n, rotation, split, places, acc, azimuthal):
    """The split votes of a band (pixels ``o`` to ``o + n``) into the blocks
    of ``layout`` (and, for rings, into the azimuthal sums of
    ``azimuthal``), in compiled code only: numba picks the code of the
    layout's class when it compiles the caller."""
    raise NotImplementedError("place_band runs in compiled code only")


def _place_whole(layout, o, n, rotation, split, places, acc, azimuthal):
    scatter(split, n, acc.lo, acc.hi)


def _place_grid(layout, o, n, rotation, split, places, acc, azimuthal):
    _place_cells(layout.first[o:o + n], layout.second[o:o + n], rotation, layout.blocks, n,
                 places)
    _scatter_cells(places, layout.blocks[1], split, n, acc)


def _place_ring(layout, o, n, rotation, split, places, acc, azimuthal):
    place_rings(layout.first[o:o + n], n, layout.blocks[0], places)
    if azimuthal.n_harmonics:
        azimuthal_band(split, places, n, o, azimuthal)
    _scatter_rings(places, split, n, acc)


@overload(place_band)
def _place_band_of(layout, o, n, rotation, split, places, acc, azimuthal):
    return {WholeLayout: _place_whole, GridLayout: _place_grid,
            RingLayout: _place_ring}[layout.instance_class]


def split_own(layout, band, n, o, split, binning, offset, use_region, acc):
    """The split of a band's fresh gradients at the blocks' own angles
    (``offset`` less, in bins), in compiled code only, by the layout's
    class: invariant rings also subtract each pixel's radial angle and
    spread their centre's vote into ``acc``."""
    raise NotImplementedError("split_own runs in compiled code only")


def _split_own_plainly(layout, band, n, o, split, binning, offset, use_region, acc):
    split_fresh(band, n, split, binning.scale, offset, binning.n_bins, use_region)


def _split_own_of_rings(layout, band, n, o, split, binning, offset, use_region, acc):
    if layout.kind == INVARIANT_RINGS:
        split_row_referenced(band.gx[:n], band.gy[:n], band.keep, layout.second[o:o + n],
                             split, binning.scale, offset, binning.n_bins)
        spread_centres(layout, o, n, band, split, acc)
    else:
        split_fresh(band, n, split, binning.scale, offset, binning.n_bins, use_region)


@overload(split_own)
def _split_own_of(layout, band, n, o, split, binning, offset, use_region, acc):
    if layout.instance_class is RingLayout:
        return _split_own_of_rings
    return _split_own_plainly


@numba.njit(**JIT)
def fold_blocks(layout, acc, n_bins, out_row):
    """The blocks' histograms of one image into ``out_row``, block after block."""
    rows, cols = layout.blocks[0], layout.blocks[1]
    stride = np.intp(acc.stride)
    padded = cols + 1 if layout.kind == GRID else 1
    for r in range(rows):
        for c in range(cols):
            block = r * padded + c
            at = (r * cols + c) * n_bins
            fold(acc.lo[block::stride], acc.hi[block::stride], n_bins, out_row[at:at + n_bins])


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
