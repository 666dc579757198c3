"""The one compiled driver, for every layout, and its arguments.

The kernel walks a stack of images in bands of whole rows (about 4096
pixels, :data:`~._passes.BAND_PIXELS`). For each image it takes its
alignment (:func:`~._alignment.image_turn`: a first pass for the methods
that re-bin), then for each band

1. the gradients (:func:`~._passes.band_gradients`), unless the first pass
   kept the image's angles;
2. the magnitude, the angle and the split into two bins in one branch-free
   loop over the band, which LLVM vectorises (:mod:`._binning`), at the
   plain angles (for the main orientation) and at the blocks' own;
3. the votes into the blocks (:func:`~._placement.place_band`): the one
   block of the global histogram, the two rings or four grid cells nearest
   each pixel, and the rings' azimuthal sums (:mod:`._azimuthal`).

Nothing depends on the other images of the stack, so a histogram is the
same whichever chunk its image is in. Where a pixel goes is computed once
per stack, in Python, by the reference's own code
(:mod:`gradhist_sklearn._layouts`), as arrays over the image; the pixels
that count come from that shared placement too.
"""

import math

import numba
import numpy as np

from ..._azimuthal import azimuth_vectors
from ..._invariance import gradient_grains, peak_positions, plain_orientations
from ..._layouts import centred_coordinates, remembered, ring_placement
from .._cache import enter_cache_location, leave_cache_location
from ._alignment import (
    ALIGNMENTS,
    DOMINANT_HARMONIC,
    FIXED,
    MEAN_DIRECTION,
    Binning,
    FixedAlignment,
    Kept,
    image_turn,
    scratch_buffers,
)
from ._azimuthal import Azimuthal, fold_azimuthal
from ._binning import FLOAT, Split, fold, scatter, split_fresh, split_positions
from ._compile import JIT
from ._passes import BAND_PIXELS, Area, Operator, band_gradients, band_source
from ._placement import (
    GLOBAL,
    GRID,
    INVARIANT_RINGS,
    RINGS,
    GridLayout,
    Places,
    RingLayout,
    WholeLayout,
    accumulator,
    fold_blocks,
    place_band,
    split_own,
)

_CACHE_DIR_OF_CALLER = enter_cache_location()

#: Largest image (in pixels) whose angles and magnitudes the re-binning kernels
#: keep between their two passes (16 bytes a pixel); larger images compute
#: their gradients again in the second pass.
BUFFER_PIXELS = 2**20


@numba.njit(**JIT)
def _split_band(stack, i, y0, y1, source, kept, turn, binning, layout, split, plain, acc):
    """Step 1 and 2 of a band (see the module): its split at the blocks'
    angles into ``split`` and, when ``plain`` (its two halves) is not
    empty, its plain split added there; the vote of an invariant ring's
    centre goes straight to ``acc``."""
    scale, offsets, n_bins = binning
    width = stack.shape[2]
    n = (y1 - y0) * width
    o = y0 * width
    with_plain = plain[0].shape[0] > 0
    if kept.positions.shape[0] > 0:
        if with_plain:
            split_positions(kept.positions[o:o + n], kept.magnitudes[o:o + n], 0.0, split,
                            n_bins)
            scatter(split, n, plain[0], plain[1])
        split_positions(kept.positions[o:o + n], kept.magnitudes[o:o + n], turn.kept, split,
                        n_bins)
        return
    band = source.band
    use_region = source.area.use_region
    band_gradients(stack, i, y0, y1, source)
    own = layout.kind == INVARIANT_RINGS or turn.fresh != offsets[i]
    if with_plain or not own:
        split_fresh(band, n, split, scale, offsets[i], n_bins, use_region)
        if with_plain:
            scatter(split, n, plain[0], plain[1])
    if own:
        split_own(layout, band, n, o, split, binning, turn.fresh, use_region, acc)


@numba.njit(**JIT)
def block_histograms(stack, operator, area, binning, layout, alignment, kept, out, plain_out,
                     azimuthal, azimuthal_out):
    """Histograms of the blocks of ``layout`` (a :class:`~._placement.WholeLayout`,
    :class:`~._placement.RingLayout` or :class:`~._placement.GridLayout`)
    of every image of ``stack`` into ``out``, ``n_blocks * n_bins`` values per
    image, block after block, and the plain histogram of the pixels that
    count into ``plain_out`` when it is not empty (``(0, n_bins)``).

    ``operator`` is an :class:`~._passes.Operator`, ``area`` an
    :class:`~._passes.Area`, ``binning`` a :class:`~._alignment.Binning`,
    ``alignment`` a :class:`~._alignment.FixedAlignment`,
    :class:`~._alignment.MeanDirection` or :class:`~._alignment.DominantHarmonic`;
    ``kept`` the first
    pass's image-sized buffers (:class:`~._alignment.Kept`, empty to compute
    the gradients again); ``azimuthal`` (:class:`~._azimuthal.Azimuthal`)
    asks the rings for their azimuthal sums into ``azimuthal_out`` when its
    first value (the harmonics) is not 0.
    """
    n_bins = binning.n_bins
    n_images, height, width = stack.shape
    source = band_source(stack, operator, area)
    size = source.band.gx.shape[0]
    real = source.band.gx.dtype  # the options' dtype; sums and histograms are FLOAT
    split = Split(np.empty(size, dtype=np.int32), np.empty(size, real), np.empty(size, real))
    places = Places(np.empty(size, dtype=np.int32), np.empty(size, FLOAT),
                    np.empty(size, FLOAT))
    scratch = scratch_buffers(alignment.method, source.band)
    acc = accumulator(layout, n_bins)
    with_plain = plain_out.shape[0] > 0
    plain = (np.empty(n_bins if with_plain else 0, FLOAT),
             np.empty(n_bins + 1 if with_plain else 0, FLOAT))
    for i in range(n_images):
        turn = image_turn(stack, i, source, kept, scratch, binning, alignment, layout)
        rotation = (math.cos(math.radians(turn.degrees)), math.sin(math.radians(turn.degrees)))
        acc.lo[:] = 0.0
        acc.hi[:] = 0.0
        plain[0][:] = 0.0
        plain[1][:] = 0.0
        for y0 in range(0, height, source.band_rows):
            y1 = min(y0 + source.band_rows, height)
            n = (y1 - y0) * width
            o = y0 * width
            _split_band(stack, i, y0, y1, source, kept, turn, binning, layout, split, plain,
                        acc)
            place_band(layout, o, n, rotation, split, places, acc, azimuthal)
        if azimuthal.n_harmonics:
            fold_azimuthal(azimuthal, layout.blocks[0], azimuthal_out[i])
        fold_blocks(layout, acc, n_bins, out[i])
        if with_plain:
            fold(plain[0], plain[1], n_bins, plain_out[i])


def _padded_kernels(derivative, smoothing, dtype="float64"):
    """The two kernels as an :class:`~._passes.Operator` of ``dtype`` arrays of
    one odd length (``None`` smoothing becomes the identity, which is exact:
    ``1 * v + 0``), or None when the kernel cannot run them."""
    derivative = np.asarray(derivative, dtype=np.float64)
    # the passes run kernels of 3 taps or more (_passes: a first block of 3)
    if derivative.ndim != 1 or len(derivative) % 2 == 0 or len(derivative) < 3:
        return None
    # The kernel takes differences of mirrored taps (as scipy.ndimage does for
    # antisymmetric weights), so a flat image gives exactly zero.
    if not np.array_equal(derivative[::-1], -derivative):
        return None
    if smoothing is None:
        smoothing = np.zeros_like(derivative)
        smoothing[len(derivative) // 2] = 1.0
    smoothing = np.asarray(smoothing, dtype=np.float64)
    if smoothing.shape != derivative.shape:
        return None
    return Operator(np.ascontiguousarray(derivative, dtype=dtype),
                    np.ascontiguousarray(smoothing, dtype=dtype))


def supports(derivative, smoothing):
    """Whether the compiled kernel runs this separable operator: 1-D
    correlation kernels of one odd length (``smoothing`` may be None), the
    derivative antisymmetric."""
    return _padded_kernels(derivative, smoothing) is not None


def kernel_inputs(stack, region, options):
    """The stack, ``operator`` and ``area`` arguments of the kernel (the
    operator's kernels in the options' dtype, which the band buffers take)."""
    if stack.dtype == np.bool_:
        stack = stack.view(np.uint8)
    stack = np.ascontiguousarray(stack)
    if region is None:
        area = Area(np.ones((1, 1), dtype=np.uint8), False)
    else:
        area = Area(np.ascontiguousarray(region, dtype=np.uint8), True)
    return stack, _padded_kernels(*options.kernels, options.dtype), area


def _first_pass_buffers(n_pixels, dtype):
    """The kernel's ``kept`` argument for images of ``n_pixels`` pixels (0
    when nothing is re-binned): two ``dtype`` arrays of that size, empty
    above :data:`BUFFER_PIXELS`.

    Allocated here by numpy rather than in the kernel: numba's allocations
    of several megabytes came from fresh memory on every call, a page fault
    for every 4 KiB written (docs/performance.rst, "Buffers of the first
    pass").
    """
    if n_pixels > BUFFER_PIXELS:
        n_pixels = 0
    return Kept(np.empty(n_pixels, dtype), np.empty(n_pixels, dtype))


def binning(stack, options, angle_offset):
    """The kernel's ``binning`` argument: angles to bins, less ``angle_offset``
    degrees (one value, or one per image). The scale is in the options'
    dtype, which the split then computes in; the offsets stay float64."""
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), stack.shape[:1])
    offsets = np.ascontiguousarray(offsets * (options.angle_bins / 360.0))
    scale = np.dtype(options.dtype).type(options.angle_bins / (2 * np.pi))
    return Binning(scale, offsets, options.n_bins)


_NO_CENTRES = np.empty(0, dtype=np.intp)

#: The one block of the global histogram.
_WHOLE = WholeLayout(GLOBAL, np.empty(0), np.empty(0), _NO_CENTRES, (1, 1, 0.0, 0.0))

#: ``plain_out`` when the plain histogram is not asked for.
_NO_PLAIN = np.empty((0, 0))


@remembered(lambda options: (options.layout, options.frame, options.size, options.n_rings,
                             options.grid_shape, options.rotation_invariant,
                             options.angle_bins))
def _layout_arrays(shape, region, options):
    """The kernel's ``layout`` argument for images of ``shape``, and the mask
    of the pixels that count (None for all), from the shared placement code
    of :mod:`gradhist_sklearn._layouts`."""
    size = shape[0] * shape[1]
    if options.layout == "global":
        return _WHOLE, region
    if options.layout == "grid":
        du, dv, (width, height) = centred_coordinates(shape, options.frame, options.size)
        blocks = (*options.grid_shape, float(width), float(height))
        return GridLayout(GRID, np.ascontiguousarray(du, dtype=np.float64).ravel(),
                      np.ascontiguousarray(dv, dtype=np.float64).ravel(), _NO_CENTRES,
                      blocks), region
    placement = ring_placement(shape, region, options)
    counts = np.zeros(size, dtype=bool)
    counts[placement.pixels] = True
    ring = np.zeros(size)
    ring[placement.pixels] = placement.cells[0] + placement.weights[1]  # lower + share
    reference = np.zeros(size)
    centres = _NO_CENTRES
    if placement.reference is not None:
        reference[placement.pixels] = placement.reference * (options.angle_bins / 360.0)
        centres = placement.pixels[placement.spread]
    kind = RINGS if placement.reference is None else INVARIANT_RINGS
    return RingLayout(kind, ring, reference, centres, (options.n_rings, 1, 0.0, 0.0)), \
        counts.reshape(shape)


@remembered(lambda options: (options.frame, options.size, options.n_rings))
def _azimuth_arrays(shape, region, options):
    """The unit vectors of the pixels' azimuth over the image, ``(ux, uy)``
    (:func:`~gradhist_sklearn._azimuthal.azimuth_vectors`, zeros where no
    pixel counts), for :func:`~._azimuthal.azimuthal_band`."""
    placement = ring_placement(shape, region, options)
    size = shape[0] * shape[1]
    ux, uy = np.zeros(size), np.zeros(size)
    ux[placement.pixels], uy[placement.pixels] = azimuth_vectors(shape, region, options)
    return ux, uy


def _azimuthal_arguments(shape, region, options):
    """The kernel's ``azimuthal`` tuple and output array (empty, with 0
    harmonics, when the option is off or the layout is not rings)."""
    n_images, n_harmonics = shape[0], options.azimuthal_harmonics
    n_abins = options.n_azimuthal_bins
    if options.layout != "rings" or not n_harmonics:
        ux = uy = np.zeros(0)
        n_harmonics, size, band = 0, 0, 0
    else:
        ux, uy = _azimuth_arrays(shape[1:], region, options)
        size = (options.n_rings + 1) * (n_abins + 1) * 2 * n_harmonics
        band = max(1, BAND_PIXELS // shape[2]) * shape[2]
    split = Split(np.empty(band, dtype=np.int32), np.empty(band, options.dtype),
                  np.empty(band, options.dtype))
    azimuthal = Azimuthal(n_harmonics, ux, uy, split, np.zeros(size),
                          options.azimuthal_bins / options.angle_bins, n_abins)
    out = np.empty((n_images, options.n_rings * n_abins * 2 * n_harmonics if n_harmonics else 0))
    return azimuthal, out


#: The ``azimuthal`` argument when there are no azimuthal sums.
_NO_AZIMUTHAL = Azimuthal(0, np.zeros(0), np.zeros(0), Split(np.empty(0, dtype=np.int32),
                                                           np.empty(0), np.empty(0)),
                          np.zeros(0), 1.0, 1)

#: The kernel's alignment method of each ``options.alignment``.
_METHODS = {"pixels": MEAN_DIRECTION, "harmonics": DOMINANT_HARMONIC}


def _run(inputs, arguments, alignment, out, plain_out):
    """:func:`block_histograms` of the prepared ``inputs`` (stack, operator,
    area) and ``arguments`` (binning, layout, azimuthal and its output)."""
    stack, operator, area = inputs
    binning_, layout, azimuthal, azimuthal_out = arguments
    n_pixels = stack.shape[1] * stack.shape[2]
    kept = _first_pass_buffers(n_pixels if alignment.method != FIXED else 0,
                               operator.deriv.dtype)
    block_histograms(stack, operator, area, binning_, layout, alignment, kept, out, plain_out,
                     azimuthal, azimuthal_out)


def histograms(stack, region, options, grains=None):
    """The engine interface (see :mod:`gradhist_sklearn._engines`).

    The re-binning methods (``'centre_of_mass_rebin'``, ``'dominant_harmonic'``)
    take a first pass per image for its alignment angle, then bin; ``'peak'``
    bins once plainly (one global block) for each image's peak, then at it.
    Every other method bins once.
    """
    if grains is None:
        grains = gradient_grains(stack, options.kernels, dtype=options.dtype)
    layout, counts = _layout_arrays(stack.shape[1:], region, options)
    n_images, n_pixels = len(stack), stack.shape[1] * stack.shape[2]
    inputs = kernel_inputs(stack, counts, options)
    degrees = np.full(n_images, float(options.frame[2]))
    azimuthal, azimuthal_out = _azimuthal_arguments(stack.shape, region, options)
    arguments = (binning(stack, options, degrees), layout, azimuthal, azimuthal_out)
    aligned = (options.angle_bins, options.unidirectional, grains)
    out = np.empty((n_images, options.n_blocks * options.n_bins))
    plain = np.zeros((n_images, options.n_bins))
    turns = np.zeros(n_images)
    with_plain = options.include_orientation
    if options.alignment == "peak":
        whole = (arguments[0], _WHOLE, _NO_AZIMUTHAL, np.empty((n_images, 0)))
        _run(inputs, whole, FixedAlignment(FIXED, turns, degrees, *aligned), plain, _NO_PLAIN)
        turns = peak_positions(plain, n_pixels, grains) * (360.0 / options.angle_bins)
        with_plain = False
    method = _METHODS.get(options.alignment, FIXED)
    alignment = ALIGNMENTS[method](method, turns, degrees, *aligned)
    whole_is_plain = options.layout == "global" and options.alignment is None
    _run(inputs, arguments, alignment, out,
         plain if with_plain and not whole_is_plain else _NO_PLAIN)
    if whole_is_plain:
        plain = out
    if options.azimuthal_harmonics:
        out = np.concatenate([out, azimuthal_out], axis=1)
    if options.include_orientation or options.alignment == "peak" or whole_is_plain:
        return out, plain_orientations(plain, n_pixels, grains)
    return out, np.zeros((n_images, 2))


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
