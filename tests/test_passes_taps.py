"""The compiled engine's separable passes against a brute-force correlation:
any odd number of taps, any width and height, both precisions.

The passes run a kernel in blocks of a few taps, one sweep of the band a
block, over rows copied once into the buffers' precision; these tests check
that every tap of every block lands where ``scipy.ndimage.correlate1d`` with
``mode='reflect'`` puts it, on the edges too (images narrower or shorter
than the kernel), across the bands of a tall image and for the second image
of a stack.
"""

import numpy as np
import pytest
from scipy import ndimage

pytest.importorskip("numba")
from gradhist_sklearn._engines._numba import _passes  # noqa: E402
from gradhist_sklearn._gradients import gaussian_kernels  # noqa: E402

pytestmark = pytest.mark.explicit_engines  # the compiled passes only: run once

TAPS = list(range(3, 27, 2))
WIDTHS = list(range(1, 41))
HEIGHTS = [1, 2, 7]
PRECISIONS = [np.float64, np.float32]


def passes(stack, derivative, smoothing, dtype):
    """``(gx, gy)`` of every image of ``stack``, band after band, in ``dtype``."""
    operator = _passes.Operator(np.ascontiguousarray(derivative, dtype),
                                np.ascontiguousarray(smoothing, dtype))
    area = _passes.Area(np.ones((1, 1), np.uint8), False)
    source = _passes.band_source(stack, operator, area)
    n_images, height, width = stack.shape
    gx = np.empty(stack.shape, dtype)
    gy = np.empty(stack.shape, dtype)
    for i in range(n_images):
        for y0 in range(0, height, source.band_rows):
            y1 = min(y0 + source.band_rows, height)
            _passes.band_gradients(stack, i, y0, y1, source)
            size = (y1 - y0) * width
            gx[i, y0:y1] = source.band.gx[:size].reshape(y1 - y0, width)
            gy[i, y0:y1] = source.band.gy[:size].reshape(y1 - y0, width)
    return gx, gy


def correlation(stack, derivative, smoothing):
    """The reference: vertical then horizontal 1-D correlations in float64."""
    stack = stack.astype(np.float64)
    derivative = np.asarray(derivative, np.float64)
    smoothing = np.asarray(smoothing, np.float64)

    def separable(vertical, horizontal):
        rows = ndimage.correlate1d(stack, vertical, axis=1, mode="reflect")
        return ndimage.correlate1d(rows, horizontal, axis=2, mode="reflect")

    return separable(smoothing, derivative), separable(derivative, smoothing)


def integer_kernels(taps, rng):
    """An antisymmetric derivative and a symmetric smoothing of small integers."""
    half = rng.integers(-3, 4, taps // 2)
    derivative = np.concatenate([-half[::-1], [0], half]).astype(np.float64)
    side = rng.integers(0, 4, taps // 2)
    smoothing = np.concatenate([side, [rng.integers(1, 4)], side[::-1]]).astype(np.float64)
    return derivative, smoothing


def shapes():
    return [(height, width) for width in WIDTHS for height in HEIGHTS] + [(230, 40)]


@pytest.mark.parametrize("dtype", PRECISIONS)
@pytest.mark.parametrize("taps", TAPS)
def test_every_tap_lands_where_the_correlation_puts_it(taps, dtype):
    # Small integers: every sum is exact in both precisions and in any order,
    # so the passes must give the reference's numbers exactly.
    rng = np.random.default_rng(taps)
    for height, width in shapes():
        derivative, smoothing = integer_kernels(taps, rng)
        stack = rng.integers(0, 256, (2, height, width)).astype(np.uint8)
        gx, gy = passes(stack, derivative, smoothing, dtype)
        want_x, want_y = correlation(stack, derivative, smoothing)
        np.testing.assert_array_equal(gx, want_x, err_msg=f"gx {height}x{width}")
        np.testing.assert_array_equal(gy, want_y, err_msg=f"gy {height}x{width}")


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-14), (np.float32, 1e-6)])
@pytest.mark.parametrize("taps", TAPS)
def test_gaussian_derivatives_match_the_correlation(taps, dtype, tolerance):
    # The derivative of Gaussian of this many taps, on float images: within a
    # few roundings of the sums' scale (the largest sum of absolute terms).
    derivative, smoothing = gaussian_kernels(taps // 2 / 4)
    assert len(derivative) == taps
    rng = np.random.default_rng(100 + taps)
    for height, width in shapes():
        stack = rng.uniform(-1.0, 1.0, (2, height, width))
        gx, gy = passes(stack, derivative, smoothing, dtype)
        want_x, want_y = correlation(stack.astype(dtype), derivative.astype(dtype),
                                     smoothing.astype(dtype))
        scale = np.abs(derivative).sum() * np.abs(smoothing).sum()
        assert np.abs(gx - want_x).max() <= tolerance * scale, f"gx {height}x{width}"
        assert np.abs(gy - want_y).max() <= tolerance * scale, f"gy {height}x{width}"


@pytest.mark.parametrize("dtype", PRECISIONS)
def test_a_flat_image_has_no_gradient(dtype):
    # The derivative adds differences of mirrored taps: exactly zero.
    rng = np.random.default_rng(0)
    for taps in TAPS:
        derivative, smoothing = gaussian_kernels(taps // 2 / 4)
        stack = np.full((1, 9, 13), rng.uniform(0.0, 300.0))
        gx, gy = passes(stack, derivative, smoothing, dtype)
        assert not gx.any() and not gy.any(), taps
