"""The compiled engine: gradients, angles and the linear split in one pass.

It needs numba, a run-time dependency (the numpy engine runs when numba
cannot be imported). The
kernel walks a stack of images in bands of whole rows (about 4096 pixels, so
a narrow image such as an 8x8 digit is a single band). For each band it

1. runs, row by row, the vertical passes of the separable operator
   (smoothing for ``gx``, derivative for ``gy``) into two padded row buffers,
   reflecting at the image's edges as ``scipy.ndimage`` does with
   ``mode='reflect'``, then the horizontal passes into the band's gradients;
2. computes the magnitude, the angle and the split into two bins in one
   branch-free loop over the band, which LLVM vectorises;
3. adds the two weights of every pixel to the image's two histograms.

Every pixel is computed in float64 scalars, whatever the input dtype (uint8 is
read directly, without a float copy of the chunk), so the numbers agree with
the plain numpy engine to about 1e-15 relative for float64 and integer input.
Accumulation runs in pixel order, one histogram for the lower and one for the
upper bin, summed at the end, which is how the plain engine's two
``np.bincount`` calls group the terms. Nothing depends on the other images of
the stack, so a histogram is the same whichever chunk its image is in.

The angle uses Cephes' ``atan`` (a rational approximation with a peak relative
error near 2e-16 over its range) after reducing to the first octant, instead
of the libm ``atan2`` call that numba would emit, which cannot be vectorised.

The ``rings`` and ``grid`` layouts (:func:`_placed_histograms`) take the
same band steps, then place every pixel's two-bin vote in its blocks. Where
a pixel goes is computed once per stack, in Python, by the reference's own
code (:mod:`gradhist_sklearn._layouts`), as arrays over the image: the ring
position and radial angle of each pixel, or its centred frame coordinates,
which the kernel turns by each image's alignment angle (found in a first
band pass, as the re-binning kernel does) before splitting them bilinearly
between four cells. The pixels that count and the rings' centre come from
that shared placement too, so both engines count the same pixels.

The rings' azimuthal harmonics (:mod:`gradhist_sklearn._azimuthal`) are
summed in the same band loop (:func:`_azimuthal_band`): each pixel's vote,
split again at the azimuthal bins from the rings' own split, is added to
its two rings' and two bins' complex sums, times the powers of its
azimuth's unit vector (from the shared placement too).
"""

import math

import numba
import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from .._azimuthal import azimuth_vectors
from .._invariance import (
    above_noise,
    dominant_harmonic_turn,
    gradient_grains,
    harmonic_vectors,
    noise_floor,
    peak_positions,
    plain_orientations,
)
from .._layouts import centred_coordinates, remembered, ring_placement
from ._cache import numba_cache_dir

# numba's cache goes to a per-user folder, never into the package, where a
# leftover __pycache__ would shadow a later install (see _cache). numba
# reads this value as each function below is decorated; it is restored at
# the end of the module, so other users of numba keep their setting.
_CACHE_DIR_OF_CALLER = numba.config.CACHE_DIR
numba.config.CACHE_DIR = numba_cache_dir()

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

# error_model="numpy": no ZeroDivisionError checks, which would stop LLVM from
# vectorising the loops. fastmath "contract" only: a * b + c may become one
# fused multiply-add (one rounding instead of two: never less accurate); no
# reassociation, so sums keep their order and NaN/inf keep their meaning.
_JIT = dict(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})

# For functions compiled into their callers (whose cache holds them).
_INLINED = {name: value for name, value in _JIT.items() if name != "cache"}

# Only the scalar helpers are inline="always" (numba copies them into every
# caller, so their loops vectorise with the caller's). The band- and row-level
# helpers are compiled once each and called once per band or row: inlining
# them too compiled them again in every pass that uses them, three times the
# compile time for no speed (docs/performance.rst, "Compile time").


def _angle64(gx, gy):
    """``atan2(gy, gx)`` in radians, in ``[-pi, pi]``, without a libm call
    (float64: Cephes' ``atan``)."""
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


def _angle(gx, gy):
    """``atan2(gy, gx)`` in the precision of ``gx``: :func:`_angle32` for
    float32, :func:`_angle64` otherwise (chosen when numba compiles)."""


def _is_single(value_type):
    """Whether a numba type is float32 (the single-precision variants)."""
    return isinstance(value_type, types.Float) and value_type.bitwidth == 32


@overload(_angle, inline="always", jit_options=_INLINED)
def _angle_variant(gx, gy):
    return _angle32 if _is_single(gx) else _angle64


def _like(reference, value):
    """``value`` as a scalar of ``reference``'s precision: float32 for a
    float32 reference, float64 otherwise. Literals and integers would
    otherwise turn float32 arithmetic into float64 (numpy's promotion)."""


@overload(_like, inline="always", jit_options=_INLINED)
def _like_variant(reference, value):
    if isinstance(reference, types.Array):
        reference = reference.dtype
    if _is_single(reference):
        return lambda reference, value: np.float32(value)
    return lambda reference, value: np.float64(value)


@numba.njit(inline="always", **_JIT)
def _wrap(position, n_bins, inv_n):
    """``position`` (in bins) wrapped into ``[0, n_bins)``: ``x - n floor(x / n)``,
    then one conditional step each way for what rounding leaves outside.
    (``np.floor`` stays a float, which LLVM vectorises; ``math.floor`` is an
    integer in numba.)"""
    n = _like(position, n_bins)
    position -= n * np.floor(position * inv_n)
    position = position + n if position < _like(position, 0.0) else position
    return position - n if position >= n else position


@numba.njit(inline="always", **_JIT)
def _split_at(position, magnitude, n_bins, inv_n):
    """A vote of ``magnitude`` at angle ``position`` (in bins, any value):
    ``(lower bin, share of the next bin, magnitude)``."""
    position = _wrap(position, n_bins, inv_n)
    k = np.floor(position)
    return np.int32(k), position - k, magnitude


@numba.njit(inline="always", **_JIT)
def _split_gradient(gx, gy, weight, offset, scale, n_bins, inv_n):
    """:func:`_split_at` of a gradient: its magnitude times ``weight`` (its
    region's 0 or 1) at its angle in bins less ``offset``. It returns values
    rather than storing them, which keeps the callers' loops vectorised."""
    magnitude = math.sqrt(gx * gx + gy * gy) * weight
    return _split_at(_angle(gx, gy) * scale - offset, magnitude, n_bins, inv_n)


@numba.njit(inline="always", **_JIT)
def _store_split(x, lower, fraction, magnitude, bins_lo, w_lo, w_hi):
    """Pixel ``x``'s vote: ``magnitude`` split between bin ``lower`` and the
    next one, ``fraction`` of it to the next."""
    upper_weight = fraction * magnitude
    bins_lo[x] = lower
    w_hi[x] = upper_weight
    w_lo[x] = magnitude - upper_weight


@numba.njit(**_JIT)
def _split_row(gxrow, gyrow, keep, bins_lo, w_lo, w_hi, scale, offset, n_bins):
    """Magnitude, angle and linear split of a band of gradients (in the
    precision of ``scale``)."""
    inv_n = _like(scale, 1.0) / _like(scale, n_bins)
    offset = _like(scale, offset)
    for x in range(gxrow.shape[0]):
        lower, fraction, magnitude = _split_gradient(gxrow[x], gyrow[x], keep[x], offset,
                                                     scale, n_bins, inv_n)
        _store_split(x, lower, fraction, magnitude, bins_lo, w_lo, w_hi)


@numba.njit(**_JIT)
def _split_row_referenced(gxrow, gyrow, keep, reference, split, scale, offset, n_bins):
    """:func:`_split_row` with each pixel's own reference angle (in bins)
    subtracted too, into ``split = (bins_lo, w_lo, w_hi)``."""
    bins_lo, w_lo, w_hi = split
    inv_n = _like(scale, 1.0) / _like(scale, n_bins)
    offset = _like(scale, offset)
    for x in range(gxrow.shape[0]):
        lower, fraction, magnitude = _split_gradient(gxrow[x], gyrow[x], keep[x],
                                                     offset + _like(scale, reference[x]),
                                                     scale, n_bins, inv_n)
        _store_split(x, lower, fraction, magnitude, bins_lo, w_lo, w_hi)


@numba.njit(**_JIT)
def _split_row_plain(gxrow, gyrow, bins_lo, w_lo, w_hi, scale, n_bins):
    """:func:`_split_row` for the common case: every pixel counts, no angle
    offset. The angle is then within half a turn of 0 (a whole turn, in bins
    of the folded circle, when unidirectional), so one conditional add wraps
    it into ``[0, n_bins]``."""
    n = _like(scale, n_bins)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x]
        gy = gyrow[x]
        magnitude = math.sqrt(gx * gx + gy * gy)
        position = _angle(gx, gy) * scale
        position = position + n if position < _like(scale, 0.0) else position
        k = np.floor(position)
        lo = np.int32(k)
        _store_split(x, lo - n_bins if lo >= n_bins else lo, position - k, magnitude,
                     bins_lo, w_lo, w_hi)


@numba.njit(**_JIT)
def _vertical3(a, b, c, deriv, smooth, vs, vd):
    """Vertical passes over three rows, into the padded buffers (offset 1)."""
    s0, s1, s2 = smooth[0], smooth[1], smooth[2]
    d2 = deriv[2]  # antisymmetric: deriv = [-d2, 0, d2]
    for x in range(a.shape[0]):
        va = _like(vs, a[x])
        vb = _like(vs, b[x])
        vc = _like(vs, c[x])
        vs[1 + x] = s0 * va + s1 * vb + s2 * vc
        vd[1 + x] = d2 * (vc - va)


@numba.njit(**_JIT)
def _vertical5(a, b, c, d, e, deriv, smooth, vs, vd):
    """Vertical passes over five rows, into the padded buffers (offset 2)."""
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    d3, d4 = deriv[3], deriv[4]  # antisymmetric: deriv = [-d4, -d3, 0, d3, d4]
    for x in range(a.shape[0]):
        va = _like(vs, a[x])
        vb = _like(vs, b[x])
        vc = _like(vs, c[x])
        vdd = _like(vs, d[x])
        ve = _like(vs, e[x])
        vs[2 + x] = s0 * va + s1 * vb + s2 * vc + s3 * vdd + s4 * ve
        vd[2 + x] = d4 * (ve - va) + d3 * (vdd - vb)


@numba.njit(**_JIT)
def _horizontal3(vs, vd, deriv, smooth, gxrow, gyrow):
    """Horizontal passes: derivative of ``vs`` into gx, smoothing of ``vd`` into gy."""
    s0, s1, s2 = smooth[0], smooth[1], smooth[2]
    d2 = deriv[2]
    for x in range(gxrow.shape[0]):
        gxrow[x] = d2 * (vs[x + 2] - vs[x])
        gyrow[x] = s0 * vd[x] + s1 * vd[x + 1] + s2 * vd[x + 2]


@numba.njit(**_JIT)
def _horizontal5(vs, vd, deriv, smooth, gxrow, gyrow):
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    d3, d4 = deriv[3], deriv[4]
    for x in range(gxrow.shape[0]):
        gxrow[x] = d4 * (vs[x + 4] - vs[x]) + d3 * (vs[x + 3] - vs[x + 1])
        gyrow[x] = (s0 * vd[x] + s1 * vd[x + 1] + s2 * vd[x + 2] + s3 * vd[x + 3]
                    + s4 * vd[x + 4])


@numba.njit(**_JIT)
def _vertical9(stack, i, src, deriv, smooth, vs, vd):
    """Vertical passes over nine rows (the derivative of Gaussian at
    ``sigma=1``), in one sweep of the row, into the padded buffers (offset 4)."""
    r0, r1, r2, r3 = stack[i, src[0]], stack[i, src[1]], stack[i, src[2]], stack[i, src[3]]
    r4, r5, r6 = stack[i, src[4]], stack[i, src[5]], stack[i, src[6]]
    r7, r8 = stack[i, src[7]], stack[i, src[8]]
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    s5, s6, s7, s8 = smooth[5], smooth[6], smooth[7], smooth[8]
    d5, d6, d7, d8 = deriv[5], deriv[6], deriv[7], deriv[8]
    for x in range(r0.shape[0]):
        v0, v1, v2, v3 = _like(vs, r0[x]), _like(vs, r1[x]), _like(vs, r2[x]), _like(vs, r3[x])
        v4, v5, v6 = _like(vs, r4[x]), _like(vs, r5[x]), _like(vs, r6[x])
        v7, v8 = _like(vs, r7[x]), _like(vs, r8[x])
        vs[4 + x] = (s0 * v0 + s1 * v1 + s2 * v2 + s3 * v3 + s4 * v4 + s5 * v5 + s6 * v6
                     + s7 * v7 + s8 * v8)
        vd[4 + x] = d8 * (v8 - v0) + d7 * (v7 - v1) + d6 * (v6 - v2) + d5 * (v5 - v3)


@numba.njit(**_JIT)
def _horizontal9(vs, vd, deriv, smooth, gxrow, gyrow):
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    s5, s6, s7, s8 = smooth[5], smooth[6], smooth[7], smooth[8]
    d5, d6, d7, d8 = deriv[5], deriv[6], deriv[7], deriv[8]
    for x in range(gxrow.shape[0]):
        gxrow[x] = (d8 * (vs[x + 8] - vs[x]) + d7 * (vs[x + 7] - vs[x + 1])
                    + d6 * (vs[x + 6] - vs[x + 2]) + d5 * (vs[x + 5] - vs[x + 3]))
        gyrow[x] = (s0 * vd[x] + s1 * vd[x + 1] + s2 * vd[x + 2] + s3 * vd[x + 3]
                    + s4 * vd[x + 4] + s5 * vd[x + 5] + s6 * vd[x + 6] + s7 * vd[x + 7]
                    + s8 * vd[x + 8])


@numba.njit(**_JIT)
def _vertical17(stack, i, src, deriv, smooth, vs, vd):
    """Vertical passes over seventeen rows (the derivative of Gaussian at
    ``sigma=2``), in one sweep of the row, into the padded buffers (offset 8)."""
    r0 = stack[i, src[0]]
    r1 = stack[i, src[1]]
    r2 = stack[i, src[2]]
    r3 = stack[i, src[3]]
    r4 = stack[i, src[4]]
    r5 = stack[i, src[5]]
    r6 = stack[i, src[6]]
    r7 = stack[i, src[7]]
    r8 = stack[i, src[8]]
    r9 = stack[i, src[9]]
    r10 = stack[i, src[10]]
    r11 = stack[i, src[11]]
    r12 = stack[i, src[12]]
    r13 = stack[i, src[13]]
    r14 = stack[i, src[14]]
    r15 = stack[i, src[15]]
    r16 = stack[i, src[16]]
    s0 = smooth[0]
    s1 = smooth[1]
    s2 = smooth[2]
    s3 = smooth[3]
    s4 = smooth[4]
    s5 = smooth[5]
    s6 = smooth[6]
    s7 = smooth[7]
    s8 = smooth[8]
    s9 = smooth[9]
    s10 = smooth[10]
    s11 = smooth[11]
    s12 = smooth[12]
    s13 = smooth[13]
    s14 = smooth[14]
    s15 = smooth[15]
    s16 = smooth[16]
    d9 = deriv[9]
    d10 = deriv[10]
    d11 = deriv[11]
    d12 = deriv[12]
    d13 = deriv[13]
    d14 = deriv[14]
    d15 = deriv[15]
    d16 = deriv[16]
    for x in range(r0.shape[0]):
        v0 = _like(vs, r0[x])
        v1 = _like(vs, r1[x])
        v2 = _like(vs, r2[x])
        v3 = _like(vs, r3[x])
        v4 = _like(vs, r4[x])
        v5 = _like(vs, r5[x])
        v6 = _like(vs, r6[x])
        v7 = _like(vs, r7[x])
        v8 = _like(vs, r8[x])
        v9 = _like(vs, r9[x])
        v10 = _like(vs, r10[x])
        v11 = _like(vs, r11[x])
        v12 = _like(vs, r12[x])
        v13 = _like(vs, r13[x])
        v14 = _like(vs, r14[x])
        v15 = _like(vs, r15[x])
        v16 = _like(vs, r16[x])
        vs[8 + x] = (s0 * v0
                     + s1 * v1 + s2 * v2 + s3 * v3 + s4 * v4
                     + s5 * v5 + s6 * v6 + s7 * v7 + s8 * v8
                     + s9 * v9 + s10 * v10 + s11 * v11 + s12 * v12
                     + s13 * v13 + s14 * v14 + s15 * v15 + s16 * v16)
        vd[8 + x] = (d16 * (v16 - v0)
                     + d15 * (v15 - v1) + d14 * (v14 - v2)
                     + d13 * (v13 - v3) + d12 * (v12 - v4)
                     + d11 * (v11 - v5) + d10 * (v10 - v6)
                     + d9 * (v9 - v7))


@numba.njit(**_JIT)
def _horizontal17(vs, vd, deriv, smooth, gxrow, gyrow):
    s0 = smooth[0]
    s1 = smooth[1]
    s2 = smooth[2]
    s3 = smooth[3]
    s4 = smooth[4]
    s5 = smooth[5]
    s6 = smooth[6]
    s7 = smooth[7]
    s8 = smooth[8]
    s9 = smooth[9]
    s10 = smooth[10]
    s11 = smooth[11]
    s12 = smooth[12]
    s13 = smooth[13]
    s14 = smooth[14]
    s15 = smooth[15]
    s16 = smooth[16]
    d9 = deriv[9]
    d10 = deriv[10]
    d11 = deriv[11]
    d12 = deriv[12]
    d13 = deriv[13]
    d14 = deriv[14]
    d15 = deriv[15]
    d16 = deriv[16]
    for x in range(gxrow.shape[0]):
        gxrow[x] = (d16 * (vs[x + 16] - vs[x])
                    + d15 * (vs[x + 15] - vs[x + 1]) + d14 * (vs[x + 14] - vs[x + 2])
                    + d13 * (vs[x + 13] - vs[x + 3]) + d12 * (vs[x + 12] - vs[x + 4])
                    + d11 * (vs[x + 11] - vs[x + 5]) + d10 * (vs[x + 10] - vs[x + 6])
                    + d9 * (vs[x + 9] - vs[x + 7]))
        gyrow[x] = (s0 * vd[x]
                    + s1 * vd[x + 1] + s2 * vd[x + 2] + s3 * vd[x + 3] + s4 * vd[x + 4]
                    + s5 * vd[x + 5] + s6 * vd[x + 6] + s7 * vd[x + 7] + s8 * vd[x + 8]
                    + s9 * vd[x + 9] + s10 * vd[x + 10] + s11 * vd[x + 11] + s12 * vd[x + 12]
                    + s13 * vd[x + 13] + s14 * vd[x + 14] + s15 * vd[x + 15] + s16 * vd[x + 16])


@numba.njit(**_JIT)
def _vertical_any(stack, i, rows, deriv, smooth, vs, vd):
    """Vertical passes for any odd number of taps, one tap (row) at a time."""
    r = deriv.shape[0] // 2
    width = stack.shape[2]
    for x in range(width):
        vs[r + x] = 0.0
        vd[r + x] = 0.0
    for j in range(deriv.shape[0]):
        row = stack[i, rows[j]]
        sj = smooth[j]
        for x in range(width):
            vs[r + x] += sj * _like(vs, row[x])
    for j in range(1, r + 1):  # antisymmetric derivative: pairs of differences
        after = stack[i, rows[r + j]]
        before = stack[i, rows[r - j]]
        dj = deriv[r + j]
        for x in range(width):
            vd[r + x] += dj * (_like(vs, after[x]) - _like(vs, before[x]))


@numba.njit(**_JIT)
def _horizontal_any(vs, vd, deriv, smooth, gxrow, gyrow):
    for x in range(gxrow.shape[0]):
        gxrow[x] = 0.0
        gyrow[x] = 0.0
    r = deriv.shape[0] // 2
    for j in range(deriv.shape[0]):
        sj = smooth[j]
        for x in range(gxrow.shape[0]):
            gyrow[x] += sj * vd[x + j]
    for j in range(1, r + 1):
        dj = deriv[r + j]
        for x in range(gxrow.shape[0]):
            gxrow[x] += dj * (vs[x + r + j] - vs[x + r - j])


@numba.njit(inline="always", **_JIT)
def _reflect(i, n):
    """``scipy.ndimage`` ``mode='reflect'`` index: d c b a | a b c d | d c b a."""
    period = 2 * n
    i = i % period
    return period - 1 - i if i >= n else i


@numba.njit(**_JIT)
def _band_gradients(stack, i, y0, y1, tables, operator, area, band):
    """Gradients of rows ``y0:y1`` of image ``i`` into the band buffers
    ``gx``, ``gy`` (and the region's 0/1 weights into ``keep``).

    ``tables`` are :func:`_reflect_tables`'s, ``operator`` and ``area`` the
    kernels' arguments, ``band`` the buffers ``(vs, vd, gx, gy, keep)``.
    """
    rows, cols = tables
    deriv, smooth = operator
    region, use_region = area
    vs, vd, gx, gy, keep = band
    width = stack.shape[2]
    taps = deriv.shape[0]
    r = taps // 2
    for y in range(y0, y1):
        src = rows[y]
        if taps == 3:
            _vertical3(stack[i, src[0]], stack[i, src[1]], stack[i, src[2]],
                       deriv, smooth, vs, vd)
        elif taps == 5:
            _vertical5(stack[i, src[0]], stack[i, src[1]], stack[i, src[2]],
                       stack[i, src[3]], stack[i, src[4]], deriv, smooth, vs, vd)
        elif taps == 9:
            _vertical9(stack, i, src, deriv, smooth, vs, vd)
        elif taps == 17:
            _vertical17(stack, i, src, deriv, smooth, vs, vd)
        else:
            _vertical_any(stack, i, src, deriv, smooth, vs, vd)
        for j in range(r):
            vs[j] = vs[r + cols[j]]
            vd[j] = vd[r + cols[j]]
            vs[r + width + j] = vs[r + cols[r + j]]
            vd[r + width + j] = vd[r + cols[r + j]]
        o = (y - y0) * width
        if taps == 3:
            _horizontal3(vs, vd, deriv, smooth, gx[o:o + width], gy[o:o + width])
        elif taps == 5:
            _horizontal5(vs, vd, deriv, smooth, gx[o:o + width], gy[o:o + width])
        elif taps == 9:
            _horizontal9(vs, vd, deriv, smooth, gx[o:o + width], gy[o:o + width])
        elif taps == 17:
            _horizontal17(vs, vd, deriv, smooth, gx[o:o + width], gy[o:o + width])
        else:
            _horizontal_any(vs, vd, deriv, smooth, gx[o:o + width], gy[o:o + width])
        if use_region:
            for x in range(width):
                keep[o + x] = float(region[y, x])


@numba.njit(inline="always", **_JIT)
def _direction(gx, gy, unidirectional):
    """A gradient's vector for the mean direction: ``G e^{i theta} = gx + i gy``,
    or ``G e^{2 i theta} = (gx + i gy)^2 / G`` when ``unidirectional``."""
    if unidirectional:
        magnitude = math.sqrt(gx * gx + gy * gy)
        zero = _like(gx, 0.0)
        inverse = _like(gx, 1.0) / magnitude if magnitude > zero else zero
        return (gx * gx - gy * gy) * inverse, _like(gx, 2.0) * gx * gy * inverse
    return gx, gy


@numba.njit(**_JIT)
def _direction_vectors(gxrow, gyrow, keep, vx, vy, vm, unidirectional):
    """:func:`_direction` of a band of gradients, and their magnitudes into
    ``vm``, 0 outside the region. Branch-free, so LLVM vectorises it."""
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        vm[x] = math.sqrt(gx * gx + gy * gy)
        vx[x], vy[x] = _direction(gx, gy, unidirectional)


# The dominant_harmonic method: the per-pixel vectors are harmonic_vectors
# (the products the reference's pixel_harmonics takes, in real arithmetic),
# and the per-image decision is dominant_harmonic_turn itself, so both engines
# decide with the same function. Both live in _invariance and are compiled
# here; numba's cache does not see edits to them (nor to the constants they
# read): clear the cache (_cache.numba_cache_dir()) after changing them
# (tests/test_equivalence.py would show the stale kernel).
# The noise rule (noise_floor, above_noise) is shared the same way: the
# compiled code calls the reference's functions, inlined into their callers
# (whose cache holds them). Not cache=True: numba would make their cache
# when they first compile, after the end of this module, beside _invariance.
register_jitable(inline="always", **_INLINED)(noise_floor)
register_jitable(inline="always", **_INLINED)(above_noise)
_harmonic_vectors = numba.njit(inline="always", **_JIT)(harmonic_vectors)
_dominant_turn = numba.njit(inline="always", **_JIT)(dominant_harmonic_turn)


@numba.njit(**_JIT)
def _harmonics_row(gxrow, gyrow, keep, positions, magnitudes, vectors, scale, offset,
                   unidirectional, with_positions):
    """Magnitudes and harmonic vectors (``vectors[h]``: component ``h`` of
    :func:`_harmonic_vectors`) of a band of gradients, 0 outside the region;
    with ``with_positions``, also their angles in bins less ``offset`` (not
    yet wrapped), as :func:`_angles_row` gives them."""
    offset = _like(scale, offset)
    zero = _like(scale, 0.0)
    one = _like(scale, 1.0)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        magnitude = math.sqrt(gx * gx + gy * gy)
        magnitudes[x] = magnitude
        if with_positions:
            positions[x] = _angle(gx, gy) * scale - offset
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


@numba.njit(**_JIT)
def _add_harmonics(sums, magnitudes, vectors, n):
    """Add a band's magnitudes and harmonic vectors (first ``n`` pixels) to
    the image's :func:`_dominant_turn` sums."""
    sums[0] += _sum4(magnitudes[:n])
    for h in range(8):
        sums[1 + h] += _sum4(vectors[h, :n])


@numba.njit(**_JIT)
def _angles_row(gxrow, gyrow, keep, positions, magnitudes, vx, vy, scale, offset,
                unidirectional):
    """Magnitude and angle (in bins, less ``offset``, not yet wrapped into the
    circle) of a band of gradients, and their direction vectors as
    :func:`_direction_vectors` gives them, in one branch-free loop."""
    offset = _like(scale, offset)
    for x in range(gxrow.shape[0]):
        gx = gxrow[x] * keep[x]
        gy = gyrow[x] * keep[x]
        magnitudes[x] = math.sqrt(gx * gx + gy * gy)
        positions[x] = _angle(gx, gy) * scale - offset
        vx[x], vy[x] = _direction(gx, gy, unidirectional)


@numba.njit(**_JIT)
def _split_positions(positions, magnitudes, shift, bins_lo, w_lo, w_hi, n_bins):
    """:func:`_split_row` of angles already in bins (less ``shift``)."""
    inv_n = _like(positions, 1.0) / _like(positions, n_bins)
    shift = _like(positions, shift)
    for x in range(positions.shape[0]):
        lower, fraction, magnitude = _split_at(positions[x] - shift, magnitudes[x], n_bins,
                                               inv_n)
        _store_split(x, lower, fraction, magnitude, bins_lo, w_lo, w_hi)


@numba.njit(**_JIT)
def _sum4(values):
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


@numba.njit(**_JIT)
def _scatter(bins_lo, w_lo, w_hi, n, hist_lo, hist_hi):
    for x in range(n):
        lo = bins_lo[x]
        hist_lo[lo] += w_lo[x]
        hist_hi[lo + 1] += w_hi[x]


@numba.njit(**_JIT)
def _direction_pass(stack, i, source, buffers, scale, offset, unidirectional, grain):
    """The first pass over an image that is aligned to its gradients' mean
    direction: band by band, the gradients and the sum of their vectors
    (:func:`_direction`); returns ``(sum_x, sum_y)``, each 0 when it is
    rounding noise (``_invariance.noise_floor`` of the sum of the
    magnitudes and the image's ``grain``), as the reference's
    ``pixel_centre_turns`` takes them.

    ``source`` is ``(tables, operator, area, band, band_rows)``, what
    :func:`_band_gradients` needs; ``buffers`` is ``(positions, magnitudes,
    vx, vy, vm)``: when the first two are image-sized (not empty), the angles
    (in bins, less ``offset``) and magnitudes are kept in them for the second
    pass; the others hold one band.
    """
    tables, operator, area, band, band_rows = source
    positions, magnitudes, vx, vy, vm = buffers
    gx, gy, keep = band[2], band[3], band[4]
    height, width = stack.shape[1], stack.shape[2]
    buffered = positions.shape[0] > 0
    sum_x = 0.0
    sum_y = 0.0
    mass = 0.0
    for y0 in range(0, height, band_rows):
        y1 = min(y0 + band_rows, height)
        _band_gradients(stack, i, y0, y1, tables, operator, area, band)
        n = (y1 - y0) * width
        if buffered:
            o = y0 * width
            _angles_row(gx[:n], gy[:n], keep, positions[o:o + n], magnitudes[o:o + n],
                        vx, vy, scale, offset, unidirectional)
            mass += _sum4(magnitudes[o:o + n])
        else:
            _direction_vectors(gx[:n], gy[:n], keep, vx, vy, vm, unidirectional)
            mass += _sum4(vm[:n])
        sum_x += _sum4(vx[:n])
        sum_y += _sum4(vy[:n])
    floor = noise_floor(mass, height * width, grain)
    return above_noise(sum_x, floor), above_noise(sum_y, floor)


@numba.njit(**_JIT)
def _harmonics_pass(stack, i, source, buffers, scale, offset, unidirectional, sums):
    """The first pass over an image aligned to its gradients' dominant
    harmonic: band by band, the gradients, and into ``sums`` (9 values) the
    sums of their magnitudes and :func:`_harmonic_vectors`, which
    :func:`_dominant_turn` takes.

    ``source`` is :func:`_direction_pass`'s; ``buffers`` is ``(positions,
    magnitudes, vectors, band_magnitudes)``: when the first two are
    image-sized (not empty), the angles (in bins, less ``offset``) and
    magnitudes are kept in them for the second pass; ``vectors`` (8 rows)
    and ``band_magnitudes`` hold one band.
    """
    tables, operator, area, band, band_rows = source
    positions, magnitudes, vectors, band_magnitudes = buffers
    gx, gy, keep = band[2], band[3], band[4]
    height, width = stack.shape[1], stack.shape[2]
    buffered = positions.shape[0] > 0
    sums[:] = 0.0
    for y0 in range(0, height, band_rows):
        y1 = min(y0 + band_rows, height)
        _band_gradients(stack, i, y0, y1, tables, operator, area, band)
        n = (y1 - y0) * width
        o = y0 * width if buffered else 0
        mags = magnitudes[o:o + n] if buffered else band_magnitudes[:n]
        _harmonics_row(gx[:n], gy[:n], keep, positions[o:o + n], mags, vectors, scale, offset,
                       unidirectional, buffered)
        _add_harmonics(sums, mags, vectors, n)


@numba.njit(**_JIT)
def _band_buffers(width, kernel):
    """Rows per band and the scratch arrays of one band, in the precision of
    the operator's ``kernel``: the gradient buffers of
    :func:`_band_gradients` (padded vertical smoothing, for gx, and
    derivative, for gy, of a row; the band's gradients and region weights),
    then the lower bins and the two split weights."""
    r = kernel.shape[0] // 2
    band_rows = max(1, _BAND_PIXELS // width)
    size = band_rows * width
    real = kernel.dtype
    band = (np.empty(width + 2 * r, real), np.empty(width + 2 * r, real), np.empty(size, real),
            np.empty(size, real), np.ones(size, real))
    return (band_rows, band, np.empty(size, dtype=np.int32), np.empty(size, real),
            np.empty(size, real))


@numba.njit(**_JIT)
def _fold(hist_lo, hist_hi, n_bins, out_row):
    """Write a histogram accumulated as lower and upper halves into ``out_row``.

    The upper bin is lower + 1; ``hist_hi[n_bins]`` stands for bin 0 until
    here (only lower bin ``n_bins - 1`` adds there, so the order of terms is
    kept).
    """
    out_row[0] = hist_lo[0] + hist_hi[n_bins]
    for b in range(1, n_bins):
        out_row[b] = hist_lo[b] + hist_hi[b]


@numba.njit(**_JIT)
def _rebinned_histograms(stack, operator, area, binning, unidirectional, with_plain,
                         kept, out, plain_out, grains, harmonics=False):
    """The ``centre_of_mass_rebin`` method, compiled (``dominant_harmonic``
    with ``harmonics``). For every image of ``stack``:

    1. band by band, the gradients and the sum of their vectors (of the
       doubled angles when ``unidirectional``), whose direction is the
       image's alignment angle ``phi``: no angle is computed in this pass;
       with ``harmonics``, the sums of :func:`_harmonic_vectors` and of the
       magnitudes instead, from which :func:`_dominant_turn` takes ``phi``;
    2. the linear split at ``theta - phi`` into ``out`` and, when
       ``with_plain``, at ``theta`` into ``plain_out`` (the plain histogram,
       for the main orientation).

    ``kept`` is two arrays (:func:`_first_pass_buffers`): image-sized, they
    keep each image's angles and magnitudes from pass 1, so step 2 only
    splits; empty, step 2 computes the gradients and angles again, which
    keeps memory to a few bands whatever the image size. ``grains`` are
    the images' ``_invariance.gradient_grains``, for the noise floor of
    their alignment angles. The other arguments are :func:`_histograms`'s.
    """
    scale, offsets, n_bins = binning
    n_images, height, width = stack.shape
    taps = operator[0].shape[0]
    band_rows, band, bins_lo, w_lo, w_hi = _band_buffers(width, operator[0])
    gx, gy, keep = band[2], band[3], band[4]
    vx = np.empty(gx.shape[0], gx.dtype)  # direction vectors and magnitudes (pass 1)
    vy = np.empty(gx.shape[0], gx.dtype)
    vm = np.empty(gx.shape[0], gx.dtype)
    hist_lo = np.empty(n_bins)
    hist_hi = np.empty(n_bins + 1)
    plain_hist_lo = np.empty(n_bins)
    plain_hist_hi = np.empty(n_bins + 1)
    harmonic = 2.0 if unidirectional else 1.0
    positions, magnitudes = kept
    buffered = positions.shape[0] > 0
    tables = _reflect_tables(height, width, taps)
    source = (tables, operator, area, band, band_rows)
    vectors = np.empty((8, gx.shape[0]) if harmonics else (8, 0), gx.dtype)  # pass 1
    band_magnitudes = np.empty(gx.shape[0] if harmonics else 0, gx.dtype)
    sums = np.empty(9)
    for i in range(n_images):
        if harmonics:
            _harmonics_pass(stack, i, source, (positions, magnitudes, vectors, band_magnitudes),
                            scale, offsets[i], unidirectional, sums)
            shift = _dominant_turn(sums, height * width, grains[i]) * n_bins - offsets[i]
        else:
            sum_x, sum_y = _direction_pass(stack, i, source,
                                           (positions, magnitudes, vx, vy, vm),
                                           scale, offsets[i], unidirectional, grains[i])
            shift = 0.0
            if sum_x != 0.0 or sum_y != 0.0:
                shift = math.atan2(sum_y, sum_x) * scale / harmonic - offsets[i]
        hist_lo[:] = 0.0
        hist_hi[:] = 0.0
        plain_hist_lo[:] = 0.0
        plain_hist_hi[:] = 0.0
        for y0 in range(0, height, band_rows):
            y1 = min(y0 + band_rows, height)
            n = (y1 - y0) * width
            if buffered:
                o = y0 * width
                _split_positions(positions[o:o + n], magnitudes[o:o + n], shift,
                                 bins_lo, w_lo, w_hi, n_bins)
                _scatter(bins_lo, w_lo, w_hi, n, hist_lo, hist_hi)
                if with_plain:
                    _split_positions(positions[o:o + n], magnitudes[o:o + n], 0.0,
                                     bins_lo, w_lo, w_hi, n_bins)
                    _scatter(bins_lo, w_lo, w_hi, n, plain_hist_lo, plain_hist_hi)
                continue
            _band_gradients(stack, i, y0, y1, tables, operator, area, band)
            _split_row(gx[:n], gy[:n], keep, bins_lo, w_lo, w_hi, scale,
                       offsets[i] + shift, n_bins)
            _scatter(bins_lo, w_lo, w_hi, n, hist_lo, hist_hi)
            if with_plain:
                _split_row(gx[:n], gy[:n], keep, bins_lo, w_lo, w_hi, scale, offsets[i],
                           n_bins)
                _scatter(bins_lo, w_lo, w_hi, n, plain_hist_lo, plain_hist_hi)
        _fold(hist_lo, hist_hi, n_bins, out[i])
        _fold(plain_hist_lo, plain_hist_hi, n_bins, plain_out[i])


@numba.njit(**_JIT)
def _reflect_tables(height, width, taps):
    """Reflected source rows of every output row, and the source column of
    each pad (left then right): the same for every image of a stack."""
    r = taps // 2
    rows = np.empty((height, taps), dtype=np.intp)
    for y in range(height):
        for j in range(taps):
            rows[y, j] = _reflect(y + j - r, height)
    cols = np.empty(2 * r, dtype=np.intp)
    for j in range(r):
        cols[j] = _reflect(j - r, width)
        cols[r + j] = _reflect(width + j, width)
    return rows, cols


#: Largest image (in pixels) whose angles and magnitudes the re-binning kernels
#: keep between their two passes (16 bytes a pixel); larger images compute
#: their gradients again in the second pass.
BUFFER_PIXELS = 2**20

#: Pixels split and binned per inner loop: whole rows, several of them for
#: narrow images, so that an 8x8 digit is one short loop rather than eight.
_BAND_PIXELS = 4096


@numba.njit(**_JIT)
def _histograms(stack, operator, area, binning, out):
    """Raw (unnormalised) histograms of every image of ``stack`` into ``out``.

    ``operator`` is ``(deriv, smooth)``, correlation kernels of the same odd
    length; ``area`` is ``(region, use_region)``, a uint8 (height, width)
    mask used when ``use_region``; ``binning`` is ``(scale, offsets,
    n_bins)``: angles in radians times ``scale`` are bins, and ``offsets[i]``
    is subtracted from image ``i``'s, in bins.
    """
    use_region = area[1]
    scale, offsets, n_bins = binning
    n_images, height, width = stack.shape
    taps = operator[0].shape[0]
    band_rows, band, bins_lo, w_lo, w_hi = _band_buffers(width, operator[0])
    gx, gy, keep = band[2], band[3], band[4]
    hist_lo = np.empty(n_bins)
    hist_hi = np.empty(n_bins + 1)  # see _fold
    tables = _reflect_tables(height, width, taps)
    for i in range(n_images):
        hist_lo[:] = 0.0
        hist_hi[:] = 0.0
        for y0 in range(0, height, band_rows):
            y1 = min(y0 + band_rows, height)
            _band_gradients(stack, i, y0, y1, tables, operator, area, band)
            n = (y1 - y0) * width
            if use_region or offsets[i] != 0.0:
                _split_row(gx[:n], gy[:n], keep, bins_lo, w_lo, w_hi, scale, offsets[i],
                           n_bins)
            else:
                _split_row_plain(gx[:n], gy[:n], bins_lo, w_lo, w_hi, scale, n_bins)
            _scatter(bins_lo, w_lo, w_hi, n, hist_lo, hist_hi)
        _fold(hist_lo, hist_hi, n_bins, out[i])


@numba.njit(inline="always", **_JIT)
def _padded_split(position, n):
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


@numba.njit(inline="always", **_JIT)
def _vote(acc, at, weight, w_lo, w_hi):
    """``weight`` of a pixel's split vote into the blocks' accumulators ``acc
    = (acc_lo, acc_hi, stride)`` at ``at`` (:func:`_at`).

    They are bin-major, ``stride`` (padded) blocks per bin, so that the
    blocks one pixel votes for are neighbours in memory, and ``acc_hi`` has
    one bin more (see :func:`_fold`): the upper bin's vote goes ``stride``
    further. Indices are unsigned, so numba adds no wrap-around of negative
    ones (both choices speed the scatter loops up: docs/performance.rst).
    """
    acc_lo, acc_hi, stride = acc
    acc_lo[at] += w_lo * weight
    acc_hi[at + stride] += w_hi * weight


@numba.njit(inline="always", **_JIT)
def _at(lower, block, stride):
    """Index of bin ``lower`` of ``block`` in the accumulators (:func:`_vote`)."""
    return np.uintp(lower) * stride + np.uintp(block)


@numba.njit(**_JIT)
def _place_rings(ring, n, n_rings, places):
    """Each pixel's inner ring (int32) and share towards the next, from its
    ring position ``ring[x]``, into ``places``: a vectorised loop, as
    :func:`_place_cells`."""
    cells, outward = places[0], places[1]
    for x in range(n):
        inner, outward[x] = _padded_split(ring[x], n_rings)
        cells[x] = np.int32(inner)


@numba.njit(**_JIT)
def _scatter_rings(places, split, n, acc):
    """The split votes of a band into the two rings nearest each pixel
    (:func:`_place_rings`). Pixels with no vote (outside the rings, or flat)
    are skipped: adding zeros would change nothing."""
    cells, outward = places[0], places[1]
    bins_lo, w_lo, w_hi = split
    for x in range(n):
        if w_lo[x] == 0.0 and w_hi[x] == 0.0:
            continue
        at = _at(bins_lo[x], cells[x], acc[2])
        _vote(acc, at, 1.0 - outward[x], w_lo[x], w_hi[x])
        _vote(acc, at + np.uintp(1), outward[x], w_lo[x], w_hi[x])


@numba.njit(**_JIT)
def _place_cells(du, dv, rotation, blocks, n, places):
    """Where each pixel of a band falls on the grid, from its centred frame
    coordinates ``(du[x], dv[x])`` turned by ``rotation = (cos, sin)``, into
    ``places = (cells, across, down)``: the padded index (``cols + 1`` per
    row) of the nearest cell centre above and to the left, and the pixel's
    shares towards the next column and row: ``_layouts.grid_placement``'s
    ``(du / width + 0.5) * cols - 0.5`` and its ``dv`` counterpart, with the
    division as a multiplication (a rounding apart).

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
        left, across[x] = _padded_split(u * across_scale + across_start, cols)
        top, down[x] = _padded_split(v * down_scale + down_start, rows)
        cells[x] = np.int32(top * (cols + 1) + left)


@numba.njit(**_JIT)
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
        at = _at(bins_lo[x], cells[x], acc[2])
        _vote(acc, at, (1 - d) * (1 - a), lo, hi)
        _vote(acc, at + right, (1 - d) * a, lo, hi)
        _vote(acc, at + below, d * (1 - a), lo, hi)
        _vote(acc, at + below + right, d * a, lo, hi)


@numba.njit(**_JIT)
def _spread_centres(centres, o, n, band, ring, split, n_rings, acc):
    """Invariant rings: a pixel at the exact centre (flat index in
    ``centres``, this band starting at pixel ``o``) has no radial direction,
    so its vote leaves ``split`` and is spread evenly over all the bins of
    its rings."""
    gx, gy = band[2], band[3]
    bins_lo, w_lo, w_hi = split
    acc_lo, stride = acc[0], acc[2]
    n_bins = acc_lo.shape[0] // np.intp(stride)
    for c in centres:
        x = c - o
        if x < 0 or x >= n:
            continue
        inner, share = _padded_split(ring[x], n_rings)
        each = math.sqrt(gx[x] * gx[x] + gy[x] * gy[x]) / n_bins
        for b in range(n_bins):
            at = _at(b, inner, stride)
            acc_lo[at] += each * (1.0 - share)
            acc_lo[at + np.uintp(1)] += each * share
        w_lo[x] = 0.0
        w_hi[x] = 0.0


@numba.njit(inline="always", **_JIT)
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



# Azimuthal harmonics of the rings (gradhist_sklearn._azimuthal): their own
# functions, called from the rings' band loop, which computes the gradients once.

@numba.njit(**_JIT)
def _resplit(split, n, ratio, n_abins, out):
    """The rings' split votes of a band (``split``: lower bin, and the two
    shares, at ``angle_bins``) split again at the azimuthal bins into
    ``out``: the angle's position is the lower bin plus the upper share
    over the magnitude, times ``ratio = azimuthal_bins / angle_bins``. A
    vectorised loop, with no second arctangent."""
    bins_lo, w_lo, w_hi = split
    inv_n = _like(w_lo, 1.0) / _like(w_lo, n_abins)
    ratio = _like(w_lo, ratio)
    zero = _like(w_lo, 0.0)
    for x in range(n):
        magnitude = w_lo[x] + w_hi[x]
        upper = w_hi[x] / magnitude if magnitude > zero else zero
        lower, fraction, magnitude = _split_at((_like(w_lo, bins_lo[x]) + upper) * ratio,
                                               magnitude, n_abins, inv_n)
        _store_split(x, lower, fraction, magnitude, out[0], out[1], out[2])


@numba.njit(**_JIT)
def _azimuthal_band(split, places, n, o, azimuthal):
    """The band's votes into the rings' azimuthal sums ``F[r, b](k)``.

    ``split`` is the band's split at the rings' bins (the angle measured as
    the rings measure it) and ``places`` its rings (:func:`_place_rings`);
    ``azimuthal`` is :func:`_azimuthal_arguments`'s tuple: the per-pixel
    unit vectors ``(ux, uy)`` of the azimuth (0 at the centre and outside
    the rings), the buffers of the split at the azimuthal bins
    (:func:`_resplit`), the accumulator and the binning. Each pixel's four
    shares (two bins, two rings) are added to ``K`` complex accumulators
    each, times ``exp(-i k phi)`` (powers of the conjugate unit vector).
    """
    (n_harmonics, ux, uy, az_split, acc, ratio, n_abins) = azimuthal
    _resplit(split, n, ratio, n_abins, az_split)
    bins_lo, w_lo, w_hi = az_split
    cells, outward = places[0], places[1]
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


@numba.njit(**_JIT)
def _fold_azimuthal(acc, n_rings, n_abins, n_harmonics, out_row):
    """The azimuthal accumulator of one image into ``out_row``: rings then
    bins then harmonics, real and imaginary parts side by side; the padding
    bin (``n_abins``, the upper neighbour of the last bin) folds into bin 0
    and the padding ring (which only ever gets a share of 0) is dropped."""
    bin_stride = 2 * n_harmonics
    ring_stride = (n_abins + 1) * bin_stride
    for r in range(n_rings):
        for b in range(n_abins):
            for j in range(bin_stride):
                value = acc[r * ring_stride + b * bin_stride + j]
                if b == 0:
                    value += acc[r * ring_stride + n_abins * bin_stride + j]
                out_row[(r * n_abins + b) * bin_stride + j] = value


@numba.njit(**_JIT)
def _placed_histograms(stack, operator, area, binning, layout, alignment, with_plain,
                       kept, out, plain_out, azimuthal, azimuthal_out):
    """Histograms of the spatial blocks (rings or grid cells) of every image
    of ``stack`` into ``out``, ``n_blocks * n_bins`` values per image, block
    after block, and the plain histogram of the pixels that count into
    ``plain_out`` when ``with_plain``.

    ``layout`` is ``(kind, first, second, centres, blocks)``, per-pixel
    arrays over the image computed once per stack:

    - kind 0 (rings) or 1 (invariant rings): ``first`` is each pixel's ring
      position (clamped), ``second`` its reference angle in bins (the radial
      direction, subtracted from its gradient's angle when kind is 1),
      ``centres`` the flat indices of pixels at the exact centre, ``blocks``
      ``(n_rings, 1, 0, 0)``;
    - kind 2 (grid): ``first``, ``second`` each pixel's centred frame
      coordinates ``(du, dv)``, ``blocks`` ``(rows, cols, width, height)``,
      the grid's shape and the region's size.

    ``alignment`` is ``(align, turns, degrees, angle_bins, unidirectional,
    grains)`` (``grains``: the images' ``_invariance.gradient_grains``):
    image ``i``'s grid and angles turn by ``turns[i]`` degrees when
    ``align`` is 0; when it is 1, by the mean direction of its gradients
    measured from its frame angle ``degrees[i]`` (a first pass,
    :func:`_direction_pass`); when it is 2, by the direction of their
    dominant harmonic (:func:`_harmonics_pass`, :func:`_dominant_turn`),
    less ``degrees[i]``. The first pass keeps its angles in ``kept`` when
    they are image-sized (:func:`_rebinned_histograms`). ``area`` masks the
    pixels that count (the rings' disc and the region). ``azimuthal``
    (:func:`_azimuthal_arguments`) asks the rings for their azimuthal sums
    into ``azimuthal_out`` when its first value (the harmonics) is not 0.
    The other arguments are :func:`_histograms`'s.
    """
    kind, first, second, centres, blocks = layout
    rows, cols = blocks[0], blocks[1]
    align, turns, degrees, angle_bins, unidirectional, grains = alignment
    scale, offsets, n_bins = binning
    n_images, height, width = stack.shape
    taps = operator[0].shape[0]
    band_rows, band, bins_lo, w_lo, w_hi = _band_buffers(width, operator[0])
    gx, gy, keep = band[2], band[3], band[4]
    split = (bins_lo, w_lo, w_hi)
    # Blocks padded by one row (and one column for the grid): see _padded_split.
    padded = cols + 1 if kind == 2 else 1
    stride = (rows + 1) * padded
    acc_lo = np.empty(n_bins * stride)
    acc_hi = np.empty((n_bins + 1) * stride)  # see _fold
    acc = (acc_lo, acc_hi, np.uintp(stride))
    places = (np.empty(gx.shape[0], dtype=np.int32), np.empty(gx.shape[0]),
              np.empty(gx.shape[0]))
    plain_lo = np.empty(n_bins)
    plain_hi = np.empty(n_bins + 1)
    positions, magnitudes = kept
    n_kept = positions.shape[0]
    buffers = (positions, magnitudes, np.empty(gx.shape[0], gx.dtype),
               np.empty(gx.shape[0], gx.dtype), np.empty(gx.shape[0], gx.dtype))
    harmonics = align == 2
    harmonic_buffers = (positions, magnitudes,
                        np.empty((8, gx.shape[0]) if harmonics else (8, 0), gx.dtype),
                        np.empty(gx.shape[0] if harmonics else 0, gx.dtype))
    sums = np.empty(9)
    tables = _reflect_tables(height, width, taps)
    source = (tables, operator, area, band, band_rows)
    for i in range(n_images):
        turn = turns[i]
        if align == 1:
            sum_x, sum_y = _direction_pass(stack, i, source, buffers, scale, offsets[i],
                                           unidirectional, grains[i])
            turn = _mean_direction_degrees(sum_x, sum_y, degrees[i], unidirectional, n_bins,
                                           angle_bins)
        elif align == 2:
            _harmonics_pass(stack, i, source, harmonic_buffers, scale, offsets[i],
                            unidirectional, sums)
            # The harmonic's direction is measured from the image's axes, the
            # grid turns from the frame's: the frame's angle comes off.
            turn = n_bins * _dominant_turn(sums, height * width, grains[i]) \
                * (360.0 / angle_bins) - degrees[i]
        shift = (degrees[i] + turn) * (angle_bins / 360.0)  # in bins, as offsets
        rotation = (math.cos(math.radians(turn)), math.sin(math.radians(turn)))
        acc_lo[:] = 0.0
        acc_hi[:] = 0.0
        plain_lo[:] = 0.0
        plain_hi[:] = 0.0
        for y0 in range(0, height, band_rows):
            y1 = min(y0 + band_rows, height)
            n = (y1 - y0) * width
            o = y0 * width
            if n_kept:
                if with_plain:
                    _split_positions(positions[o:o + n], magnitudes[o:o + n], 0.0,
                                     bins_lo, w_lo, w_hi, n_bins)
                    _scatter(bins_lo, w_lo, w_hi, n, plain_lo, plain_hi)
                _split_positions(positions[o:o + n], magnitudes[o:o + n], shift - offsets[i],
                                 bins_lo, w_lo, w_hi, n_bins)
            else:
                _band_gradients(stack, i, y0, y1, tables, operator, area, band)
                own = kind == 1 or turn != 0.0  # the blocks' angles are not the plain ones
                if with_plain or not own:
                    if area[1] or offsets[i] != 0.0:
                        _split_row(gx[:n], gy[:n], keep, bins_lo, w_lo, w_hi, scale,
                                   offsets[i], n_bins)
                    else:
                        _split_row_plain(gx[:n], gy[:n], bins_lo, w_lo, w_hi, scale, n_bins)
                    if with_plain:
                        _scatter(bins_lo, w_lo, w_hi, n, plain_lo, plain_hi)
                if kind == 1:
                    _split_row_referenced(gx[:n], gy[:n], keep, second[o:o + n], split, scale,
                                          shift, n_bins)
                    _spread_centres(centres, o, n, band, first[o:o + n], split, rows, acc)
                elif own:
                    _split_row(gx[:n], gy[:n], keep, bins_lo, w_lo, w_hi, scale, shift, n_bins)
            if kind == 2:
                _place_cells(first[o:o + n], second[o:o + n], rotation, blocks, n, places)
                _scatter_cells(places, cols, split, n, acc)
            else:
                _place_rings(first[o:o + n], n, rows, places)
                if azimuthal[0]:
                    _azimuthal_band(split, places, n, o, azimuthal)
                _scatter_rings(places, split, n, acc)
        if azimuthal[0]:
            _fold_azimuthal(azimuthal[4], rows, azimuthal[6], azimuthal[0], azimuthal_out[i])
            azimuthal[4][:] = 0.0
        for r in range(rows):
            for c in range(cols):
                block = r * padded + c
                at = (r * cols + c) * n_bins
                _fold(acc_lo[block::stride], acc_hi[block::stride], n_bins,
                      out[i, at:at + n_bins])
        if with_plain:
            _fold(plain_lo, plain_hi, n_bins, plain_out[i])


def _padded_kernels(derivative, smoothing):
    """The two kernels as float64 arrays of one odd length (``None`` smoothing
    becomes the identity, which is exact: ``1 * v + 0``), or None when the
    kernel cannot run them."""
    derivative = np.asarray(derivative, dtype=np.float64)
    if derivative.ndim != 1 or len(derivative) % 2 == 0:
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
    return np.ascontiguousarray(derivative), np.ascontiguousarray(smoothing)


def supports(derivative, smoothing):
    """Whether the compiled kernel runs this separable operator: 1-D
    correlation kernels of one odd length (``smoothing`` may be None), the
    derivative antisymmetric."""
    return _padded_kernels(derivative, smoothing) is not None


def _kernel_inputs(stack, region, options):
    """The stack, ``operator`` and ``area`` arguments of the kernels."""
    if stack.dtype == np.bool_:
        stack = stack.view(np.uint8)
    stack = np.ascontiguousarray(stack)
    if region is None:
        area = (np.ones((1, 1), dtype=np.uint8), False)
    else:
        area = (np.ascontiguousarray(region, dtype=np.uint8), True)
    derivative, smoothing = _padded_kernels(*options.kernels)
    real = np.dtype(options.dtype)
    return stack, (derivative.astype(real), smoothing.astype(real)), area


def _first_pass_buffers(n_pixels, dtype="float64"):
    """The re-binning kernels' ``kept`` argument for images of ``n_pixels``
    pixels (0 when nothing is re-binned): two float64 arrays of that size,
    empty above :data:`BUFFER_PIXELS`.

    Allocated here by numpy rather than in the kernel: numba's allocations
    of several megabytes came from fresh memory on every call, a page fault
    for every 4 KiB written (docs/performance.rst, "Buffers of the first
    pass").
    """
    if n_pixels > BUFFER_PIXELS:
        n_pixels = 0
    return np.empty(n_pixels, dtype), np.empty(n_pixels, dtype)


def _binning(stack, options, angle_offset):
    """The kernels' ``binning`` argument: angles to bins, less ``angle_offset``
    degrees (one value, or one per image)."""
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), stack.shape[:1])
    offsets = np.ascontiguousarray(offsets * (options.angle_bins / 360.0))
    scale = np.dtype(options.dtype).type(options.angle_bins / (2 * np.pi))
    return scale, offsets, options.n_bins


@remembered(lambda options: (options.layout, options.frame, options.size, options.n_rings,
                             options.grid_shape, options.rotation_invariant,
                             options.angle_bins))
def _layout_arrays(shape, region, options):
    """:func:`_placed_histograms`'s ``layout`` argument for images of
    ``shape``, and the mask of the pixels that count (None for all), from
    the shared placement code of :mod:`gradhist_sklearn._layouts`."""
    size = shape[0] * shape[1]
    if options.layout == "grid":
        du, dv, (width, height) = centred_coordinates(shape, options.frame, options.size)
        blocks = (*options.grid_shape, float(width), float(height))
        return (2, np.ascontiguousarray(du, dtype=np.float64).ravel(),
                np.ascontiguousarray(dv, dtype=np.float64).ravel(),
                np.empty(0, dtype=np.intp), blocks), region
    placement = ring_placement(shape, region, options)
    counts = np.zeros(size, dtype=bool)
    counts[placement.pixels] = True
    ring = np.zeros(size)
    ring[placement.pixels] = placement.cells[0] + placement.weights[1]  # lower + share
    reference = np.zeros(size)
    centres = np.empty(0, dtype=np.intp)
    if placement.reference is not None:
        reference[placement.pixels] = placement.reference * (options.angle_bins / 360.0)
        centres = placement.pixels[placement.spread]
    kind = 0 if placement.reference is None else 1
    return (kind, ring, reference, centres, (options.n_rings, 1, 0.0, 0.0)), \
        counts.reshape(shape)


@remembered(lambda options: (options.frame, options.size, options.n_rings))
def _azimuth_arrays(shape, region, options):
    """The unit vectors of the pixels' azimuth over the image, ``(ux, uy)``
    (:func:`~gradhist_sklearn._azimuthal.azimuth_vectors`, zeros where no
    pixel counts), for :func:`_azimuthal_band`."""
    placement = ring_placement(shape, region, options)
    size = shape[0] * shape[1]
    ux, uy = np.zeros(size), np.zeros(size)
    ux[placement.pixels], uy[placement.pixels] = azimuth_vectors(shape, region, options)
    return ux, uy


def _azimuthal_arguments(shape, region, options):
    """:func:`_placed_histograms`'s ``azimuthal`` tuple and output array
    (empty, with 0 harmonics, when the option is off or the layout is not rings)."""
    n_images, n_harmonics = shape[0], options.azimuthal_harmonics
    n_abins = options.n_azimuthal_bins
    if options.layout != "rings" or not n_harmonics:
        ux = uy = np.zeros(0)
        n_harmonics, size, band = 0, 0, 0
    else:
        ux, uy = _azimuth_arrays(shape[1:], region, options)
        size = (options.n_rings + 1) * (n_abins + 1) * 2 * n_harmonics
        band = max(1, _BAND_PIXELS // shape[2]) * shape[2]
    split = (np.empty(band, dtype=np.int32), np.empty(band, options.dtype),
             np.empty(band, options.dtype))
    azimuthal = (n_harmonics, ux, uy, split, np.zeros(size),
                 options.azimuthal_bins / options.angle_bins, n_abins)
    out = np.empty((n_images, options.n_rings * n_abins * 2 * n_harmonics if n_harmonics else 0))
    return azimuthal, out


def _layout_histograms(stack, region, options, grains):
    """The engine interface for the ``rings`` and ``grid`` layouts:
    :func:`_placed_histograms`, after a plain pass for the peak of an aligned
    grid with ``invariance='peak'``."""
    layout, counts = _layout_arrays(stack.shape[1:], region, options)
    n_pixels = stack.shape[1] * stack.shape[2]
    stack, operator, area = _kernel_inputs(stack, counts, options)
    n_images = len(stack)
    degrees = np.full(n_images, float(options.frame[2]))
    binning = _binning(stack, options, degrees)
    out = np.empty((n_images, options.n_blocks * options.n_bins))
    plain = np.zeros((n_images, options.n_bins))
    turns = np.zeros(n_images)
    with_plain = options.include_orientation
    if options.alignment == "peak":
        _histograms(stack, operator, area, binning, plain)
        turns = peak_positions(plain, n_pixels, grains) * (360.0 / options.angle_bins)
        with_plain = False
    align = {"pixels": 1, "harmonics": 2}.get(options.alignment, 0)
    alignment = (align, turns, degrees, options.angle_bins, options.unidirectional, grains)
    kept = _first_pass_buffers(stack.shape[1] * stack.shape[2] if align else 0, options.dtype)
    azimuthal, azimuthal_out = _azimuthal_arguments(stack.shape, region, options)
    _placed_histograms(stack, operator, area, binning, layout, alignment, with_plain, kept,
                       out, plain, azimuthal, azimuthal_out)
    if options.azimuthal_harmonics:
        out = np.concatenate([out, azimuthal_out], axis=1)
    if options.include_orientation or options.alignment == "peak":
        return out, plain_orientations(plain, n_pixels, grains)
    return out, np.zeros((n_images, 2))


def histograms(stack, region, options, grains=None):
    """The engine interface (see :mod:`gradhist_sklearn._engines`).

    ``invariance='centre_of_mass_rebin'`` and ``'dominant_harmonic'`` run
    :func:`_rebinned_histograms`: a pass for the alignment angle, then one
    angle pass per pixel. ``'peak'`` bins twice, the second time at each
    image's refined peak. Every other method bins once.
    """
    if grains is None:
        grains = gradient_grains(stack, options.kernels, dtype=options.dtype)
    if options.layout != "global":
        return _layout_histograms(stack, region, options, grains)
    stack, operator, area = _kernel_inputs(stack, region, options)
    offset = options.frame[2]
    n_pixels = stack.shape[1] * stack.shape[2]
    out = np.empty((stack.shape[0], options.n_bins))
    plain = np.empty_like(out)
    if options.alignment in ("pixels", "harmonics"):
        with_plain = options.include_orientation
        _rebinned_histograms(stack, operator, area, _binning(stack, options, offset),
                             options.unidirectional, with_plain,
                             _first_pass_buffers(stack.shape[1] * stack.shape[2], options.dtype),
                             out, plain,
                             grains, options.alignment == "harmonics")
        if not with_plain:
            return out, np.zeros((len(stack), 2))
    else:
        _histograms(stack, operator, area, _binning(stack, options, offset), plain)
        if options.alignment == "peak":
            peak = peak_positions(plain, n_pixels, grains)
            turned = offset + peak * (360.0 / options.angle_bins)
            _histograms(stack, operator, area, _binning(stack, options, turned), out)
        else:
            out = plain
    return out, plain_orientations(plain, n_pixels, grains)


# Last line of the module: every function above is decorated (see the top).
numba.config.CACHE_DIR = _CACHE_DIR_OF_CALLER
