"""The reference engine: numpy and scipy only, readable step by step.

It works on a stack of same-shaped images at once: one gradient pass over the
stack (:func:`~gradhist_sklearn._gradients.stack_gradients`), then one
``np.bincount`` per interpolation side with a per-image bin offset
(:func:`bin_histograms`). The re-binning invariance methods bin the same
gradients twice: plainly (for the main orientation, or the peak) and at each
image's alignment angle. The compiled engine (:mod:`._numba`) must give the
same numbers; this module is the one to read to know what they are.
"""

import numpy as np

from .._azimuthal import azimuth_vectors, azimuthal_sums, harmonic_phases
from .._gradients import stack_gradients
from .._invariance import (
    dominant_harmonic_turn,
    gradient_grains,
    peak_positions,
    pixel_centre_turns,
    pixel_harmonics,
    plain_orientations,
)
from .._layouts import grid_placement, ring_placement, split_between_bins
from .._validation import compute_dtype


def histograms(stack, region, options, grains=None):
    """The engine interface (see :mod:`gradhist_sklearn._engines`)."""
    if grains is None:
        grains = gradient_grains(stack, options.kernels, dtype=options.dtype)

    def compute(part, angle_offset, part_grains):
        return _histograms_of_pass(part, angle_offset, part_grains, region, options)

    return _in_passes(compute, stack, options.frame[2], grains)


def _histograms_of_pass(stack, angle_offset, grains, region, options):
    """:func:`histograms` of a sub-stack, its angles less ``angle_offset``."""
    if options.layout != "global":
        return _spatial_histograms(stack, angle_offset, grains, region, options)
    gx, gy = region_gradients(stack, options.operator, region, options.sigma)
    n_pixels = stack.shape[1] * stack.shape[2]
    noise = (n_pixels, grains)  # for the noise floor (_invariance.noise_floor)
    binning = dict(angle_bins=options.angle_bins, unidirectional=options.unidirectional)
    if options.alignment is None:
        plain = bin_histograms(gx, gy, angle_offset=angle_offset, **binning)
        return plain, plain_orientations(plain, *noise)
    orientations = np.zeros((len(stack), 2))
    plain = None
    if options.include_orientation or options.alignment == "peak":
        plain = bin_histograms(gx, gy, angle_offset=angle_offset, **binning)
        orientations = plain_orientations(plain, *noise)
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), (len(stack),))
    turns, origins = _alignment_turns(gx, gy, plain, offsets, options, noise, whole=True)
    return bin_histograms(gx, gy, angle_offset=origins + turns, **binning), orientations


def _spatial_histograms(stack, angle_offset, grains, region, options):
    """:func:`_histograms_of_pass` for the ``rings`` and ``grid`` layouts:
    one histogram per block, the blocks of an image side by side."""
    n_images = len(stack)
    gx, gy = stack_gradients(stack.astype(compute_dtype(stack.dtype), copy=False),
                             options.operator, options.sigma)
    gx, gy = gx.reshape(n_images, -1), gy.reshape(n_images, -1)
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), (n_images,))
    if options.layout == "rings":
        placement = ring_placement(stack.shape[1:], region, options)
    else:
        placement = grid_placement(stack.shape[1:], region, options)
    gx, gy = gx[:, placement.pixels], gy[:, placement.pixels]
    orientations = np.zeros((n_images, 2))
    plain = None
    noise = stack.shape[1] * stack.shape[2], grains
    if options.include_orientation or options.alignment == "peak":
        plain = bin_histograms(gx, gy, angle_bins=options.angle_bins,
                               unidirectional=options.unidirectional, angle_offset=offsets)
        orientations = plain_orientations(plain, *noise)
    if options.alignment is None:
        placed = place_histograms(gx, gy, placement, offsets, options)
        if options.azimuthal_harmonics:
            placed = np.concatenate([placed, _azimuthal_part(gx, gy, placement, offsets,
                                                             stack.shape[1:], region, options)],
                                    axis=1)
        return placed, orientations
    # An aligned grid: each image's grid and angles turn by its own angle.
    aligned, _ = _alignment_turns(gx, gy, plain, offsets, options, noise, whole=False)
    rows = [place_histograms(gx[i:i + 1], gy[i:i + 1],
                             grid_placement(stack.shape[1:], region, options, turn),
                             offsets[i:i + 1] + turn, options)
            for i, turn in enumerate(aligned)]
    return np.concatenate(rows), orientations


def _azimuthal_part(gx, gy, placement, offsets, shape, region, options):
    """The rings' raw azimuthal sums (:func:`~gradhist_sklearn._azimuthal.azimuthal_sums`)
    as float64 columns, real and imaginary parts side by side."""
    phases = harmonic_phases(*azimuth_vectors(shape, region, options),
                             options.azimuthal_harmonics)
    sums = azimuthal_sums(gx, gy, placement, phases, offsets, options)
    return np.ascontiguousarray(sums).view(np.float64).reshape(len(gx), -1)


def _alignment_turns(gx, gy, plain, offsets, options, noise, whole):
    """Each image's alignment, for every layout: its turn in degrees and the
    angle (degrees) it is measured from, ``origins``; the image's angles are
    binned from ``origins + turns`` and an aligned grid turns by ``turns``.

    ``plain``: the plain histograms (used by ``'peak'`` only); ``noise``: the
    pixels of an image and each image's grain
    (:func:`~gradhist_sklearn._invariance.noise_floor`). ``'peak'`` and
    ``'pixels'`` measure from the frame's axis (``offsets``); the dominant
    harmonic's direction is measured from the image's axes, so the global
    histogram (``whole``) bins from 0 and the grid, which turns from the
    frame's axis, takes the frame's angle off.
    """
    n_pixels, grains = noise
    if options.alignment == "peak":
        return peak_positions(plain, n_pixels, grains) * (360.0 / options.angle_bins), offsets
    if options.alignment == "harmonics":
        sums = harmonic_sums(gx, gy, options.unidirectional)
        turns = options.n_bins * np.array([
            dominant_harmonic_turn(row, n_pixels, grain)
            for row, grain in zip(sums, grains, strict=True)]) * (360.0 / options.angle_bins)
        if whole:
            return turns, np.zeros_like(offsets)
        return turns - offsets, offsets
    aligned = options.n_bins * pixel_centre_turns(
        gx, gy, unidirectional=options.unidirectional, n_pixels=n_pixels, grain=grains,
        angle_offset=offsets)
    return aligned * (360.0 / options.angle_bins), offsets


def place_histograms(gx, gy, placement, angle_offset, options):
    """Histograms of the blocks of a :class:`~gradhist_sklearn._layouts.Placement`.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
        Gradients of ``placement.pixels``.
    angle_offset : ndarray of shape (n_images,)
        Degrees subtracted from every angle of each image (on top of the
        placement's per-pixel reference).

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_blocks * n_bins)
    """
    n_images = gx.shape[0]
    n_bins, n_blocks = options.n_bins, options.n_blocks
    magnitude, lower, upper, upper_share = split_between_bins(
        gx, gy, placement, angle_offset, options.angle_bins, n_bins)
    spread = None
    if placement.spread is not None and placement.spread.any():
        spread = magnitude[:, placement.spread] / n_bins
        magnitude = np.where(placement.spread, 0.0, magnitude)
    size = n_images * n_blocks * n_bins
    base = (np.arange(n_images) * (n_blocks * n_bins))[:, None]
    histograms = np.zeros(size)
    for cells, weights in zip(placement.cells, placement.weights, strict=True):
        start = base + cells * n_bins
        share = magnitude * weights
        histograms += np.bincount((start + lower).ravel(), (share * (1 - upper_share)).ravel(),
                                  minlength=size)
        histograms += np.bincount((start + upper).ravel(), (share * upper_share).ravel(),
                                  minlength=size)
        if spread is not None:
            blocks = histograms.reshape(n_images, n_blocks, n_bins)
            centre = spread * weights[placement.spread]
            for k, cell in enumerate(cells[placement.spread]):
                blocks[:, cell, :] += centre[:, k:k + 1]
    return histograms.reshape(n_images, n_blocks * n_bins)


#: Pixels the plain engine bins per round of numpy passes. Its ten or so
#: temporaries then stay in the CPU cache and in the allocator's free lists,
#: rather than being fresh multi-megabyte arrays (on this project's test
#: machine, the page faults of fresh arrays cost more than the arithmetic).
#: Each image is binned from its own pixels in the same blocks whatever the
#: chunk it arrives in, so the numbers do not depend on the chunking.
BLOCK_PIXELS = 2**14

#: Pixels of a stack of small images the plain engine takes at a time. Its
#: float64 gradients, angles and weights (about 80 bytes per pixel) then stay
#: in the cache, where whole stacks of 2**20 pixels would not (the measured
#: difference is in docs/performance.rst). Larger images go one at a time. The compiled engine
#: streams rows through small buffers and takes a stack whole.
PLAIN_PIXELS_PER_PASS = 2**16


def bin_histograms(gx, gy, *, angle_bins, unidirectional=False, angle_offset=0.0):
    """Linearly interpolated orientation histograms of flattened gradients.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
        Gradients of the pixels that count.
    angle_bins : int
        Number of bins over 360 degrees; bin ``i`` is centred on
        ``i * 360 / angle_bins`` degrees.
    unidirectional : bool
        Fold opposite directions together: ``angle_bins // 2`` bins over 180
        degrees.
    angle_offset : float or ndarray of shape (n_images,)
        Degrees subtracted from every gradient angle (the frame's angle), one
        value for all images or one per image.

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_bins)
    """
    n_images, n_pixels = gx.shape
    n_bins = angle_bins // 2 if unidirectional else angle_bins
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), (n_images,))
    offsets = offsets * (angle_bins / 360.0) if offsets.any() else None
    options = (angle_bins, n_bins)
    if n_pixels >= BLOCK_PIXELS:
        # Large images: one image at a time, in blocks of its pixels, each
        # block's histogram added to the image's.
        histograms = np.zeros((n_images, n_bins))
        for i in range(n_images):
            for start in range(0, n_pixels, BLOCK_PIXELS):
                block = slice(start, start + BLOCK_PIXELS)
                histograms[i] += _bin_block(gx[i:i + 1, block], gy[i:i + 1, block], *options,
                                            None if offsets is None else offsets[i:i + 1])[0]
        return histograms
    # Small images: whole images per block, each binned from its own pixels
    # (possibly none: rings inside an image of one row hold no pixel centre).
    per_block = BLOCK_PIXELS // max(1, n_pixels)
    return np.concatenate([
        _bin_block(gx[start:start + per_block], gy[start:start + per_block], *options,
                   None if offsets is None else offsets[start:start + per_block])
        for start in range(0, n_images, per_block)
    ])


#: Pixels per block of :func:`harmonic_sums`: half of :data:`BLOCK_PIXELS`,
#: as its temporaries are complex (16 bytes a pixel), so that they take the
#: room of the binning's and stay in the cache and the allocator's free lists
#: rather than being fresh allocations (see docs/performance.rst).
HARMONIC_BLOCK_PIXELS = BLOCK_PIXELS // 2


def harmonic_sums(gx, gy, unidirectional):
    """:func:`~gradhist_sklearn._invariance.pixel_harmonics` of each image,
    shape (n_images, 9), taken in blocks of :data:`HARMONIC_BLOCK_PIXELS`
    pixels (small temporaries) and added up block by block. Each image's
    blocks are its own pixels in the same order whatever the stack, so the
    sums do not depend on the chunking."""
    # Contiguous rows, as pixel_centre_turns takes them: numpy sums a
    # strided axis in another order, and a row must not depend on its batch.
    gx = np.ascontiguousarray(gx, dtype=np.float64)
    gy = np.ascontiguousarray(gy, dtype=np.float64)
    n_images, n_pixels = gx.shape
    block_pixels = HARMONIC_BLOCK_PIXELS
    if n_pixels >= block_pixels:
        sums = np.zeros((n_images, 9))
        for i in range(n_images):
            for start in range(0, n_pixels, block_pixels):
                block = slice(start, start + block_pixels)
                sums[i] += pixel_harmonics(gx[i:i + 1, block], gy[i:i + 1, block],
                                           unidirectional=unidirectional)[0]
        return sums
    per_block = block_pixels // max(1, n_pixels)  # a region may hold no pixel
    return np.concatenate([
        pixel_harmonics(gx[start:start + per_block], gy[start:start + per_block],
                        unidirectional=unidirectional)
        for start in range(0, n_images, per_block)
    ])


def _bin_block(gx, gy, angle_bins, n_bins, offsets):
    """:func:`bin_histograms` of one block of pixels, in a few numpy passes.

    ``offsets``: None, or per-image angles to subtract, in bins."""
    n_images = gx.shape[0]
    magnitude = np.sqrt(gx * gx + gy * gy)
    # Position on the circle measured in bins; bin centres are the integers.
    position = np.arctan2(gy, gx)
    position *= angle_bins / (2 * np.pi)
    if offsets is not None:
        position -= offsets.astype(position.dtype)[:, None]
    # position mod n_bins, as x - n * floor(x / n): several times cheaper
    # than np.mod, and rounding can only leave it a hair outside [0, n_bins),
    # which the integer wrap below puts back.
    wraps = np.multiply(position, 1.0 / n_bins, dtype=position.dtype)
    np.floor(wraps, out=wraps)
    wraps *= n_bins
    position -= wraps
    lower = np.floor(position, out=wraps)
    upper_weight = position - lower
    upper_weight *= magnitude
    magnitude -= upper_weight  # what stays in the lower bin
    lower = lower.astype(np.intp)
    lower += n_bins * (lower < 0)
    lower -= n_bins * (lower >= n_bins)
    upper = lower + 1
    upper[upper == n_bins] = 0
    offsets = (np.arange(n_images) * n_bins)[:, None]
    lower += offsets
    upper += offsets
    size = n_images * n_bins
    histograms = np.bincount(lower.ravel(), magnitude.ravel(), minlength=size)
    histograms += np.bincount(upper.ravel(), upper_weight.ravel(), minlength=size)
    return histograms.reshape(n_images, n_bins)



def region_gradients(stack, operator, region, sigma):
    """Flattened gradients ``(gx, gy)``, shape (n_images, n_pixels), of the
    pixels that count (all of them when ``region`` is None), by numpy."""
    n_images = stack.shape[0]
    stack = stack.astype(compute_dtype(stack.dtype), copy=False)
    gx, gy = stack_gradients(stack, operator, sigma)
    gx = gx.reshape(n_images, -1)
    gy = gy.reshape(n_images, -1)
    if region is not None:
        pixels = np.flatnonzero(region)
        gx, gy = gx[:, pixels], gy[:, pixels]
    return gx, gy



def _in_passes(compute, stack, angle_offset, grains):
    """``compute(sub_stack, sub_offset, sub_grains)``, a tuple of per-image
    arrays, over consecutive sub-stacks of about :data:`PLAIN_PIXELS_PER_PASS`
    pixels, joined. Every image's rows come from its own pixels, so they do
    not depend on the passes."""
    per_pass = max(1, PLAIN_PIXELS_PER_PASS // max(1, stack.shape[1] * stack.shape[2]))
    if len(stack) <= per_pass:
        return compute(stack, angle_offset, grains)
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), stack.shape[:1])
    parts = [compute(stack[start:start + per_pass], offsets[start:start + per_pass],
                     grains[start:start + per_pass])
             for start in range(0, len(stack), per_pass)]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


