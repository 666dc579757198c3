"""Angles and the linear split of gradients between two bins.

Every value is a scalar of the band buffers' precision (:mod:`._passes`):
float64, or float32 with ``dtype='float32'`` (docs/contract.rst,
"Precision"). The angle uses Cephes' ``atan`` (a rational approximation
with a peak relative error near 2e-16 over its range) after reducing to
the first octant, or Cephes' ``atanf`` in float32, instead of the libm
``atan2`` call that numba would emit, which cannot be vectorised. The
dtype-dependent parts (the arctangents' constants, :func:`like`, which
keeps literals in the buffers' precision) live here, in one place.

Accumulation runs in pixel order, one histogram for the lower and one for
the upper bin, folded at the end (:func:`fold`), which is how the plain
engine's two ``np.bincount`` calls group the terms.
"""

import math
from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.extending import overload

from .._cache import enter_cache_location, leave_cache_location
from ._compile import INLINE, INLINED, JIT

_CACHE_DIR_OF_CALLER = enter_cache_location()

#: The dtype of the histograms and of every sum over pixels (the band
#: buffers take the options' dtype: :func:`like`).
FLOAT = np.float64

# Cephes atan.c: atan(x) = x + x * z * P(z) / Q(z), z = x*x, for 0 <= x <= 0.66.
_P0 = -8.750608600031904122785e-01
_P1 = -1.615753718733365076637e01
_P2 = -7.500855792314704667340e01
_P3 = -1.228866684490136173410e02
_P4 = -6.485021904942025371773e01
_Q0 = 2.485846490142306297962e01
_Q1 = 1.650270098316988542046e02
_Q2 = 4.328810604912902668951e02
_Q3 = 4.853903996359136964868e02
_Q4 = 1.945506571482613964425e02
_MOREBITS = 6.123233995736765886130e-17  # pi/2 - float(pi/2)
_PIO4 = math.pi / 4
_PIO2 = math.pi / 2
_PI = math.pi

# Cephes atanf.c: atan(x) = x + x * z * P(z), z = x*x, for 0 <= x <= tan(pi/8).
_A0_32 = np.float32(8.05374449538e-2)
_A1_32 = np.float32(-1.38776856032e-1)
_A2_32 = np.float32(1.99777106478e-1)
_A3_32 = np.float32(-3.33329491539e-1)
_TAN_PIO8_32 = np.float32(0.4142135623730950)
_PIO4_32 = np.float32(math.pi / 4)
_PIO2_32 = np.float32(math.pi / 2)
_PI_32 = np.float32(math.pi)
_ZERO_32 = np.float32(0.0)
_ONE_32 = np.float32(1.0)


def _is_single(value_type):
    """Whether a numba type (a scalar, or an array's dtype) is float32."""
    if isinstance(value_type, types.Array):
        value_type = value_type.dtype
    return isinstance(value_type, types.Float) and value_type.bitwidth == 32


def like(reference, value):
    """``value`` as a scalar of ``reference``'s precision (a scalar or an
    array): float32 for float32, float64 otherwise. Literals and integers
    would otherwise turn float32 arithmetic into float64 (numpy's
    promotion); for float64 it changes nothing."""


@overload(like, inline="always", jit_options=INLINED)
def _like_variant(reference, value):
    if _is_single(reference):
        return lambda reference, value: np.float32(value)
    return lambda reference, value: np.float64(value)


class Split(NamedTuple):
    """The split votes of a band: each pixel's lower bin (int32) and its
    weights in the lower and the upper bin."""

    lower: np.ndarray
    w_lo: np.ndarray
    w_hi: np.ndarray


def _angle64(gx, gy):
    """``atan2(gy, gx)`` in radians, in ``[-pi, pi]``, without a libm call."""
    ax = abs(gx)
    ay = abs(gy)
    small = min(ax, ay)
    large = max(ax, ay)
    # atan(small / large) in [0, pi/4]; above tan = 0.66 Cephes uses
    # atan(t) = pi/4 + atan((t - 1) / (t + 1)), here with one division.
    upper = small > 0.66 * large
    num = small - large if upper else small
    den = small + large if upper else large
    den = den if den > 0.0 else 1.0
    x = num / den
    z = x * x
    p = (((_P0 * z + _P1) * z + _P2) * z + _P3) * z + _P4
    q = ((((z + _Q0) * z + _Q1) * z + _Q2) * z + _Q3) * z + _Q4
    a = x * (z * p / q) + x
    a = (_PIO4 + (a + 0.5 * _MOREBITS)) if upper else a
    a = (_PIO2 - a) if ay > ax else a
    a = (_PI - a) if gx < 0.0 else a
    return -a if gy < 0.0 else a


def _angle32(gx, gy):
    """:func:`_angle64` in float32: Cephes' ``atanf`` (a polynomial of degree
    9, within 2 ulp of float32) after reducing to ``[0, tan(pi / 8)]``."""
    ax = abs(gx)
    ay = abs(gy)
    small = min(ax, ay)
    large = max(ax, ay)
    upper = small > _TAN_PIO8_32 * large
    num = small - large if upper else small
    den = small + large if upper else large
    den = den if den > _ZERO_32 else _ONE_32
    x = num / den
    z = x * x
    a = (((_A0_32 * z + _A1_32) * z + _A2_32) * z + _A3_32) * z * x + x
    a = (_PIO4_32 + a) if upper else a
    a = (_PIO2_32 - a) if ay > ax else a
    a = (_PI_32 - a) if gx < _ZERO_32 else a
    return -a if gy < _ZERO_32 else a


def angle(gx, gy):
    """``atan2(gy, gx)`` in the precision of ``gx``: :func:`_angle32` for
    float32, :func:`_angle64` otherwise (chosen when numba compiles)."""


@overload(angle, inline="always", jit_options=INLINED)
def _angle_variant(gx, gy):
    return _angle32 if _is_single(gx) else _angle64


@numba.njit(**INLINE)
def _wrap(position, n_bins, inv_n):
    """``position`` (in bins) wrapped into ``[0, n_bins)``: ``x - n floor(x / n)``,
    then one conditional step each way for what rounding leaves outside.
    (``np.floor`` stays a float, which LLVM vectorises; ``math.floor`` is an
    integer in numba.)"""
    n = like(position, n_bins)
    position -= n * np.floor(position * inv_n)
    position = position + n if position < like(position, 0.0) else position
    return position - n if position >= n else position


@numba.njit(**INLINE)
def split_at(position, magnitude, n_bins, inv_n):
    """A vote of ``magnitude`` at angle ``position`` (in bins, any value):
    ``(lower bin, share of the next bin, magnitude)``."""
    position = _wrap(position, n_bins, inv_n)
    k = np.floor(position)
    return np.int32(k), position - k, magnitude


@numba.njit(**INLINE)
def _split_gradient(gx, gy, weight, offset, scale, n_bins, inv_n):
    """:func:`split_at` of a gradient: its magnitude times ``weight`` (its
    region's 0 or 1) at its angle in bins less ``offset``. It returns values
    rather than storing them, which keeps the callers' loops vectorised."""
    magnitude = math.sqrt(gx * gx + gy * gy) * weight
    return split_at(angle(gx, gy) * scale - offset, magnitude, n_bins, inv_n)


@numba.njit(**INLINE)
def store_split(x, lower, fraction, magnitude, split):
    """Pixel ``x``'s vote into ``split``: ``magnitude`` split between bin
    ``lower`` and the next one, ``fraction`` of it to the next."""
    upper_weight = fraction * magnitude
    split.lower[x] = lower
    split.w_hi[x] = upper_weight
    split.w_lo[x] = magnitude - upper_weight


@numba.njit(**JIT)
def split_row(gxrow, gyrow, keep, split, scale, offset, n_bins):
    """Magnitude, angle and linear split of a band of gradients (in the
    precision of ``scale``)."""
    inv_n = like(scale, 1.0) / like(scale, n_bins)
    offset = like(scale, offset)
    for x in range(gxrow.shape[0]):
        lower, fraction, magnitude = _split_gradient(gxrow[x], gyrow[x], keep[x], offset,
                                                     scale, n_bins, inv_n)
        store_split(x, lower, fraction, magnitude, split)


@numba.njit(**JIT)
def split_row_referenced(gxrow, gyrow, keep, reference, split, scale, offset, n_bins):
    """:func:`split_row` with each pixel's own reference angle (in bins)
    subtracted too."""
    inv_n = like(scale, 1.0) / like(scale, n_bins)
    offset = like(scale, offset)
    for x in range(gxrow.shape[0]):
        lower, fraction, magnitude = _split_gradient(gxrow[x], gyrow[x], keep[x],
                                                     offset + like(scale, reference[x]),
                                                     scale, n_bins, inv_n)
        store_split(x, lower, fraction, magnitude, split)


@numba.njit(**JIT)
def split_row_plain(gxrow, gyrow, split, scale, n_bins):
    """:func:`split_row` for the common case: every pixel counts, no angle
    offset. The angle is then within half a turn of 0 (a whole turn, in bins
    of the folded circle, when unidirectional), so one conditional add wraps
    it into ``[0, n_bins]``."""
    n = like(scale, n_bins)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x]
        gy = gyrow[x]
        magnitude = math.sqrt(gx * gx + gy * gy)
        position = angle(gx, gy) * scale
        position = position + n if position < like(scale, 0.0) else position
        k = np.floor(position)
        lo = np.int32(k)
        store_split(x, lo - n_bins if lo >= n_bins else lo, position - k, magnitude, split)


@numba.njit(**JIT)
def split_fresh(band, n, split, scale, offset, n_bins, use_region):
    """The split of a band's fresh gradients (its first ``n``) at their
    angles less ``offset``, by the plain loop when every pixel counts and
    there is no offset."""
    if use_region or offset != 0.0:
        split_row(band.gx[:n], band.gy[:n], band.keep, split, scale, offset, n_bins)
    else:
        split_row_plain(band.gx[:n], band.gy[:n], split, scale, n_bins)


@numba.njit(**JIT)
def split_positions(positions, magnitudes, shift, split, n_bins):
    """:func:`split_row` of angles already in bins (less ``shift``)."""
    inv_n = like(positions, 1.0) / like(positions, n_bins)
    shift = like(positions, shift)
    for x in range(positions.shape[0]):
        lower, fraction, magnitude = split_at(positions[x] - shift, magnitudes[x], n_bins,
                                              inv_n)
        store_split(x, lower, fraction, magnitude, split)


@numba.njit(**JIT)
def sum4(values):
    """Sum with four interleaved accumulators: independent chains, so the adds
    overlap instead of waiting for each other (the order is fixed, so the
    result depends on nothing but the values)."""
    a = b = c = d = 0.0
    n = values.shape[0]
    m = n - n % 4
    for x in range(0, m, 4):
        a += values[x]
        b += values[x + 1]
        c += values[x + 2]
        d += values[x + 3]
    for x in range(m, n):
        a += values[x]
    return (a + b) + (c + d)


@numba.njit(**JIT)
def scatter(split, n, hist_lo, hist_hi):
    """The first ``n`` votes of ``split`` into one histogram's two halves."""
    for x in range(n):
        lo = split.lower[x]
        hist_lo[lo] += split.w_lo[x]
        hist_hi[lo + 1] += split.w_hi[x]


@numba.njit(**JIT)
def fold(hist_lo, hist_hi, n_bins, out_row):
    """Write a histogram accumulated as lower and upper halves into ``out_row``.

    The upper bin is lower + 1; ``hist_hi[n_bins]`` stands for bin 0 until
    here (only lower bin ``n_bins - 1`` adds there, so the order of terms is
    kept).
    """
    out_row[0] = hist_lo[0] + hist_hi[n_bins]
    for b in range(1, n_bins):
        out_row[b] = hist_lo[b] + hist_hi[b]


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
