"""Region of interest and mask: the contract's region of interest."""

import math

import numpy as np
import pytest
from skimage import data

from gradhist_sklearn import gradient_histogram

RAW = dict(rotation_invariant=False, normalize=False)


@pytest.fixture(scope="module")
def image():
    return data.camera()[::4, ::4].astype(np.float64)  # 128 x 128


def rigid(x, y, degrees):
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a), x], [math.sin(a), math.cos(a), y],
                     [0.0, 0.0, 1.0]])


def test_frame_at_origin_with_image_size_is_the_whole_image(image):
    height, width = image.shape
    whole = gradient_histogram(image, **RAW).histogram
    roi = gradient_histogram(image, frame=(0, 0), size=(width, height), **RAW).histogram
    np.testing.assert_array_equal(roi, whole)
    for size in (None, (np.nan, 10), (10, np.nan)):
        np.testing.assert_array_equal(gradient_histogram(image, size=size, **RAW).histogram,
                                      whole)


def test_axis_aligned_rectangle_equals_mask(image):
    mask = np.zeros(image.shape, dtype=bool)
    mask[20:50, 10:40] = True  # rows 20..49, columns 10..39
    by_mask = gradient_histogram(image, mask=mask)
    by_roi = gradient_histogram(image, frame=(10, 20), size=(30, 30))
    np.testing.assert_allclose(by_roi.histogram, by_mask.histogram, rtol=1e-12)
    # Normalisation counts the region's pixels, not the image's.
    raw = gradient_histogram(image, mask=mask, **RAW).histogram
    np.testing.assert_allclose(by_roi.histogram.sum(), raw.sum() / 900, rtol=1e-12)


def test_half_open_pixel_centres():
    image = np.arange(36.0).reshape(6, 6) ** 2
    # Centres are at k + 0.5: a 2.5-wide rectangle from x=0.5 holds centres 0.5,
    # 1.5 and 2.5? No: 0.5 <= x < 3.0 holds 0.5 (column 0), 1.5 and 2.5.
    mask = np.zeros((6, 6), dtype=bool)
    mask[0:2, 0:3] = True
    by_roi = gradient_histogram(image, frame=(0.5, 0.5), size=(2.5, 1.5), **RAW).histogram
    np.testing.assert_array_equal(by_roi, gradient_histogram(image, mask=mask, **RAW).histogram)


def test_rectangle_turned_with_the_object(image):
    """np.rot90 maps (x, y) to (y, W - x) and turns by -90 degrees; the frame
    carried along gives the same histogram, rotation invariance off."""
    width = image.shape[1]
    x0, y0, w, h = 30.0, 40.0, 50.0, 24.0
    before = gradient_histogram(image, frame=(x0, y0, 0.0), size=(w, h), **RAW).histogram
    turned = np.rot90(image)
    after = gradient_histogram(turned, frame=(y0, width - x0, -90.0), size=(w, h),
                               **RAW).histogram
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9 * before.sum())


def test_frame_angle_without_size_measures_angles_from_the_frame(image):
    plain = gradient_histogram(image, **RAW).histogram
    turned = gradient_histogram(image, frame=(0, 0, 90), **RAW).histogram
    np.testing.assert_allclose(turned, np.roll(plain, -9), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("degrees", [0.0, 30.0, -75.0, 180.0])
def test_matrix_frame_equals_tuple_frame(image, degrees):
    kwargs = dict(size=(40, 25), **RAW)
    by_tuple = gradient_histogram(image, frame=(60, 50, degrees), **kwargs)
    by_matrix = gradient_histogram(image, frame=rigid(60, 50, degrees), **kwargs)
    np.testing.assert_allclose(by_matrix.histogram, by_tuple.histogram, rtol=1e-9)


def test_rotated_rectangle_selects_pixel_centres():
    # A 45-degree frame at the origin: u = (x + y) / sqrt 2, v = (y - x) / sqrt 2.
    image = np.random.default_rng(0).random((10, 10))
    r, c = np.mgrid[0:10, 0:10]
    x, y = c + 0.5, r + 0.5
    u, v = (x + y) / math.sqrt(2), (y - x) / math.sqrt(2)
    mask = (u >= 0) & (u < 8) & (v >= 0) & (v < 3)
    # Measured from a 45-degree frame, so compare with the mask and that offset.
    by_roi = gradient_histogram(image, frame=(0, 0, 45), size=(8, 3), **RAW).histogram
    by_mask = gradient_histogram(image, frame=(0, 0, 45), mask=mask, **RAW).histogram
    np.testing.assert_allclose(by_roi, by_mask, rtol=1e-12)


def test_rectangle_partly_outside_counts_inside_pixels(image):
    inside = gradient_histogram(image, frame=(100, 100), size=(28, 28))
    beyond = gradient_histogram(image, frame=(100, 100), size=(500, 500))
    np.testing.assert_allclose(beyond.histogram, inside.histogram, rtol=1e-12)


def test_mask_combines_with_rectangle(image):
    mask = np.zeros(image.shape, dtype=bool)
    mask[:, :64] = True
    both = gradient_histogram(image, frame=(32, 0), size=(64, 128), mask=mask, **RAW)
    expected = np.zeros(image.shape, dtype=bool)
    expected[:, 32:64] = True
    only = gradient_histogram(image, mask=expected, **RAW)
    np.testing.assert_allclose(both.histogram, only.histogram, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(frame=(500, 500), size=(10, 10)), ValueError, "holds no pixel"),
        (dict(size=(0, 10)), ValueError, "holds no pixel"),
        (dict(size=(-4, 10)), ValueError, "must not be negative"),
        (dict(size=(4,)), ValueError, "size must be"),
        (dict(frame=(1, 2, 3, 4)), ValueError, "frame must be"),
        (dict(frame="origin"), TypeError, "frame must hold numbers"),
        (dict(frame=np.diag([2.0, 2.0, 1.0]), size=(5, 5)), ValueError, "translation only"),
        (dict(frame=np.array([[1, 0.5, 0], [0, 1, 0], [0, 0, 1.0]])), ValueError, "shears"),
        (dict(frame=np.diag([-1.0, 1.0, 1.0])), ValueError, "mirrors"),
        (dict(frame=np.array([[1, 0, 0], [0, 1, 0], [0.1, 0, 1.0]])), ValueError, "last row"),
        (dict(mask=np.ones((3, 3), dtype=bool)), ValueError, "mask has shape"),
        (dict(mask=np.ones((128, 128))), TypeError, "boolean"),
        (dict(mask=np.zeros((128, 128), dtype=bool)), ValueError, "holds no pixel"),
    ],
)
def test_bad_regions_are_refused(image, kwargs, error, message):
    with pytest.raises(error, match=message):
        gradient_histogram(image, **kwargs)
