"""Histogram, main orientation and invariance: the contract's binning and centre of mass."""

import numpy as np
import pytest
from skimage import data

from gradhist_sklearn import gradient_histogram, image_gradients

RAW = dict(rotation_invariant=False, normalize=False)
# The contract's shift method with its Sobel, passed explicitly since the
# library's defaults moved to a more isotropic operator and an exact shift.
CONTRACT = dict(operator="sobel", invariance="centre_of_mass")


def single_gradient_image(gx, gy, dtype):
    """3x3 image whose centre pixel has central-difference gradient (gx, gy),
    with a mask selecting that pixel only."""
    image = np.zeros((3, 3), dtype=np.float64)
    image[1, 2], image[1, 0] = max(gx, 0), max(-gx, 0)
    image[2, 1], image[0, 1] = max(gy, 0), max(-gy, 0)
    mask = np.zeros((3, 3), dtype=bool)
    mask[1, 1] = True
    return image.astype(dtype), mask


def exact_split(degrees, bins=36):
    """Reference linear split written from the contract's binning formula."""
    width = 360 / bins
    position = (degrees % 360) / width
    k = int(np.floor(position))
    f = position - k
    expected = np.zeros(bins)
    expected[k % bins] += 1 - f
    expected[(k + 1) % bins] += f
    return expected


@pytest.mark.parametrize("sign, first, second", [(1, 0, 1), (-1, 35, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_five_degrees_splits_half_and_half(sign, first, second, dtype):
    angle = np.radians(5.0 * sign)
    gx, gy = 100 * np.cos(angle), 100 * np.sin(angle)
    image, mask = single_gradient_image(gx, gy, dtype)
    hist = gradient_histogram(image, operator="central", mask=mask, dtype=dtype,
                              **RAW).histogram
    magnitude = np.hypot(*image_gradients(image, operator="central"))[1, 1]
    expected = np.zeros(36)
    expected[[first, second]] = magnitude / 2
    np.testing.assert_allclose(hist, expected, atol=1e-4 * magnitude)
    assert hist.dtype == dtype


@pytest.mark.parametrize("sign, first, second", [(1, 0, 1), (-1, 35, 0)])
def test_five_degrees_uint8(sign, first, second):
    # atan2(14, 160) = 5.0006 degrees: the nearest a uint8 neighbourhood gets.
    image, mask = single_gradient_image(160, 14 * sign, np.uint8)
    hist = gradient_histogram(image, operator="central", mask=mask, **RAW).histogram
    theta = np.degrees(np.arctan2(14 * sign, 160))
    np.testing.assert_allclose(hist, np.hypot(160, 14) * exact_split(theta), rtol=1e-12)
    assert hist[first] == pytest.approx(hist[second], rel=2e-3)
    assert hist.dtype == np.float64


@pytest.mark.parametrize("degrees", [0.0, 3.0, 44.9, 90.0, 179.5, 181.0, 270.0, 355.0, 359.99])
def test_split_matches_formula(degrees):
    a = np.radians(degrees)
    image, mask = single_gradient_image(1000 * np.cos(a), 1000 * np.sin(a), np.float64)
    hist = gradient_histogram(image, operator="central", mask=mask, **RAW).histogram
    np.testing.assert_allclose(hist, 1000 * exact_split(degrees), atol=1e-9)


@pytest.fixture(scope="module")
def camera():
    return data.camera()[100:228, 200:360]


@pytest.mark.parametrize("operator", ["sobel", "scharr", "central", "farid", "prewitt"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_sum_equals_sum_of_magnitudes(camera, operator, dtype):
    image = camera.astype(dtype)
    hist = gradient_histogram(image, operator=operator, **RAW).histogram
    gx, gy = image_gradients(image, operator=operator)
    total = np.sqrt(gx.astype(float) ** 2 + gy.astype(float) ** 2).sum()
    np.testing.assert_allclose(hist.sum(), total, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_normalize_gives_mean_magnitude(camera):
    raw = gradient_histogram(camera, operator="sobel", **RAW).histogram
    normalized = gradient_histogram(camera, operator="sobel", rotation_invariant=False).histogram
    np.testing.assert_allclose(normalized, raw / camera.size, rtol=1e-12)
    # Mirrored copies meet without a seam under reflect borders: twice the
    # pixels, the same mean magnitude, so the same normalised sum.
    doubled = np.hstack([camera, camera[:, ::-1]])
    np.testing.assert_allclose(gradient_histogram(doubled, **CONTRACT).histogram.sum(),
                               normalized.sum(), rtol=1e-12)


@pytest.mark.parametrize("bins", [4, 8, 36, 360])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_rot90_rolls_by_quarter(camera, bins, k):
    plain = gradient_histogram(camera, angle_bins=bins, operator="sobel", **RAW).histogram
    turned = gradient_histogram(np.rot90(camera, k), angle_bins=bins, operator="sobel",
                                **RAW).histogram
    # np.rot90 turns by -90 degrees in image coordinates: bin i moves to i - B/4.
    np.testing.assert_allclose(turned, np.roll(plain, -k * bins // 4), rtol=1e-9,
                               atol=1e-9 * plain.sum())


@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("bins", [8, 36, 72])
def test_rotation_invariant_unchanged_by_rot90(camera, bins, unidirectional):
    kwargs = dict(angle_bins=bins, unidirectional=unidirectional, **CONTRACT)
    reference = gradient_histogram(camera, **kwargs)
    for k in (1, 2, 3):
        turned = gradient_histogram(np.rot90(camera, k), **kwargs)
        np.testing.assert_allclose(turned.histogram, reference.histogram, rtol=1e-9,
                                   atol=1e-12 * reference.histogram.sum())
        period = 180 if unidirectional else 360
        expected = (reference.main_orientation - 90 * k) % period
        assert np.isclose((turned.main_orientation - expected + period / 2) % period,
                          period / 2)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_left_right_and_up_down_flips(camera, dtype):
    image = camera.astype(dtype)
    bins = 36
    plain = gradient_histogram(image, angle_bins=bins, operator="sobel", **RAW).histogram
    mirrored = gradient_histogram(image[:, ::-1], angle_bins=bins, operator="sobel",
                                  **RAW).histogram
    flipped = gradient_histogram(image[::-1], angle_bins=bins, operator="sobel",
                                 **RAW).histogram
    i = np.arange(bins)
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(mirrored[(bins // 2 - i) % bins], plain, rtol=rtol)
    np.testing.assert_allclose(flipped[(-i) % bins], plain, rtol=rtol)

    invariant = gradient_histogram(image, angle_bins=bins, **CONTRACT).histogram
    for flipped_image in (image[:, ::-1], image[::-1]):
        after = gradient_histogram(flipped_image, angle_bins=bins, **CONTRACT).histogram
        np.testing.assert_allclose(after, invariant[(-i) % bins], rtol=rtol * 10,
                                   atol=rtol * invariant.sum())


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64, bool])
@pytest.mark.parametrize("unidirectional", [False, True])
def test_constant_image_gives_zeros(dtype, unidirectional):
    image = np.full((7, 9), 3, dtype=dtype)
    result = gradient_histogram(image, unidirectional=unidirectional)
    assert np.all(result.histogram == 0)
    assert result.main_orientation == 0.0
    assert result.histogram.shape == (18 if unidirectional else 36,)


@pytest.mark.parametrize("scale", [0.5, 3.0, 255.0])
def test_intensity_scaling_scales_histogram(camera, scale):
    image = camera.astype(np.float64)
    for invariant in (False, True):
        base = gradient_histogram(image, rotation_invariant=invariant)
        scaled = gradient_histogram(image * scale, rotation_invariant=invariant)
        np.testing.assert_allclose(scaled.histogram, scale * base.histogram, rtol=1e-9)
        assert scaled.main_orientation == pytest.approx(base.main_orientation)
    shifted = gradient_histogram(image + 17.0)
    np.testing.assert_allclose(shifted.histogram, gradient_histogram(image).histogram,
                               rtol=1e-9)


def test_unidirectional_folds_opposite_directions(camera):
    full = gradient_histogram(camera, angle_bins=36, operator="sobel", **RAW).histogram
    folded = gradient_histogram(camera, angle_bins=36, unidirectional=True, operator="sobel",
                                **RAW).histogram
    assert folded.shape == (18,)
    np.testing.assert_allclose(folded, full[:18] + full[18:], rtol=1e-9)


def test_unidirectional_odd_bins_is_an_error():
    with pytest.raises(ValueError, match="must be even when unidirectional"):
        gradient_histogram(np.zeros((4, 4)), angle_bins=35, unidirectional=True)


def test_main_orientation_of_a_single_direction():
    for degrees in (0.0, 30.0, 135.0, 250.0):
        a = np.radians(degrees)
        image, mask = single_gradient_image(100 * np.cos(a), 100 * np.sin(a), np.float64)
        result = gradient_histogram(image, operator="central", mask=mask, angle_bins=36,
                                    invariance="centre_of_mass")
        # Linear interpolation between two bins is a chord, so the centre of mass
        # of one vector sits within a fraction of a degree of its direction.
        assert result.main_orientation == pytest.approx(degrees, abs=0.05)
        # Rotation invariance moves that mass next to bin 0 (a vector between two
        # bin centres is smeared over bins 35, 0 and 1 by the fractional shift).
        hist = result.histogram
        assert hist[[35, 0, 1]].sum() == pytest.approx(hist.sum(), rel=1e-9)
        assert hist[1] == pytest.approx(hist[35], abs=1e-9 * hist.sum())


def test_main_orientation_unidirectional_range():
    image = np.zeros((9, 9))
    image[:, 5:] = 1.0  # gradient toward +x: 0 deg, or 180 deg when mirrored
    for picture, expected in ((image, 0.0), (image[:, ::-1], 0.0), (image.T, 90.0)):
        result = gradient_histogram(picture, unidirectional=True, angle_bins=36)
        assert result.main_orientation == pytest.approx(expected, abs=1e-9)
        assert 0 <= result.main_orientation < 180


def test_rotation_invariant_keeps_the_sum_and_centres_mass(camera):
    plain = gradient_histogram(camera, rotation_invariant=False, **CONTRACT)
    shifted = gradient_histogram(camera, rotation_invariant=True, **CONTRACT)
    assert shifted.histogram.sum() == pytest.approx(plain.histogram.sum(), rel=1e-12)
    assert shifted.main_orientation == plain.main_orientation
    phases = np.radians(np.arange(36) * 10.0)
    centre = np.degrees(np.arctan2(shifted.histogram @ np.sin(phases),
                                   shifted.histogram @ np.cos(phases)))
    assert abs(centre) < 5.0  # within half a bin of 0
