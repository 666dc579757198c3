"""Gradients: the contract's worked examples, scale, dtype and borders."""

import numpy as np
import pytest
from skimage import filters

from gradhist_sklearn import image_gradients

DTYPES = [np.uint8, np.float32, np.float64]

# (neighbourhood, operator, gx, gy, magnitude, theta) from the contract's worked examples.
CONTRACT_ROWS = [
    ([[255, 255, 255], [0, 0, 0], [0, 0, 0]], "central", 0, -255, 255.0, -90.0),
    ([[0, 0, 0], [255, 0, 0], [255, 255, 0]], "central", -255, 255, 360.62, 135.0),
    ([[93, 139, 101], [26, 252, 196], [135, 230, 18]], "sobel", 231, 141, 270.63, 31.4),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows, operator, gx, gy, magnitude, theta", CONTRACT_ROWS)
def test_spec_worked_examples(rows, operator, gx, gy, magnitude, theta, dtype):
    image = np.array(rows, dtype=dtype)
    got_x, got_y = image_gradients(image, operator=operator)
    assert got_x[1, 1] == gx
    assert got_y[1, 1] == gy
    assert np.hypot(got_x[1, 1], got_y[1, 1]) == pytest.approx(magnitude, abs=0.005)
    assert np.degrees(np.arctan2(got_y[1, 1], got_x[1, 1])) == pytest.approx(theta, abs=0.05)


@pytest.mark.parametrize(
    "dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                        (np.uint8, np.float64), (np.int64, np.float64),
                        (np.float16, np.float64), (bool, np.float64)]
)
def test_output_dtype(dtype, expected):
    gx, gy = image_gradients(np.eye(5, dtype=dtype))
    assert gx.dtype == expected and gy.dtype == expected


def test_uint8_is_not_rescaled():
    image = np.zeros((3, 3), dtype=np.uint8)
    image[:, 2] = 255
    gx, _ = image_gradients(image, operator="central")
    assert gx[1, 1] == 255.0


# scikit-image divides each kernel by its smoothing weight sum; ours does not.
SKIMAGE_SCALE = {"sobel": 4.0, "scharr": 16.0, "prewitt": 3.0, "farid": 1.0}


@pytest.mark.parametrize("operator", sorted(SKIMAGE_SCALE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_scikit_image_filters(operator, dtype):
    rng = np.random.default_rng(1)
    image = (rng.random((23, 31)) * 255).astype(dtype)
    gx, gy = image_gradients(image, operator=operator)
    skimage_filter = getattr(filters, operator)
    scale = SKIMAGE_SCALE[operator]
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    atol = rtol * 255
    np.testing.assert_allclose(gx, scale * skimage_filter(image, axis=1), rtol=rtol, atol=atol)
    np.testing.assert_allclose(gy, scale * skimage_filter(image, axis=0), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "operator, scale", [("central", 2.0), ("sobel", 8.0), ("scharr", 32.0),
                        ("prewitt", 6.0), ("farid", 0.99179702875213)]
)
def test_scale_on_a_unit_ramp(operator, scale):
    ramp = np.tile(np.arange(12.0), (12, 1))
    gx, gy = image_gradients(ramp, operator=operator)
    np.testing.assert_allclose(gx[5, 5], scale, rtol=1e-12)
    np.testing.assert_allclose(gy[5, 5], 0.0, atol=1e-12)
    np.testing.assert_allclose(image_gradients(ramp.T, operator=operator)[1][5, 5], scale)


def test_reflect_border():
    # scipy's 'reflect' repeats the edge pixel: d c b a | a b c d | d c b a.
    image = np.array([[0.0, 10.0, 30.0]])
    gx, gy = image_gradients(image, operator="central")
    np.testing.assert_array_equal(gx, [[10.0, 30.0, 20.0]])
    np.testing.assert_array_equal(gy, 0.0)


def test_colour_image_uses_luma_weights():
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    rgb[:, 2:, 1] = 100  # a green step to the right
    gx, _ = image_gradients(rgb, operator="central")
    assert gx[1, 1] == pytest.approx(71.54)


def test_unknown_operator_lists_choices():
    with pytest.raises(ValueError, match="'sobel', 'scharr'"):
        image_gradients(np.zeros((3, 3)), operator="roberts")
