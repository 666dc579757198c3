"""Each image's alignment angle: the first pass over an aligned image and
the one dispatch that turns its result into the image's turn and shifts.

The dominant_harmonic method's per-pixel vectors are
``_invariance.harmonic_vectors`` (the products the reference's
``pixel_harmonics`` takes, in real arithmetic), and its per-image decision
is ``_invariance.dominant_harmonic_turn`` itself, so both engines decide
with the same function; the noise rule (``noise_floor``, ``above_noise``)
is shared the same way. They are compiled here as they are (see
:mod:`._compile` about the cache of such functions).
"""

import math
from typing import NamedTuple

import numba
import numpy as np
from numba.extending import overload, register_jitable

from ..._invariance import above_noise, dominant_harmonic_turn, harmonic_vectors, noise_floor
from .._cache import enter_cache_location, leave_cache_location
from ._binning import FLOAT, angle, like, sum4
from ._compile import INLINE, INLINED, JIT
from ._passes import band_gradients
from ._placement import WholeLayout

_CACHE_DIR_OF_CALLER = enter_cache_location()

#: How an image's blocks and angles turn: by a given angle (``turns``, 0 or
#: the plain histogram's peak), by the mean direction of its gradients, or
#: by the direction of their dominant circular harmonic.
FIXED = 0
MEAN_DIRECTION = 1
DOMINANT_HARMONIC = 2


class FixedAlignment(NamedTuple):
    """Images turned by given angles (:data:`FIXED`): the ``method``, the
    ``turns`` (degrees, 0 or the plain histogram's peak), each image's frame
    angle in ``degrees``, the bins over the full circle, whether opposite
    directions share a bin, and each image's ``_invariance.gradient_grains``.

    The three alignment classes have the same fields; the compiled driver
    is specialised by the class (:func:`image_turn`), so that a method
    compiles only its own first pass.
    """

    method: int
    turns: np.ndarray
    degrees: np.ndarray
    angle_bins: int
    unidirectional: bool
    grains: np.ndarray


class MeanDirection(NamedTuple):
    """Images turned to the mean direction of their gradients
    (:data:`MEAN_DIRECTION`); the fields are :class:`FixedAlignment`'s."""

    method: int
    turns: np.ndarray
    degrees: np.ndarray
    angle_bins: int
    unidirectional: bool
    grains: np.ndarray


class DominantHarmonic(NamedTuple):
    """Images turned to the direction of their gradients' dominant circular
    harmonic (:data:`DOMINANT_HARMONIC`); the fields are
    :class:`FixedAlignment`'s."""

    method: int
    turns: np.ndarray
    degrees: np.ndarray
    angle_bins: int
    unidirectional: bool
    grains: np.ndarray


#: The alignment class of each method.
ALIGNMENTS = {FIXED: FixedAlignment, MEAN_DIRECTION: MeanDirection,
              DOMINANT_HARMONIC: DominantHarmonic}


class Binning(NamedTuple):
    """Angles in radians times ``scale`` are bins; ``offsets[i]`` (image
    ``i``'s frame angle, in bins) is subtracted from image ``i``'s."""

    scale: float
    offsets: np.ndarray
    n_bins: int


class Kept(NamedTuple):
    """Each image's angles (in bins, less its offset) and magnitudes from the
    first pass, image-sized, or empty when the second pass computes them
    again."""

    positions: np.ndarray
    magnitudes: np.ndarray


class Scratch(NamedTuple):
    """One band's direction vectors and magnitudes (mean direction), and
    harmonic vectors (8 rows) and magnitudes (dominant harmonic), and the 9
    sums of the latter."""

    vx: np.ndarray
    vy: np.ndarray
    vm: np.ndarray
    vectors: np.ndarray
    band_magnitudes: np.ndarray
    sums: np.ndarray


class Turn(NamedTuple):
    """An image's turn in degrees from its frame's axis (how far its grid
    turns) and the shifts, in bins, of its angles: ``kept`` from the kept
    angles (already less the offset), ``fresh`` from freshly computed ones."""

    degrees: float
    kept: float
    fresh: float


_noise_floor = register_jitable(**INLINED)(noise_floor)
_above_noise = register_jitable(**INLINED)(above_noise)
_harmonic_vectors = numba.njit(**INLINE)(harmonic_vectors)
_dominant_turn = numba.njit(**INLINE)(dominant_harmonic_turn)


@numba.njit(**INLINE)
def _direction(gx, gy, unidirectional):
    """A gradient's vector for the mean direction: ``G e^{i theta} = gx + i gy``,
    or ``G e^{2 i theta} = (gx + i gy)^2 / G`` when ``unidirectional``."""
    if unidirectional:
        magnitude = math.sqrt(gx * gx + gy * gy)
        zero = like(gx, 0.0)
        inverse = like(gx, 1.0) / magnitude if magnitude > zero else zero
        return (gx * gx - gy * gy) * inverse, like(gx, 2.0) * gx * gy * inverse
    return gx, gy


@numba.njit(**JIT)
def _direction_vectors(gxrow, gyrow, keep, vx, vy, vm, unidirectional):
    """:func:`_direction` of a band of gradients, and their magnitudes into
    ``vm``, 0 outside the region. Branch-free, so LLVM vectorises it."""
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        vm[x] = math.sqrt(gx * gx + gy * gy)
        vx[x], vy[x] = _direction(gx, gy, unidirectional)


@numba.njit(**JIT)
def _angles_row(gxrow, gyrow, keep, positions, magnitudes, vx, vy, scale, offset,
                unidirectional):
    """Magnitude and angle (in bins, less ``offset``, not yet wrapped into the
    circle) of a band of gradients, and their direction vectors as
    :func:`_direction_vectors` gives them, in one branch-free loop."""
    offset = like(scale, offset)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        magnitudes[x] = math.sqrt(gx * gx + gy * gy)
        positions[x] = angle(gx, gy) * scale - offset
        vx[x], vy[x] = _direction(gx, gy, unidirectional)


@numba.njit(**JIT)
def _harmonics_row(gxrow, gyrow, keep, positions, magnitudes, vectors, scale, offset,
                   unidirectional, with_positions):
    """Magnitudes and harmonic vectors (``vectors[h]``: component ``h`` of
    :func:`_harmonic_vectors`) of a band of gradients, 0 outside the region;
    with ``with_positions``, also their angles in bins less ``offset`` (not
    yet wrapped), as :func:`_angles_row` gives them."""
    offset = like(scale, offset)
    zero = like(scale, 0.0)
    one = like(scale, 1.0)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        magnitude = math.sqrt(gx * gx + gy * gy)
        magnitudes[x] = magnitude
        if with_positions:
            positions[x] = angle(gx, gy) * scale - offset
        inverse = one / magnitude if magnitude > zero else zero
        v = _harmonic_vectors(gx, gy, magnitude, inverse, unidirectional)
        vectors[0, x] = v[0]
        vectors[1, x] = v[1]
        vectors[2, x] = v[2]
        vectors[3, x] = v[3]
        vectors[4, x] = v[4]
        vectors[5, x] = v[5]
        vectors[6, x] = v[6]
        vectors[7, x] = v[7]


@numba.njit(**JIT)
def _add_harmonics(sums, magnitudes, vectors, n):
    """Add a band's magnitudes and harmonic vectors (first ``n`` pixels) to
    the image's :func:`_dominant_turn` sums."""
    sums[0] += sum4(magnitudes[:n])
    for h in range(8):
        sums[1 + h] += sum4(vectors[h, :n])


@numba.njit(**JIT)
def _direction_pass(stack, i, source, kept, scratch, scale, offset, unidirectional, grain):
    """The first pass over an image that is aligned to its gradients' mean
    direction: band by band, the gradients and the sum of their vectors
    (:func:`_direction`); returns ``(sum_x, sum_y)``, each 0 when it is
    rounding noise (``_invariance.noise_floor`` of the sum of the
    magnitudes and the image's ``grain``), as the reference's
    ``pixel_centre_turns`` takes them. Keeps the angles (in bins, less
    ``offset``) and magnitudes in ``kept`` when it is not empty."""
    band = source.band
    positions, magnitudes = kept
    vx, vy, vm = scratch.vx, scratch.vy, scratch.vm
    height, width = stack.shape[1], stack.shape[2]
    buffered = positions.shape[0] > 0
    sum_x = 0.0
    sum_y = 0.0
    mass = 0.0
    for y0 in range(0, height, source.band_rows):
        y1 = min(y0 + source.band_rows, height)
        band_gradients(stack, i, y0, y1, source)
        n = (y1 - y0) * width
        if buffered:
            o = y0 * width
            _angles_row(band.gx[:n], band.gy[:n], band.keep, positions[o:o + n],
                        magnitudes[o:o + n], vx, vy, scale, offset, unidirectional)
            mass += sum4(magnitudes[o:o + n])
        else:
            _direction_vectors(band.gx[:n], band.gy[:n], band.keep, vx, vy, vm,
                               unidirectional)
            mass += sum4(vm[:n])
        sum_x += sum4(vx[:n])
        sum_y += sum4(vy[:n])
    floor = _noise_floor(mass, height * width, grain)
    return _above_noise(sum_x, floor), _above_noise(sum_y, floor)


@numba.njit(**JIT)
def _harmonics_pass(stack, i, source, kept, scratch, scale, offset, unidirectional):
    """The first pass over an image aligned to its gradients' dominant
    harmonic: band by band, the gradients, and into ``scratch.sums`` (9
    values) the sums of their magnitudes and :func:`_harmonic_vectors`,
    which :func:`_dominant_turn` takes. Keeps the angles and magnitudes as
    :func:`_direction_pass` does."""
    band = source.band
    positions, magnitudes = kept
    height, width = stack.shape[1], stack.shape[2]
    buffered = positions.shape[0] > 0
    sums = scratch.sums
    sums[:] = 0.0
    for y0 in range(0, height, source.band_rows):
        y1 = min(y0 + source.band_rows, height)
        band_gradients(stack, i, y0, y1, source)
        n = (y1 - y0) * width
        o = y0 * width if buffered else 0
        mags = magnitudes[o:o + n] if buffered else scratch.band_magnitudes[:n]
        _harmonics_row(band.gx[:n], band.gy[:n], band.keep, positions[o:o + n], mags,
                       scratch.vectors, scale, offset, unidirectional, buffered)
        _add_harmonics(sums, mags, scratch.vectors, n)


@numba.njit(**INLINE)
def _mean_direction_degrees(sum_x, sum_y, degrees, unidirectional, n_bins, angle_bins):
    """An image's alignment angle in degrees from the frame's axis, from its
    summed direction vectors: the reference's ``n_bins *
    pixel_centre_turns(...) * 360 / angle_bins``, step for step."""
    if sum_x == 0.0 and sum_y == 0.0:
        return 0.0
    harmonic = 2.0 if unidirectional else 1.0
    angle = math.atan2(sum_y, sum_x) - harmonic * math.radians(degrees)
    turns = (angle / (2.0 * math.pi)) % 1.0
    turns = 0.0 if turns >= 1.0 else turns
    return n_bins * turns * (360.0 / angle_bins)


@numba.njit(**JIT)
def scratch_buffers(method, band):
    """The :class:`Scratch` of the first pass of ``method`` for ``band``'s
    pixels, in its precision (empty arrays where the method needs none);
    the sums are float64."""
    size = band.gx.shape[0]
    real = band.gx.dtype
    directions = size if method == MEAN_DIRECTION else 0
    harmonics = size if method == DOMINANT_HARMONIC else 0
    return Scratch(np.empty(directions, real), np.empty(directions, real),
                   np.empty(directions, real), np.empty((8, harmonics), real),
                   np.empty(harmonics, real), np.empty(9, FLOAT))


# No fused multiply-add in the global histogram's shift at the dominant
# harmonic (see _unfused_shift). fastmath given explicitly: numba's callees
# inherit their caller's fastmath unless their own is set.
_UNFUSED = dict(JIT, fastmath=False)


@numba.njit(**_UNFUSED)
def _unfused_shift(turn, n_bins, offset):
    """``turn * n_bins - offset`` rounded twice: the global histogram's
    shift at the dominant harmonic as its kernel has always given it (the
    product and the difference fell in different blocks of the compiled
    code, where LLVM does not fuse them)."""
    return turn * n_bins - offset


def image_turn(stack, i, source, kept, scratch, binning, alignment, layout):
    """Image ``i``'s :class:`Turn`, after the first pass its alignment needs,
    in compiled code only: numba picks the code of the alignment's class
    and of whether the layout is one block when it compiles the caller.

    The global histogram (one block) shifts its angles as the re-binning
    methods measure them (the alignment angle from the image's axes, in
    bins); the blocks of rings and grid turn by an angle in degrees from
    the frame's axis and shift by ``(frame + turn)`` in bins. Both are the
    reference's arithmetic for its layout.
    """
    raise NotImplementedError("image_turn runs in compiled code only")


def _fixed_turn(stack, i, source, kept, scratch, binning, alignment, layout):
    turn = alignment.turns[i]
    fresh = (alignment.degrees[i] + turn) * (alignment.angle_bins / 360.0)  # in bins
    return Turn(turn, fresh - binning.offsets[i], fresh)


def _mean_direction_of_whole(stack, i, source, kept, scratch, binning, alignment, layout):
    offset = binning.offsets[i]
    sum_x, sum_y = _direction_pass(stack, i, source, kept, scratch, binning.scale, offset,
                                   alignment.unidirectional, alignment.grains[i])
    shift = 0.0
    if sum_x != 0.0 or sum_y != 0.0:
        harmonic = 2.0 if alignment.unidirectional else 1.0
        shift = math.atan2(sum_y, sum_x) * binning.scale / harmonic - offset
    return Turn(0.0, shift, offset + shift)


def _mean_direction_of_blocks(stack, i, source, kept, scratch, binning, alignment, layout):
    sum_x, sum_y = _direction_pass(stack, i, source, kept, scratch, binning.scale,
                                   binning.offsets[i], alignment.unidirectional,
                                   alignment.grains[i])
    turn = _mean_direction_degrees(sum_x, sum_y, alignment.degrees[i],
                                   alignment.unidirectional, binning.n_bins,
                                   alignment.angle_bins)
    fresh = (alignment.degrees[i] + turn) * (alignment.angle_bins / 360.0)
    return Turn(turn, fresh - binning.offsets[i], fresh)


def _harmonic_of_whole(stack, i, source, kept, scratch, binning, alignment, layout):
    offset = binning.offsets[i]
    _harmonics_pass(stack, i, source, kept, scratch, binning.scale, offset,
                    alignment.unidirectional)
    shift = _unfused_shift(_dominant_turn(scratch.sums, stack.shape[1] * stack.shape[2],
                                          alignment.grains[i]), binning.n_bins, offset)
    return Turn(0.0, shift, offset + shift)


def _harmonic_of_blocks(stack, i, source, kept, scratch, binning, alignment, layout):
    _harmonics_pass(stack, i, source, kept, scratch, binning.scale, binning.offsets[i],
                    alignment.unidirectional)
    # The harmonic's direction is measured from the image's axes, the grid
    # turns from the frame's: the frame's angle comes off.
    turn = binning.n_bins * _dominant_turn(scratch.sums, stack.shape[1] * stack.shape[2],
                                           alignment.grains[i]) \
        * (360.0 / alignment.angle_bins) - alignment.degrees[i]
    fresh = (alignment.degrees[i] + turn) * (alignment.angle_bins / 360.0)
    return Turn(turn, fresh - binning.offsets[i], fresh)


@overload(image_turn)
def _image_turn_of(stack, i, source, kept, scratch, binning, alignment, layout):
    whole = layout.instance_class is WholeLayout
    method = alignment.instance_class
    if method is MeanDirection:
        return _mean_direction_of_whole if whole else _mean_direction_of_blocks
    if method is DominantHarmonic:
        return _harmonic_of_whole if whole else _harmonic_of_blocks
    return _fixed_turn


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
