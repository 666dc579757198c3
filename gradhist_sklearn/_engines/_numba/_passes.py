"""The separable filter passes: the gradients of a band of rows.

For each row of a band, the vertical passes of the separable operator
(smoothing for ``gx``, derivative for ``gy``) go into two padded row
buffers, reflecting at the image's edges as ``scipy.ndimage`` does with
``mode='reflect'`` (:func:`reflect_tables`), then the horizontal passes into
the band's gradients (:func:`band_gradients`). Every pixel is read as a
float64 scalar whatever the input dtype (uint8 is read directly, without a
float copy of the chunk).
"""

from typing import NamedTuple

import numba
import numpy as np

from .._cache import enter_cache_location, leave_cache_location
from ._binning import like
from ._compile import INLINE, JIT

_CACHE_DIR_OF_CALLER = enter_cache_location()

#: Pixels split and binned per inner loop: whole rows, several of them for
#: narrow images, so that an 8x8 digit is one short loop rather than eight.
BAND_PIXELS = 4096


class Operator(NamedTuple):
    """The separable operator: correlation kernels of one odd length, the
    derivative antisymmetric."""

    deriv: np.ndarray
    smooth: np.ndarray


class Area(NamedTuple):
    """The pixels that count: a uint8 (height, width) mask, used when
    ``use_region``."""

    region: np.ndarray
    use_region: bool


class Band(NamedTuple):
    """The scratch arrays of one band: padded vertical smoothing (for gx) and
    derivative (for gy) of a row, the band's gradients and the region's 0/1
    weights of its pixels."""

    vs: np.ndarray
    vd: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    keep: np.ndarray


class Source(NamedTuple):
    """What :func:`band_gradients` reads: the stack's reflection tables
    (:func:`reflect_tables`), the operator, the area, the band buffers and
    the rows per band."""

    tables: tuple
    operator: Operator
    area: Area
    band: Band
    band_rows: int


@numba.njit(**JIT)
def _vertical3(a, b, c, deriv, smooth, vs, vd):
    """Vertical passes over three rows, into the padded buffers (offset 1)."""
    s0, s1, s2 = smooth[0], smooth[1], smooth[2]
    d2 = deriv[2]  # antisymmetric: deriv = [-d2, 0, d2]
    for x in range(a.shape[0]):
        va = like(vs, a[x])
        vb = like(vs, b[x])
        vc = like(vs, c[x])
        vs[1 + x] = s0 * va + s1 * vb + s2 * vc
        vd[1 + x] = d2 * (vc - va)


@numba.njit(**JIT)
def _vertical5(a, b, c, d, e, deriv, smooth, vs, vd):
    """Vertical passes over five rows, into the padded buffers (offset 2)."""
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    d3, d4 = deriv[3], deriv[4]  # antisymmetric: deriv = [-d4, -d3, 0, d3, d4]
    for x in range(a.shape[0]):
        va = like(vs, a[x])
        vb = like(vs, b[x])
        vc = like(vs, c[x])
        vdd = like(vs, d[x])
        ve = like(vs, e[x])
        vs[2 + x] = s0 * va + s1 * vb + s2 * vc + s3 * vdd + s4 * ve
        vd[2 + x] = d4 * (ve - va) + d3 * (vdd - vb)


@numba.njit(**JIT)
def _horizontal3(vs, vd, deriv, smooth, gxrow, gyrow):
    """Horizontal passes: derivative of ``vs`` into gx, smoothing of ``vd`` into gy."""
    s0, s1, s2 = smooth[0], smooth[1], smooth[2]
    d2 = deriv[2]
    for x in range(gxrow.shape[0]):
        gxrow[x] = d2 * (vs[x + 2] - vs[x])
        gyrow[x] = s0 * vd[x] + s1 * vd[x + 1] + s2 * vd[x + 2]


@numba.njit(**JIT)
def _horizontal5(vs, vd, deriv, smooth, gxrow, gyrow):
    s0, s1, s2, s3, s4 = smooth[0], smooth[1], smooth[2], smooth[3], smooth[4]
    d3, d4 = deriv[3], deriv[4]
    for x in range(gxrow.shape[0]):
        gxrow[x] = d4 * (vs[x + 4] - vs[x]) + d3 * (vs[x + 3] - vs[x + 1])
        gyrow[x] = (s0 * vd[x] + s1 * vd[x + 1] + s2 * vd[x + 2] + s3 * vd[x + 3]
                    + s4 * vd[x + 4])


@numba.njit(**JIT)
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
        v0, v1, v2, v3 = like(vs, r0[x]), like(vs, r1[x]), like(vs, r2[x]), like(vs, r3[x])
        v4, v5, v6 = like(vs, r4[x]), like(vs, r5[x]), like(vs, r6[x])
        v7, v8 = like(vs, r7[x]), like(vs, r8[x])
        vs[4 + x] = (s0 * v0 + s1 * v1 + s2 * v2 + s3 * v3 + s4 * v4 + s5 * v5 + s6 * v6
                     + s7 * v7 + s8 * v8)
        vd[4 + x] = d8 * (v8 - v0) + d7 * (v7 - v1) + d6 * (v6 - v2) + d5 * (v5 - v3)


@numba.njit(**JIT)
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


@numba.njit(**JIT)
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
        v0 = like(vs, r0[x])
        v1 = like(vs, r1[x])
        v2 = like(vs, r2[x])
        v3 = like(vs, r3[x])
        v4 = like(vs, r4[x])
        v5 = like(vs, r5[x])
        v6 = like(vs, r6[x])
        v7 = like(vs, r7[x])
        v8 = like(vs, r8[x])
        v9 = like(vs, r9[x])
        v10 = like(vs, r10[x])
        v11 = like(vs, r11[x])
        v12 = like(vs, r12[x])
        v13 = like(vs, r13[x])
        v14 = like(vs, r14[x])
        v15 = like(vs, r15[x])
        v16 = like(vs, r16[x])
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


@numba.njit(**JIT)
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


@numba.njit(**JIT)
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
            vs[r + x] += sj * like(vs, row[x])
    for j in range(1, r + 1):  # antisymmetric derivative: pairs of differences
        after = stack[i, rows[r + j]]
        before = stack[i, rows[r - j]]
        dj = deriv[r + j]
        for x in range(width):
            vd[r + x] += dj * (like(vs, after[x]) - like(vs, before[x]))


@numba.njit(**JIT)
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


@numba.njit(**INLINE)
def _reflect(i, n):
    """``scipy.ndimage`` ``mode='reflect'`` index: d c b a | a b c d | d c b a."""
    period = 2 * n
    i = i % period
    return period - 1 - i if i >= n else i


@numba.njit(**JIT)
def reflect_tables(height, width, taps):
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


@numba.njit(**JIT)
def _vertical(stack, i, src, deriv, smooth, vs, vd):
    """The vertical passes of one row into the padded buffers, by tap count."""
    taps = deriv.shape[0]
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


@numba.njit(**JIT)
def _horizontal(vs, vd, deriv, smooth, gxrow, gyrow):
    """The horizontal passes of one row into its gradients, by tap count."""
    taps = deriv.shape[0]
    if taps == 3:
        _horizontal3(vs, vd, deriv, smooth, gxrow, gyrow)
    elif taps == 5:
        _horizontal5(vs, vd, deriv, smooth, gxrow, gyrow)
    elif taps == 9:
        _horizontal9(vs, vd, deriv, smooth, gxrow, gyrow)
    elif taps == 17:
        _horizontal17(vs, vd, deriv, smooth, gxrow, gyrow)
    else:
        _horizontal_any(vs, vd, deriv, smooth, gxrow, gyrow)


@numba.njit(**JIT)
def band_gradients(stack, i, y0, y1, source):
    """Gradients of rows ``y0:y1`` of image ``i`` into the band buffers
    ``gx``, ``gy`` (and the region's 0/1 weights into ``keep``) of
    ``source`` (:class:`Source`)."""
    rows, cols = source.tables
    deriv, smooth = source.operator
    band = source.band
    vs, vd = band.vs, band.vd
    width = stack.shape[2]
    r = deriv.shape[0] // 2
    for y in range(y0, y1):
        _vertical(stack, i, rows[y], deriv, smooth, vs, vd)
        for j in range(r):
            vs[j] = vs[r + cols[j]]
            vd[j] = vd[r + cols[j]]
            vs[r + width + j] = vs[r + cols[r + j]]
            vd[r + width + j] = vd[r + cols[r + j]]
        o = (y - y0) * width
        _horizontal(vs, vd, deriv, smooth, band.gx[o:o + width], band.gy[o:o + width])
        if source.area.use_region:
            for x in range(width):
                band.keep[o + x] = float(source.area.region[y, x])


@numba.njit(**JIT)
def band_source(stack, operator, area):
    """The :class:`Source` of a stack: its tables, and the buffers of one band
    of whole rows (about :data:`BAND_PIXELS` pixels) in the precision of the
    operator's kernels."""
    height, width = stack.shape[1], stack.shape[2]
    taps = operator.deriv.shape[0]
    r = taps // 2
    band_rows = max(1, BAND_PIXELS // width)
    size = band_rows * width
    real = operator.deriv.dtype  # the options' dtype (drivers.kernel_inputs)
    band = Band(np.empty(width + 2 * r, real), np.empty(width + 2 * r, real),
                np.empty(size, real), np.empty(size, real), np.ones(size, real))
    return Source(reflect_tables(height, width, taps), operator, area, band, band_rows)


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
