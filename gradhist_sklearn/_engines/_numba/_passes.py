"""The separable filter passes: the gradients of a band of rows.

For a band of rows of one image, :func:`band_gradients`

1. copies the rows the band reads (reflected at the image's top and bottom
   as ``scipy.ndimage`` does with ``mode='reflect'``, :func:`reflect_tables`)
   one after another into ``Band.source_rows``, in the precision of the band
   buffers. Each pixel is converted once rather than once a tap (uint8 is
   read directly, without a float copy of the chunk), and the passes read
   one buffer type whatever the input dtype, so they compile once per
   precision;
2. runs the vertical passes (smoothing for ``gx``, derivative for ``gy``)
   of every row of the band into padded rows (``Band.vs``, ``Band.vd``),
   whose pads then take the reflected values of the row's ends;
3. runs the horizontal passes (derivative of ``vs`` into ``gx``, smoothing
   of ``vd`` into ``gy``).

Both directions are the same correlation (a :class:`Sweep`): each output
value is a sum of terms of source elements a fixed distance apart, the next
row vertically, the next pixel horizontally. A kernel of any odd length runs
in blocks of a few taps, one sweep over the band a block, each adding its
terms to the sums the block before stored (:func:`_smoothing`,
:func:`_derivative`): any number of taps runs this way, with no code of its
own. The blocks are unrolled loops that LLVM vectorises; they are small
(4 smoothing taps, 2 derivative pairs) because a handful of small functions
compiles quickly, and the first block of a kernel takes what is left over
(3 or 5 taps, 1 or 2 pairs) so that no block needs a tail.

Order and rounding. Smoothing adds its terms from the first tap to the last
(``s[0] * v[0] + s[1] * v[1] + ...``); the antisymmetric derivative adds its
pairs from the outermost inward (``d[-1] * (v[-1] - v[0]) + d[-2] * (v[-2] -
v[1]) + ...``), so that a flat image gives exactly zero. The options allow
fused multiply-add (``fastmath={"contract"}``, see :mod:`._compile`): each
term ``c * v`` after the first two is fused with the sum before it, one
rounding. A sum stored between two blocks is what the one long expression
holds there, so the blocking changes no bit. The first two terms,
``a * b + c * d``, leave LLVM the choice of the product it fuses;
:func:`_product` rounds the other on its own, which fixes the choice: the
product of the second tap of the smoothing, of the outermost pair of the
vertical derivative and of the second pair of the horizontal derivative (a
derivative of an odd number of pairs starts with its outermost pair alone,
in both directions). These are the choices LLVM made in the unrolled code
each of 3, 5, 9 and 17 taps had before the blocks, so the named operators
and the transformer's default scales give the same numbers as then.

Offsets into the buffers are unsigned (``np.uint64``): numba turns a
negative signed index into one from the end, a test that hides from LLVM
that the address advances one element a pixel, and the loop then stays
scalar.
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
    """The separable operator: correlation kernels of one odd length (3 taps
    or more), the derivative antisymmetric."""

    deriv: np.ndarray
    smooth: np.ndarray


class Area(NamedTuple):
    """The pixels that count: a uint8 (height, width) mask, used when
    ``use_region``."""

    region: np.ndarray
    use_region: bool


class Band(NamedTuple):
    """The scratch arrays of one band, rows one after another: the padded
    vertical smoothing (for gx) and derivative (for gy) of its rows, its
    gradients, the region's 0/1 weights of its pixels, and the source rows
    the band reads, in the buffers' precision."""

    vs: np.ndarray
    vd: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    keep: np.ndarray
    source_rows: np.ndarray


class Source(NamedTuple):
    """What :func:`band_gradients` reads: the stack's reflection tables
    (:func:`reflect_tables`), the operator, the area, the band buffers and
    the rows per band."""

    tables: tuple
    operator: Operator
    area: Area
    band: Band
    band_rows: int


class Sweep(NamedTuple):
    """Where a pass reads and writes, in elements of its 1-D buffers: output
    row ``y``'s first term reads the source at ``y * src_row``, each next tap
    ``tap`` further, and its ``width`` values go to ``y * dst_row`` of the
    destination, for ``rows`` rows."""

    src_row: int
    tap: int
    dst_row: int
    rows: int
    width: int


# Which product of the first two terms of a derivative is rounded on its own
# (see the module's docstring). Not literals, so that numba compiles the
# derivative's sweeps once for both directions.
_OUTERMOST_PAIR = np.intp(0)
_SECOND_PAIR = np.intp(1)


@numba.njit(**dict(JIT, fastmath=False))
def _product(a, b):
    """``a * b`` rounded on its own: without "contract", LLVM does not fuse
    it with the sum it is added to, and fuses the other product instead."""
    return a * b


@numba.njit(**INLINE)
def _start(sweep, y, tap):
    """The unsigned offset of output row ``y``'s term of ``tap`` in the source."""
    return np.uint64(y * sweep.src_row + tap * sweep.tap)


@numba.njit(**INLINE)
def _row(sweep, y):
    """The unsigned offset of output row ``y`` in the destination."""
    return np.uint64(y * sweep.dst_row)


@numba.njit(**JIT)
def _smooth_first3(src, sweep, coefs, dst):
    """``dst`` = the smoothing's terms of taps 0 to 2 (tap 1's product rounded
    on its own)."""
    c0, c1, c2 = coefs[0], coefs[1], coefs[2]
    step, width = np.uint64(sweep.tap), np.uint64(sweep.width)
    for y in range(sweep.rows):
        t0 = _start(sweep, y, 0)
        t1 = t0 + step
        t2 = t1 + step
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = c0 * src[t0 + x] + _product(c1, src[t1 + x]) + c2 * src[t2 + x]


@numba.njit(**JIT)
def _smooth_first5(src, sweep, coefs, dst):
    """``dst`` = the smoothing's terms of taps 0 to 4 (tap 1's product rounded
    on its own)."""
    c0, c1, c2, c3, c4 = coefs[0], coefs[1], coefs[2], coefs[3], coefs[4]
    step, width = np.uint64(sweep.tap), np.uint64(sweep.width)
    for y in range(sweep.rows):
        t0 = _start(sweep, y, 0)
        t1 = t0 + step
        t2 = t1 + step
        t3 = t2 + step
        t4 = t3 + step
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = (c0 * src[t0 + x] + _product(c1, src[t1 + x]) + c2 * src[t2 + x]
                          + c3 * src[t3 + x] + c4 * src[t4 + x])


@numba.njit(**JIT)
def _smooth_more4(src, sweep, j, coefs, dst):
    """``dst`` += the smoothing's terms of taps ``j`` to ``j + 3``."""
    c0, c1, c2, c3 = coefs[j], coefs[j + 1], coefs[j + 2], coefs[j + 3]
    step, width = np.uint64(sweep.tap), np.uint64(sweep.width)
    for y in range(sweep.rows):
        t0 = _start(sweep, y, j)
        t1 = t0 + step
        t2 = t1 + step
        t3 = t2 + step
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = (dst[o + x] + c0 * src[t0 + x] + c1 * src[t1 + x] + c2 * src[t2 + x]
                          + c3 * src[t3 + x])


@numba.njit(**JIT)
def _deriv_first1(src, sweep, coefs, dst):
    """``dst`` = the derivative's term of its outermost pair."""
    n = coefs.shape[0]
    c0 = coefs[n - 1]
    width = np.uint64(sweep.width)
    for y in range(sweep.rows):
        lo0 = _start(sweep, y, 0)
        hi0 = _start(sweep, y, n - 1)
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = c0 * (src[hi0 + x] - src[lo0 + x])


@numba.njit(**JIT)
def _deriv_first2(src, sweep, coefs, rounded, dst):
    """``dst`` = the derivative's terms of its two outermost pairs, the
    product of pair ``rounded`` (0, the outermost, or 1) rounded on its own."""
    n = coefs.shape[0]
    fused = 1 - rounded
    c_rounded, c_fused = coefs[n - 1 - rounded], coefs[n - 1 - fused]
    width = np.uint64(sweep.width)
    for y in range(sweep.rows):
        lo_r = _start(sweep, y, rounded)
        hi_r = _start(sweep, y, n - 1 - rounded)
        lo_f = _start(sweep, y, fused)
        hi_f = _start(sweep, y, n - 1 - fused)
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = (_product(c_rounded, src[hi_r + x] - src[lo_r + x])
                          + c_fused * (src[hi_f + x] - src[lo_f + x]))


@numba.njit(**JIT)
def _deriv_more2(src, sweep, p, coefs, dst):
    """``dst`` += the derivative's terms of pairs ``p`` and ``p + 1`` (0 is
    the outermost)."""
    n = coefs.shape[0]
    c0, c1 = coefs[n - 1 - p], coefs[n - 2 - p]
    step, width = np.uint64(sweep.tap), np.uint64(sweep.width)
    for y in range(sweep.rows):
        lo0 = _start(sweep, y, p)
        hi0 = _start(sweep, y, n - 1 - p)
        lo1 = lo0 + step
        hi1 = hi0 - step
        o = _row(sweep, y)
        for x in range(width):
            dst[o + x] = (dst[o + x] + c0 * (src[hi0 + x] - src[lo0 + x])
                          + c1 * (src[hi1 + x] - src[lo1 + x]))


@numba.njit(**JIT)
def _smoothing(src, sweep, coefs, dst):
    """The correlation of the sweep's rows with the symmetric ``coefs``
    into ``dst``: a first block of 3 or 5 taps, so that the rest is blocks
    of 4."""
    n = coefs.shape[0]
    first = 3 if n % 4 == 3 else 5
    if first == 3:
        _smooth_first3(src, sweep, coefs, dst)
    else:
        _smooth_first5(src, sweep, coefs, dst)
    for j in range(first, n, 4):
        _smooth_more4(src, sweep, j, coefs, dst)


@numba.njit(**JIT)
def _derivative(src, sweep, coefs, rounded, dst):
    """The correlation of the sweep's rows with the antisymmetric ``coefs``
    into ``dst``, by pairs of taps from the outermost inward: a first block
    of 1 or 2 pairs (``rounded``: see :func:`_deriv_first2`), so that the
    rest is blocks of 2."""
    pairs = coefs.shape[0] // 2
    first = 1 if pairs % 2 == 1 else 2
    if first == 1:
        _deriv_first1(src, sweep, coefs, dst)
    else:
        _deriv_first2(src, sweep, coefs, rounded, dst)
    for p in range(first, pairs, 2):
        _deriv_more2(src, sweep, p, coefs, dst)


@numba.njit(**INLINE)
def _reflect(i, n):
    """``scipy.ndimage`` ``mode='reflect'`` index: d c b a | a b c d | d c b a."""
    period = 2 * n
    i = i % period
    return period - 1 - i if i >= n else i


@numba.njit(**JIT)
def reflect_tables(height, width, taps):
    """The source row of each row the vertical passes read (output row
    ``y``'s tap ``j`` reads row ``rows[y + j]``), and the source column of
    each pad (left then right): the same for every image of a stack."""
    r = taps // 2
    rows = np.empty(height + 2 * r, dtype=np.intp)
    for y in range(height + 2 * r):
        rows[y] = _reflect(y - r, height)
    cols = np.empty(2 * r, dtype=np.intp)
    for j in range(r):
        cols[j] = _reflect(j - r, width)
        cols[r + j] = _reflect(width + j, width)
    return rows, cols


@numba.njit(**JIT)
def _copy_rows(stack, i, rows, dst):
    """Rows ``rows`` of image ``i``, one after another, into ``dst`` in its
    precision."""
    width = stack.shape[2]
    for k in range(rows.shape[0]):
        row = stack[i, rows[k]]
        out = dst[k * width:(k + 1) * width]
        for x in range(width):
            out[x] = like(dst, row[x])


@numba.njit(**JIT)
def _pad_rows(vs, vd, cols, n_rows, width, r):
    """The ``r`` pads on either side of the first ``n_rows`` padded rows of
    ``vs`` and ``vd``: the values of the row at the reflected columns."""
    padded = width + 2 * r
    for y in range(n_rows):
        o = y * padded
        for j in range(r):
            vs[o + j] = vs[o + r + cols[j]]
            vd[o + j] = vd[o + r + cols[j]]
            vs[o + r + width + j] = vs[o + r + cols[r + j]]
            vd[o + r + width + j] = vd[o + r + cols[r + j]]


@numba.njit(**JIT)
def band_gradients(stack, i, y0, y1, source):
    """Gradients of rows ``y0:y1`` of image ``i`` into the band buffers
    ``gx``, ``gy`` (and the region's 0/1 weights into ``keep``) of
    ``source`` (:class:`Source`)."""
    rows, cols = source.tables
    deriv, smooth = source.operator
    band = source.band
    width = stack.shape[2]
    r = deriv.shape[0] // 2
    n_rows = y1 - y0
    padded = width + 2 * r
    _copy_rows(stack, i, rows[y0:y1 + 2 * r], band.source_rows)
    # Vertically a tap is the next source row; the rows go to the inside of
    # the padded rows. Horizontally a tap is the next element of a padded row
    # (np.intp: a literal 1 would have numba compile the sweeps a second time).
    vertical = Sweep(width, width, padded, n_rows, width)
    horizontal = Sweep(padded, np.intp(1), width, n_rows, width)
    _smoothing(band.source_rows, vertical, smooth, band.vs[r:])
    _derivative(band.source_rows, vertical, deriv, _OUTERMOST_PAIR, band.vd[r:])
    _pad_rows(band.vs, band.vd, cols, n_rows, width, r)
    _derivative(band.vs, horizontal, deriv, _SECOND_PAIR, band.gx)
    _smoothing(band.vd, horizontal, smooth, band.gy)
    if source.area.use_region:
        for y in range(y0, y1):
            o = (y - y0) * width
            for x in range(width):
                band.keep[o + x] = float(source.area.region[y, x])


@numba.njit(**JIT)
def band_source(stack, operator, area):
    """The :class:`Source` of a stack: its tables, and the buffers of one band
    of whole rows (about :data:`BAND_PIXELS` pixels) in the precision of the
    operator's kernels."""
    height, width = stack.shape[1], stack.shape[2]
    taps = operator.deriv.shape[0]
    if taps < 3:
        raise ValueError("the separable passes take kernels of 3 taps or more")
    r = taps // 2
    band_rows = max(1, BAND_PIXELS // width)
    size = band_rows * width
    padded = band_rows * (width + 2 * r)
    real = operator.deriv.dtype  # the options' dtype (drivers.kernel_inputs)
    band = Band(np.empty(padded, real), np.empty(padded, real), np.empty(size, real),
                np.empty(size, real), np.ones(size, real),
                np.empty((band_rows + 2 * r) * width, real))
    return Source(reflect_tables(height, width, taps), operator, area, band, band_rows)


# Last line: every function above is decorated (see _compile).
leave_cache_location(_CACHE_DIR_OF_CALLER)
