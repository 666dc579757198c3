"""Spatial layouts: which histogram (ring or cell) each pixel's vote goes to.

A layout places every pixel that counts in one or more spatial blocks, each
with a weight, the weights of a pixel summing to 1, so that the sum over all
blocks is the sum of the magnitudes whatever the layout (mass is kept):

``global``
    One block: the whole region (the histogram of the machine-vision tool).
``rings``
    ``n_rings`` concentric rings of equal width about the region's centre,
    out to the circle inscribed in the region (radius ``min(width, height) /
    2``); pixels whose centre lies on or outside that circle do not count
    (a region one pixel high and an even number wide has none: its rings are
    zeros).
    A pixel at distance ``r`` from the centre sits at ring position ``p = r /
    R * n_rings - 1/2`` (ring ``k`` is centred on ``p = k``) and its vote is
    split linearly between the two nearest rings; inside the centre of ring 0
    and beyond the centre of the outer ring it goes wholly to that ring. With
    ``rotation_invariant=True`` each gradient's angle is measured from the
    radial direction at its pixel (outward), so a turn about the centre
    leaves every ring's histogram unchanged with no alignment step. A pixel
    exactly at the centre has no radial direction: its vote is spread evenly
    over the bins of ring 0, which keeps both the mass and the invariance.
``grid``
    ``grid_shape = (rows, cols)`` cells over the region, each vote split
    bilinearly between the four nearest cell centres as in HOG (clamped at
    the borders, so the outer half-cells vote wholly for their cell). With
    ``rotation_invariant=True`` the grid and the angles turn about the
    region's centre by the image's alignment angle, as SIFT's descriptor does.

Positions are in the region's frame (the ``frame``/``size`` rectangle, or the
whole image with its own axes when ``size`` is None), from pixel centres, so
a quarter turn of a square image maps rings to the same rings and cells to
turned cells exactly.
"""

import functools
import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from ._params import LAYOUTS  # noqa: F401  (the names accepted by ``layout``)


class Placement(NamedTuple):
    """Where the votes of the pixels that count go.

    pixels : ndarray of intp, shape (n_pixels,)
        Flat indices of the pixels that count.
    cells, weights : ndarray, shape (n_splits, n_pixels)
        Each pixel votes ``weights[s]`` of its magnitude into block
        ``cells[s]``; its weights sum to 1.
    reference : ndarray of float64, shape (n_pixels,), or None
        Degrees subtracted from each pixel's gradient angle on top of the
        frame's angle (the radial direction, for invariant rings).
    spread : ndarray of bool, shape (n_pixels,), or None
        Pixels whose vote is spread evenly over all angle bins (the exact
        centre of invariant rings).
    """

    pixels: np.ndarray
    cells: np.ndarray
    weights: np.ndarray
    reference: np.ndarray = None
    spread: np.ndarray = None


#: Placements each :func:`remembered` function keeps (the most recent).
REMEMBERED = 8


def remembered(geometry):
    """Decorator: ``function(shape, region, options)`` computed once for the
    :data:`REMEMBERED` most recent images' shapes, regions and
    ``geometry(options)`` (the options it depends on), since every chunk of
    a batch asks for the same placement. The arrays it returns are made
    read-only, as they are shared. A call with further non-zero arguments
    (a grid's turn) is computed every time."""

    def decorate(function):
        results = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(function)
        def wrapper(shape, region, options, *more):
            if any(more):
                return function(shape, region, options, *more)
            key = (tuple(shape), geometry(options), None if region is None
                   else (region.shape, np.packbits(region).tobytes()))
            with lock:
                if key in results:
                    results.move_to_end(key)
                    return results[key]
            value = _read_only(function(shape, region, options))
            with lock:
                results[key] = value
                while len(results) > REMEMBERED:
                    results.popitem(last=False)
            return value

        return wrapper

    return decorate


def _read_only(value):
    """``value`` with every array in it (through nested tuples) read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            _read_only(item)
    return value


def n_blocks(options):
    """Number of spatial blocks (histograms) per scale."""
    if options.layout == "rings":
        return options.n_rings
    if options.layout == "grid":
        return options.grid_shape[0] * options.grid_shape[1]
    return 1


def centred_coordinates(shape, frame, size):
    """Frame coordinates of every pixel centre relative to the region's
    centre, ``(du, dv)`` each of shape ``(height, width)``, and the region's
    ``(width, height)``. With ``size`` None the region is the whole image in
    its own axes."""
    height, width = shape
    columns = np.arange(width) + 0.5
    rows = (np.arange(height) + 0.5)[:, None]
    if size is None:
        du = np.broadcast_to(columns - width / 2, shape)
        dv = np.broadcast_to(rows - height / 2, shape)
        return du, dv, (float(width), float(height))
    x0, y0, angle = frame
    cos_a, sin_a = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    dx, dy = columns - x0, rows - y0
    du = cos_a * dx + sin_a * dy - size[0] / 2
    dv = cos_a * dy - sin_a * dx - size[1] / 2
    return du, dv, size


def _linear_split(position, n):
    """Lower index, upper index and upper weight of positions on ``0 .. n-1``
    (clamped at both ends)."""
    position = np.clip(position, 0.0, n - 1.0)
    lower = np.floor(position).astype(np.intp)
    upper = np.minimum(lower + 1, n - 1)
    return lower, upper, position - lower


@remembered(lambda options: (options.frame, options.size, options.n_rings,
                             options.rotation_invariant))
def ring_placement(shape, region, options):
    """:class:`Placement` of the ``rings`` layout (see the module's docstring)."""
    du, dv, (width, height) = centred_coordinates(shape, options.frame, options.size)
    radius = min(width, height) / 2
    distance = np.hypot(du, dv)
    counts = distance < radius
    if region is not None:
        counts &= region
    pixels = np.flatnonzero(counts)
    distance = distance.ravel()[pixels]
    lower, upper, fraction = _linear_split(distance / radius * options.n_rings - 0.5,
                                           options.n_rings)
    reference = spread = None
    if options.rotation_invariant:
        reference = np.degrees(np.arctan2(dv.ravel()[pixels], du.ravel()[pixels]))
        spread = distance == 0
    return Placement(pixels, np.stack([lower, upper]), np.stack([1.0 - fraction, fraction]),
                     reference, spread)


@remembered(lambda options: (options.frame, options.size, options.grid_shape))
def grid_placement(shape, region, options, turn_degrees=0.0):
    """:class:`Placement` of the ``grid`` layout, the grid turned by
    ``turn_degrees`` about the region's centre (see the module's docstring)."""
    du, dv, (width, height) = centred_coordinates(shape, options.frame, options.size)
    counts = np.ones(shape, dtype=bool) if region is None else region
    pixels = np.flatnonzero(counts)
    du, dv = du.ravel()[pixels], dv.ravel()[pixels]
    if turn_degrees:
        cos_t, sin_t = np.cos(np.radians(turn_degrees)), np.sin(np.radians(turn_degrees))
        du, dv = cos_t * du + sin_t * dv, cos_t * dv - sin_t * du
    rows, cols = options.grid_shape
    left, right, across = _linear_split((du / width + 0.5) * cols - 0.5, cols)
    top, bottom, down = _linear_split((dv / height + 0.5) * rows - 0.5, rows)
    cells = np.stack([top * cols + left, top * cols + right,
                      bottom * cols + left, bottom * cols + right])
    weights = np.stack([(1 - down) * (1 - across), (1 - down) * across,
                        down * (1 - across), down * across])
    return Placement(pixels, cells, weights)


def counted_pixels(shape, region, options):
    """Number of pixels that count (the ``'pixels'`` normalisation's divisor)."""
    if options.layout == "rings":
        return len(ring_placement(shape, region, options).pixels)
    return shape[0] * shape[1] if region is None else int(np.count_nonzero(region))


def split_between_bins(gx, gy, placement, angle_offset, angle_bins, n_bins):
    """Each pixel's gradient magnitude and its linear split between the two
    nearest of ``n_bins`` bins (``angle_bins`` over the full circle), its
    angle measured from ``angle_offset`` degrees (one per image) plus the
    placement's per-pixel reference, if any.

    Returns
    -------
    magnitude, lower, upper, upper_share : ndarray, shape of ``gx``
        The vote's size, its two bins (``upper`` after ``lower``, modulo
        ``n_bins``) and the share of it that goes to ``upper``.
    """
    degrees = angle_offset[:, None]
    if placement.reference is not None:
        degrees = degrees + placement.reference
    magnitude = np.sqrt(gx * gx + gy * gy)
    position = np.arctan2(gy, gx) * (angle_bins / (2 * np.pi))
    position = np.mod(position - degrees * (angle_bins / 360.0), n_bins)
    lower = np.floor(position)
    upper_share = position - lower
    lower = lower.astype(np.intp) % n_bins
    upper = (lower + 1) % n_bins
    return magnitude, lower, upper, upper_share
