"""The rings' azimuthal harmonics (:mod:`gradhist_sklearn._azimuthal`),
summed in the rings' band loop, which computes the gradients once: each
pixel's vote, split again at the azimuthal bins from the rings' own split,
is added to its two rings' and two bins' complex sums, times the powers of
its azimuth's unit vector (from the shared placement too)."""

from typing import NamedTuple

import numba
import numpy as np

from .._cache import enter_cache_location, leave_cache_location
from ._binning import like, split_at, store_split
from ._compile import JIT

_CACHE_DIR_OF_CALLER = enter_cache_location()


class Azimuthal(NamedTuple):
    """The azimuthal sums' arguments: the harmonics ``K`` (0: none), the
    per-pixel unit vectors ``(ux, uy)`` of the azimuth (0 at the centre and
    outside the rings), the buffers of the split at the azimuthal bins
    (:func:`_resplit`), the accumulator, ``azimuthal_bins / angle_bins``
    and the azimuthal bins."""

    n_harmonics: int
    ux: np.ndarray
    uy: np.ndarray
    split: tuple
    acc: np.ndarray
    ratio: float
    n_abins: int


@numba.njit(**JIT)
def _resplit(split, n, ratio, n_abins, out):
    """The rings' split votes of a band (``split``: lower bin, and the two
    shares, at ``angle_bins``) split again at the azimuthal bins into
    ``out``: the angle's position is the lower bin plus the upper share
    over the magnitude, times ``ratio = azimuthal_bins / angle_bins``. A
    vectorised loop, with no second arctangent."""
    bins_lo, w_lo, w_hi = split
    inv_n = like(w_lo, 1.0) / like(w_lo, n_abins)
    ratio = like(w_lo, ratio)
    zero = like(w_lo, 0.0)
    for x in range(n):
        magnitude = w_lo[x] + w_hi[x]
        upper = w_hi[x] / magnitude if magnitude > zero else zero
        lower, fraction, magnitude = split_at((like(w_lo, bins_lo[x]) + upper) * ratio,
                                              magnitude, n_abins, inv_n)
        store_split(x, lower, fraction, magnitude, out)


@numba.njit(**JIT)
def azimuthal_band(split, places, n, o, azimuthal):
    """The band's votes into the rings' azimuthal sums ``F[r, b](k)``.

    ``split`` is the band's split at the rings' bins (the angle measured as
    the rings measure it) and ``places`` its rings
    (:func:`~._placement.place_rings`). Each pixel's four shares (two bins,
    two rings) are added to ``K`` complex accumulators each, times ``exp(-i
    k phi)`` (powers of the conjugate unit vector).
    """
    n_harmonics, ux, uy, az_split, acc, ratio, n_abins = azimuthal
    _resplit(split, n, ratio, n_abins, az_split)
    bins_lo, w_lo, w_hi = az_split
    cells, outward = places.cells, places.across
    bin_stride = 2 * n_harmonics
    ring_stride = (n_abins + 1) * bin_stride
    for x in range(n):
        cx = ux[o + x]
        cy = -uy[o + x]
        lo = w_lo[x]
        hi = w_hi[x]
        if (cx == 0.0 and cy == 0.0) or (lo == 0.0 and hi == 0.0):
            continue  # the centre has no azimuth; a flat pixel no vote
        at = cells[x] * ring_stride + bins_lo[x] * bin_stride
        share = outward[x]
        a = lo * (1.0 - share)
        b = hi * (1.0 - share)
        c = lo * share
        d = hi * share
        zr = cx
        zi = cy
        for k in range(n_harmonics):
            j = at + 2 * k
            acc[j] += a * zr
            acc[j + 1] += a * zi
            acc[j + bin_stride] += b * zr
            acc[j + bin_stride + 1] += b * zi
            acc[j + ring_stride] += c * zr
            acc[j + ring_stride + 1] += c * zi
            acc[j + ring_stride + bin_stride] += d * zr
            acc[j + ring_stride + bin_stride + 1] += d * zi
            zr, zi = zr * cx - zi * cy, zr * cy + zi * cx


@numba.njit(**JIT)
def fold_azimuthal(azimuthal, n_rings, out_row):
    """The azimuthal accumulator of one image into ``out_row`` (then zeroed
    for the next image): rings then bins then harmonics, real and imaginary
    parts side by side; the padding bin (``n_abins``, the upper neighbour of
    the last bin) folds into bin 0 and the padding ring (which only ever
    gets a share of 0) is dropped."""
    acc, n_abins = azimuthal.acc, azimuthal.n_abins
    bin_stride = 2 * azimuthal.n_harmonics
    ring_stride = (n_abins + 1) * bin_stride
    for r in range(n_rings):
        for b in range(n_abins):
            for j in range(bin_stride):
                value = acc[r * ring_stride + b * bin_stride + j]
                if b == 0:
                    value += acc[r * ring_stride + n_abins * bin_stride + j]
                out_row[(r * n_abins + b) * bin_stride + j] = value
    acc[:] = 0.0


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
