"""The hostile-input matrix: every bad input gets a clear error, every odd but
valid input gets finite, documented numbers (docs/input_validation.rst).

Each refused input is tried through the function and through the transformer
in every form it can take (stack, list, flattened rows), and the test asserts
the exception type and a fragment of the message the docs quote.
"""

import os
import re
import warnings

import numpy as np
import pytest
from _images import DEFAULT_SCALES, FUNCTION_DEFAULTS, default_rows
from _precision import float32_tolerance

from gradhist_sklearn import (
    GradientHistogramTransformer,
    ImageReadError,
    gradient_histogram,
    image_gradients,
    orientation_mask,
    read_image,
)
from gradhist_sklearn._gradients import OPERATOR_NAMES
from gradhist_sklearn._validation import max_abs_pixel

RAW = dict(rotation_invariant=False, normalize=False)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(5).integers(0, 256, size=(9, 11)).astype(np.float64)


def fit_transform(X, **params):
    return GradientHistogramTransformer(**params).fit_transform(X)


def function_rows(X, **params):
    """The transformer's rows with ``gradient_histogram``'s defaults (one
    scale, ``normalize=True``) under ``params``: the function's histograms."""
    return fit_transform(X, **{**FUNCTION_DEFAULTS, **params})


def step_image(low, high, dtype, shape=(4, 6)):
    """Left half ``low``, right half ``high``: a vertical edge."""
    image = np.full(shape, low, dtype=dtype)
    image[:, shape[1] // 2:] = high
    return image


# -- refused: pixel values --


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixel_function_names_position(image, bad):
    image = image.copy()
    image[3, 4] = bad
    with pytest.raises(ValueError, match=r"contains NaN or infinity \(first at row 3, column 4"):
        gradient_histogram(image)
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        image_gradients(image)


@pytest.mark.parametrize("form", ["stack", "list", "rows", "colour"])
def test_non_finite_pixel_transformer_names_image_index(image, form):
    def as_form(images):
        if form == "list":
            return list(images), {}
        if form == "rows":
            return images.reshape(len(images), -1), dict(image_shape=image.shape)
        if form == "colour":
            return np.repeat(images[..., None], 3, axis=-1), {}
        return images, {}

    clean = np.stack([image] * 4)
    dirty = clean.copy()
    dirty[2, 1, 1] = np.nan
    X, params = as_form(dirty)
    with pytest.raises(ValueError, match="Image 2 contains NaN or infinity"):
        GradientHistogramTransformer(**params).fit(X)
    # transform checks again, whatever fit saw
    fitted = GradientHistogramTransformer(**params).fit(as_form(clean)[0])
    with pytest.raises(ValueError, match="Image 2 contains NaN or infinity"):
        fitted.transform(X)


def test_non_finite_far_into_a_chunked_batch(image, monkeypatch):
    from gradhist_sklearn import _batch

    monkeypatch.setattr(_batch, "PIXELS_PER_CHUNK", image.size * 3)
    images = np.stack([image] * 10)
    images[7, 0, 0] = np.inf
    with pytest.raises(ValueError, match="Image 7 contains NaN or infinity"):
        fit_transform(images)


@pytest.mark.parametrize("dtype, fragment", [
    (np.float64, "float64 can hold without overflow. Divide the image"),
    (np.float32, "or convert it to float64"),
])
def test_pixels_near_the_float_maximum_are_refused(dtype, fragment):
    huge = np.finfo(dtype).max
    image = step_image(-huge, huge, dtype)
    with pytest.raises(ValueError, match=fragment):
        gradient_histogram(image)
    with pytest.raises(ValueError, match="Image 1 has pixel values up to"):
        fit_transform(np.stack([np.zeros_like(image), image]))


def test_long_double_beyond_float64_is_refused_not_called_infinite():
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("long double is float64 on this platform")
    image = step_image(0, np.longdouble(10) ** 400, np.longdouble)
    with pytest.raises(ValueError, match="pixel values up to inf|beyond the"):
        gradient_histogram(image)


def test_histogram_overflowing_float64_is_refused():
    # Every pixel is just under the limit and has a large gradient: the sum of
    # 4096 magnitudes cannot be represented, and the error says so.
    big = max_abs_pixel(np.float64) / 2
    stripes = np.tile(np.arange(64) // 2 % 2 * big, (64, 1))  # 0 0 1 1 0 0 ...: |gx| = 4 big
    with pytest.raises(ValueError, match="exceeds the largest float64"):
        gradient_histogram(stripes, operator="sobel", **RAW)
    # normalised, the same image is fine: the mean magnitude is finite
    assert np.isfinite(gradient_histogram(stripes, operator="sobel").histogram).all()
    # the first and last columns see their reflection: no change there
    total = gradient_histogram(stripes, operator="sobel").histogram.sum()
    assert total == pytest.approx(4 * big * 62 / 64, rel=1e-12)


# -- refused: array shapes --


def test_no_samples():
    with pytest.raises(ValueError, match="0 sample"):
        fit_transform([])
    with pytest.raises(ValueError, match="0 sample"):
        fit_transform(np.zeros((0, 8, 8)))
    with pytest.raises(ValueError, match="0 sample"):
        fit_transform(np.zeros((0, 8, 8, 3)))
    with pytest.raises(ValueError, match="0 sample"):
        fit_transform(np.zeros((0, 64)), image_shape=(8, 8))


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0), (0, 5, 3)])
def test_zero_size_image(shape):
    with pytest.raises(ValueError, match="with no pixel; every image needs at least one row"):
        gradient_histogram(np.zeros(shape))
    with pytest.raises(ValueError, match="Image 1 has shape .* with no pixel"):
        fit_transform([np.zeros((3, 3)), np.zeros(shape)])
    with pytest.raises(ValueError, match="with no pixel"):
        fit_transform(np.zeros((2,) + shape))


def test_zero_features():
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        fit_transform(np.zeros((3, 0)))


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5, 3), (1, 2, 3, 4, 5, 6)])
def test_wrong_number_of_dimensions(shape):
    with pytest.raises(ValueError, match=r"Expected a 2-D grey image \(height, width\) or a "
                                         r"colour image"):
        gradient_histogram(np.zeros(shape))
    with pytest.raises(ValueError, match=f"got {len(shape)} dimension"):
        fit_transform(np.zeros(shape))


@pytest.mark.parametrize("X", [3.0, None, [1.0, 2.0, 3.0]])
def test_scalar_and_flat_x(X):
    with pytest.raises(ValueError, match="X (must be|is a list of)"):
        fit_transform(X)


def test_one_d_x_says_how_to_reshape():
    with pytest.raises(ValueError, match=r"for one image pass \[image\]"):
        fit_transform(np.arange(5.0))


@pytest.mark.parametrize("shape", [(4, 4, 2), (4, 4, 5), (4, 4, 1)])
def test_channels_other_than_3_or_4(shape):
    with pytest.raises(ValueError, match=r"got an array of shape"):
        gradient_histogram(np.zeros(shape))
    with pytest.raises(ValueError, match=r"Expected a stack of shape"):
        fit_transform(np.zeros((2,) + shape))


@pytest.mark.parametrize(
    "items, fragment",
    [
        ([np.zeros((4, 4)), np.zeros(5)], r"item 1 \(ndarray\) has 1 dimension"),
        ([np.zeros(5), np.zeros((4, 4))], r"item 0 \(ndarray\) has 1 dimension"),
        ([np.zeros((4, 4)), 3.0], r"item 1 \(float\) has 0 dimension"),
        ([np.zeros((4, 4)), None], r"item 1 \(NoneType\)"),
        ([np.zeros((4, 4)), [1.0, 2.0]], r"item 1 \(list\) has 1 dimension"),
        ([np.zeros((4, 4)), np.zeros((4, 4, 5))], r"shape \(4, 4, 5\) \(image 1\)"),
        ([np.zeros((4, 4)), np.zeros((4, 2, 2))], r"shape \(4, 2, 2\) \(image 1\)"),
        ([np.zeros((4, 4)), [[1, 2], [3]]], "Image 1 is not a rectangular array"),
    ],
)
def test_list_mixing_images_and_other_shapes(items, fragment):
    with pytest.raises(ValueError, match=fragment):
        fit_transform(items)


def test_list_mixing_paths_and_arrays(tmp_path):
    with pytest.raises(TypeError, match="mixes file paths"):
        fit_transform([str(tmp_path / "a.png"), np.zeros((3, 3))])


def test_rows_of_different_lengths():
    with pytest.raises(ValueError, match="row 0 has 3 values, row 1 has 2"):
        fit_transform([[1.0, 2.0, 3.0], [1.0, 2.0]])


def test_ragged_nested_image():
    with pytest.raises(ValueError, match="not a rectangular array"):
        gradient_histogram([[1, 2], [3]])


# -- refused: pixel types --


@pytest.mark.parametrize(
    "dtype, error, fragment",
    [
        (np.complex128, ValueError, "Complex data not supported"),
        (np.complex64, ValueError, "Complex data not supported"),
        (object, TypeError, "must be real numbers .* got dtype object"),
        ("U3", TypeError, "must be real numbers .* got dtype <U3"),
        ("S3", TypeError, r"must be real numbers .* got dtype \|S3"),
        ("datetime64[s]", TypeError, "must be real numbers"),
        ("V8", TypeError, "must be real numbers"),
    ],
)
def test_non_real_pixels(dtype, error, fragment):
    image = np.zeros((4, 4), dtype=dtype)
    with pytest.raises(error, match=fragment):
        gradient_histogram(image)
    with pytest.raises(error, match=fragment):
        fit_transform(np.stack([image, image]))
    with pytest.raises(error, match=fragment):
        fit_transform([np.zeros((4, 4)), image])
    if np.dtype(dtype).kind != "O":  # 2-D object arrays follow scikit-learn: see below
        with pytest.raises(error, match=fragment):
            fit_transform(image)


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
def test_two_d_object_rows_follow_scikit_learn():
    # A 2-D X is scikit-learn's territory: an object array of numbers (as a
    # mixed-type DataFrame gives) is converted, anything else refused.
    X = np.arange(12.0).reshape(2, 6).astype(object)
    np.testing.assert_array_equal(fit_transform(X), fit_transform(X.astype(float)))
    X[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="number"):
        fit_transform(X)


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
def test_dataframe_column_of_text_is_named():
    pandas = pytest.importorskip("pandas")
    numbers = pandas.DataFrame({"p0": [0.0, 1.0], "p1": [2.0, 3.0]})
    mixed = numbers.assign(p1=numbers["p1"].astype(object))  # numbers as objects
    np.testing.assert_array_equal(fit_transform(mixed), fit_transform(numbers))
    text = numbers.assign(label=["a", "b"], other=[1, "x"])
    with pytest.raises(ValueError, match="2 column\\(s\\) that are not numeric: 'label', 'other'"):
        fit_transform(text)


def test_masked_array_with_masked_pixels_is_refused(image):
    masked = np.ma.masked_greater(image, 200)
    with pytest.raises(TypeError, match="masked array with masked pixels"):
        gradient_histogram(masked)
    with pytest.raises(TypeError, match="masked array"):
        fit_transform(np.ma.masked_greater(np.stack([image, image]), 200))
    # with nothing masked it is an ordinary array
    unmasked = np.ma.masked_array(image)
    np.testing.assert_array_equal(gradient_histogram(unmasked).histogram,
                                  gradient_histogram(image).histogram)


def test_path_given_to_the_function_is_refused():
    with pytest.raises(TypeError, match="read it with gradhist_sklearn.read_image"):
        gradient_histogram("image.png")


# -- refused: parameters --


@pytest.mark.parametrize(
    "angle_bins, error, fragment",
    [(0, ValueError, "positive integer, got 0"), (-4, ValueError, "positive integer, got -4"),
     (2.5, TypeError, "got 2.5 of type float"), ("36", TypeError, "got '36' of type str"),
     (True, TypeError, "got True of type bool"), (None, TypeError, "of type NoneType")],
)
def test_angle_bins_not_a_positive_integer(image, angle_bins, error, fragment):
    with pytest.raises(error, match="angle_bins must be a positive integer"):
        gradient_histogram(image, angle_bins=angle_bins)
    with pytest.raises(error, match=fragment):
        gradient_histogram(image, angle_bins=angle_bins)
    # The estimator's InvalidParameterError is both a ValueError and a TypeError.
    with pytest.raises((ValueError, TypeError), match=r"'angle_bins' parameter .* must be "
                                                      r"an int in the range \[1, 65536\]"):
        fit_transform(image[None], angle_bins=angle_bins)


def test_numpy_integer_angle_bins_accepted(image):
    np.testing.assert_array_equal(gradient_histogram(image, angle_bins=np.int64(8)).histogram,
                                  gradient_histogram(image, angle_bins=8).histogram)


@pytest.mark.parametrize("angle_bins", [35, 1, 7])
def test_odd_angle_bins_with_unidirectional(image, angle_bins):
    fragment = f"must be even when unidirectional=True .* got {angle_bins}. Use"
    with pytest.raises(ValueError, match=fragment):
        gradient_histogram(image, angle_bins=angle_bins, unidirectional=True)
    with pytest.raises(ValueError, match=fragment):
        fit_transform(image[None], angle_bins=angle_bins, unidirectional=True)


@pytest.mark.parametrize("operator", ["roberts", "Sobel", None, ["sobel"]])
def test_unknown_operator_lists_the_valid_ones(image, operator):
    with pytest.raises(ValueError, match="Unknown operator") as info:
        gradient_histogram(image, operator=operator)
    with pytest.raises(ValueError, match="'operator' parameter") as info_t:
        fit_transform(image[None], operator=operator)
    for name in OPERATOR_NAMES:
        assert repr(name) in str(info.value)
        assert repr(name) in str(info_t.value)


@pytest.mark.parametrize("name", ["unidirectional", "rotation_invariant"])
@pytest.mark.parametrize("value", ["False", 0, None])
def test_flags_must_be_booleans(image, name, value):
    with pytest.raises(TypeError, match=f"{name} must be True or False, got {value!r}"):
        gradient_histogram(image, **{name: value})
    with pytest.raises((TypeError, ValueError), match=f"'{name}' parameter"):
        fit_transform(image[None], **{name: value})


@pytest.mark.parametrize("value, error", [("False", ValueError), ("Sqrt", ValueError),
                                          (0, TypeError), (1, TypeError),
                                          (None, TypeError), (0.5, TypeError)])
def test_normalize_must_be_a_boolean_or_a_normalisation(image, value, error):
    # normalize also takes the names of the normalisations: the message lists
    # them, and neither the string "False" nor None can mean anything.
    with pytest.raises(error, match=r"normalize must be True, False or one of 'pixels', "
                                    rf"'sqrt', 'l1', 'l2', 'hellinger'; got {value!r}\."):
        gradient_histogram(image, normalize=value)
    with pytest.raises((TypeError, ValueError),
                       match=r"'normalize' parameter .* must be an instance of 'bool'.* or a "
                             r"str among \{.*'hellinger'.*\}\. Got"):
        fit_transform(image[None], normalize=value)


def test_image_shape_not_matching_row_length():
    with pytest.raises(ValueError, match=r"image_shape=\(5, 5\) holds 25 pixels but X has 64 "
                                         r"features per row"):
        fit_transform(np.zeros((2, 64)), image_shape=(5, 5))


@pytest.mark.parametrize("image_shape", [(0, 5), (8,), (8, 8, 1), (2.0, 32.0), (True, 64)])
def test_image_shape_not_two_positive_integers(image_shape):
    with pytest.raises(ValueError, match="image_shape must be .* two positive integers"):
        fit_transform(np.zeros((2, 64)), image_shape=image_shape)


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@pytest.mark.parametrize("image_shape", [(8, 8), None])
def test_feature_count_differs_between_fit_and_transform(image_shape):
    transformer = GradientHistogramTransformer(image_shape=image_shape).fit(np.zeros((2, 64)))
    with pytest.raises(ValueError, match="X has 63 features, but GradientHistogramTransformer "
                                         "is expecting 64 features"):
        transformer.transform(np.zeros((2, 63)))


def test_mask_shape_differs_from_image(image):
    with pytest.raises(ValueError, match=r"mask has shape \(9, 10\) but the image has shape "
                                         r"\(9, 11\)"):
        gradient_histogram(image, mask=np.ones((9, 10), dtype=bool))
    with pytest.raises(ValueError, match="mask has shape"):
        gradient_histogram(image, mask=np.ones((11, 9), dtype=bool))


def test_mask_not_boolean(image):
    with pytest.raises(TypeError, match="mask must be a boolean array"):
        gradient_histogram(image, mask=np.ones(image.shape))


@pytest.mark.parametrize(
    "frame, size",
    [((100, 100), (5, 5)), ((-20, 0), (10, 50)), ((0, 0, 180), (5, 5)), ((0, 0), (0, 5)),
     ((0.6, 0), (0.3, 9))],
)
def test_region_with_no_pixel_inside(image, frame, size):
    with pytest.raises(ValueError, match="holds no pixel of the 9x11 image. Move the frame"):
        gradient_histogram(image, frame=frame, size=size)
    with pytest.raises(ValueError, match="holds no pixel"):
        fit_transform(image[None], frame=frame, size=size)


def test_all_false_mask(image):
    with pytest.raises(ValueError, match="with mask\\) holds no pixel"):
        gradient_histogram(image, mask=np.zeros(image.shape, dtype=bool))


@pytest.mark.parametrize("size", [(-1, 3), (3, -0.5), (-np.inf, 2)])
def test_negative_size(image, size):
    with pytest.raises(ValueError, match="size must not be negative"):
        gradient_histogram(image, size=size)
    with pytest.raises(ValueError, match="size must not be negative"):
        fit_transform(image[None], size=size)


@pytest.mark.parametrize(
    "matrix, fragment",
    [(np.diag([2.0, 2.0, 1.0]), "scales, shears or mirrors"),
     (np.diag([1.0, 0.5, 1.0]), "scales, shears or mirrors"),
     (np.array([[1, 0.5, 0], [0, 1, 0], [0, 0, 1.0]]), "scales, shears or mirrors"),
     (np.diag([1.0, -1.0, 1.0]), "scales, shears or mirrors"),
     (np.array([[1, 0, 0], [0, 1, 0], [0.1, 0, 1.0]]), "last row")],
)
def test_frame_matrix_that_is_not_rigid(image, matrix, fragment):
    with pytest.raises(ValueError, match=fragment):
        gradient_histogram(image, frame=matrix, size=(4, 4))
    with pytest.raises(ValueError, match=fragment):
        fit_transform(image[None], frame=matrix, size=(4, 4))


@pytest.mark.parametrize("frame", [(np.nan, 0), (0, 0, np.inf)])
def test_frame_not_finite(image, frame):
    with pytest.raises(ValueError, match="frame must be finite"):
        gradient_histogram(image, frame=frame, size=(3, 3))


# -- accepted: odd but valid images --


@pytest.mark.parametrize("operator", OPERATOR_NAMES)
def test_one_by_one_image(operator):
    result = gradient_histogram(np.array([[7.0]]), operator=operator)
    np.testing.assert_array_equal(result.histogram, np.zeros(36))
    assert result.main_orientation == 0.0
    ones = np.full((3, 1, 1), 5, dtype=np.uint8)
    rows = function_rows(ones, include_orientation=True, operator=operator)
    np.testing.assert_array_equal(rows, np.zeros((3, 38)))  # no orientation, strength 0
    # The defaults: a 3 x 3 grid of 36 zeros at each of the three scales (one
    # block for the operators without a scale), and orientation and strength
    # 0 at each; the other layouts likewise with their number of blocks.
    n_scales = 3 if operator == "gaussian" else 1
    rows = fit_transform(ones, include_orientation=True, operator=operator)
    np.testing.assert_array_equal(rows, np.zeros((3, n_scales * (9 * 36 + 2))))
    for layout, n_blocks in (("global", 1), ("rings", 3), ("grid", 9)):
        rows = fit_transform(ones, include_orientation=True, operator=operator, layout=layout)
        np.testing.assert_array_equal(rows, np.zeros((3, n_scales * (n_blocks * 36 + 2))))


@pytest.mark.parametrize("shape", [(1, 2), (2, 1), (1, 6), (4, 1)])
@pytest.mark.parametrize("normalize", [False, True, "sqrt", "l1", "l2", "hellinger"])
def test_rings_of_a_thin_image_hold_no_pixel(shape, normalize):
    # The circle inscribed in a 1 x 2k image holds no pixel centre: every ring
    # is empty, so zeros (once a division by zero pixels, and a NaN).
    image = np.arange(np.prod(shape), dtype=float).reshape(shape) ** 2
    params = dict(layout="rings", normalize=normalize)
    for invariant in (True, False):
        result = gradient_histogram(image, rotation_invariant=invariant, **params)
        np.testing.assert_array_equal(result.histogram, np.zeros(3 * 36))
    # In a batch beside an image that has gradients in its rings.
    rows = fit_transform([image, np.outer(np.arange(5.0), np.arange(5.0))],
                         include_orientation=True, **params)
    assert rows.shape == (2, 3 * (3 * 36 + 2)) and np.isfinite(rows).all()
    np.testing.assert_array_equal(rows[0], 0.0)
    assert (rows[1, :3 * 3 * 36] > 0).any()


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@pytest.mark.parametrize("n", [2, 3, 10])
def test_one_row_and_one_column_ramps(n):
    # central differences of 0..n-1 with reflected ends: 2 inside, 1 at each end;
    # one row reflected onto itself has no vertical change.
    ramp = np.arange(n, dtype=float)
    expected_sum = 2.0 * (n - 2) + 2.0
    row = gradient_histogram(ramp[None, :], angle_bins=8, operator="central", **RAW)
    assert row.histogram[0] == pytest.approx(expected_sum, rel=1e-15)
    assert row.histogram[1:].sum() == 0 and row.main_orientation == 0.0
    column = gradient_histogram(ramp[:, None], angle_bins=8, operator="central", **RAW)
    assert column.histogram[2] == pytest.approx(expected_sum, rel=1e-15)  # 90 deg: down
    assert column.main_orientation == pytest.approx(90.0)
    # flattened rows without image_shape are 1 x n images: the same numbers
    rows = function_rows(np.stack([ramp, ramp[::-1]]), angle_bins=8, operator="central",
                         **RAW)
    np.testing.assert_allclose(rows[0], row.histogram)
    assert rows[1][4] == pytest.approx(expected_sum)  # falling ramp: 180 degrees


@pytest.mark.parametrize("value, dtype", [(0, np.uint8), (255, np.uint8), (-3, np.int64),
                                          (2**62, np.int64), (2**64 - 1, np.uint64),
                                          (1e300, np.float64), (1e-310, np.float64),
                                          (3e35, np.float32), (True, bool)])
def test_constant_images_give_zero(value, dtype):
    image = np.full((5, 7), value, dtype=dtype)
    result = gradient_histogram(image)
    np.testing.assert_array_equal(result.histogram, 0.0)
    assert result.main_orientation == 0.0


def test_bool_image_is_read_as_zero_and_one(image):
    mask = image > 128
    np.testing.assert_array_equal(gradient_histogram(mask).histogram,
                                  gradient_histogram(mask.astype(np.uint8)).histogram)
    rows = function_rows(np.stack([mask, ~mask]))
    np.testing.assert_array_equal(rows[0], gradient_histogram(mask).histogram)
    assert np.isfinite(rows).all() and rows.dtype == np.float64
    rows = fit_transform(np.stack([mask, ~mask]))
    np.testing.assert_array_equal(rows, fit_transform(np.stack([mask, ~mask]).astype(np.uint8)))
    np.testing.assert_array_equal(rows, default_rows([mask, ~mask]))
    assert np.isfinite(rows).all() and rows.dtype == np.float64


@pytest.mark.parametrize(
    "low, high, dtype",
    [(0, 65535, np.uint16), (0, 2**62, np.int64), (-(2**62), 2**62, np.int64),
     (-(2**63), 2**63 - 1, np.int64), (0, 2**64 - 1, np.uint64),
     (0, 2**31 - 1, np.int32), (-(2**31), 2**31 - 1, np.int32)],
)
def test_wide_integer_steps_do_not_overflow(low, high, dtype):
    # A vertical step: with central differences the two columns beside the
    # edge get (high - low), computed in float64 (never in the integer type,
    # which would wrap around).
    image = step_image(low, high, dtype)
    result = gradient_histogram(image, angle_bins=4, operator="central", **RAW)
    jump = float(high) - float(low)
    np.testing.assert_allclose(result.histogram, [jump * 2 * 4, 0, 0, 0], rtol=1e-15)
    assert result.main_orientation == 0.0
    falling = gradient_histogram(image[:, ::-1], angle_bins=4, operator="central", **RAW)
    np.testing.assert_allclose(falling.histogram, [0, 0, jump * 8, 0], rtol=1e-15)
    rows = function_rows(np.stack([image, image[:, ::-1]]), angle_bins=4, operator="central",
                         **RAW)
    np.testing.assert_allclose(rows, [result.histogram, falling.histogram], rtol=1e-15)


@pytest.mark.parametrize("exponent", [996, 600, 200, -200, -600, -1000, -1060])
@pytest.mark.parametrize("normalize", [False, True])
def test_extreme_magnitudes_are_exactly_rescaled(image, exponent, normalize):
    # Integer pixels times a power of two are exact even as subnormals (down to
    # 2**-1074), and the histogram is proportional to the intensity scale.
    small_ints = image // 16  # 0..15: four bits
    scaled = np.ldexp(small_ints, exponent)
    assert np.array_equal(np.ldexp(scaled, -exponent), small_ints)  # the input is exact
    params = dict(rotation_invariant=True, normalize=normalize)
    reference = gradient_histogram(small_ints, **params)
    result = gradient_histogram(scaled, **params)
    expected = np.ldexp(reference.histogram, exponent)
    assert np.isfinite(result.histogram).all() and result.histogram.sum() > 0
    # subnormal results keep only the digits above 2**-1074
    np.testing.assert_allclose(result.histogram, expected, rtol=1e-12, atol=2.0**-1070)
    assert result.main_orientation == pytest.approx(reference.main_orientation, abs=1e-9)
    rows = function_rows(np.stack([small_ints, scaled]), include_orientation=True,
                         normalize=normalize)
    np.testing.assert_allclose(rows[1, :-2], expected, rtol=1e-12, atol=2.0**-1070)
    assert rows[1, -1] == pytest.approx(result.orientation_strength, rel=1e-12)


@pytest.mark.parametrize("exponent", [996, 600, 200, -200, -600, -1000, -1060, -1061])
def test_extreme_magnitudes_square_roots_are_exact(image, exponent):
    # sqrt(h * 2**e) = sqrt(h * 2**(e % 2)) * 2**(e // 2): a root near 1e-160
    # is a normal number, so it keeps every digit even where h * 2**e is
    # subnormal (taking the root after restoring the scale lost them).
    small_ints = image // 16
    scaled = np.ldexp(small_ints, exponent)

    def root(histogram):
        return np.ldexp(np.sqrt(np.ldexp(histogram, exponent % 2)), exponent // 2)

    reference = gradient_histogram(small_ints).histogram  # normalize=True
    result = gradient_histogram(scaled, normalize="sqrt").histogram
    assert np.isfinite(result).all() and result.sum() > 0
    np.testing.assert_allclose(result, root(reference), rtol=1e-12, atol=0)
    # The transformer's three scales of one histogram each: each its exact
    # root, finite.
    stack = np.stack([small_ints, scaled])
    rows = fit_transform(stack, include_orientation=True, layout="global")
    assert rows.shape == (2, 3 * (36 + 2)) and np.isfinite(rows).all()
    values = slice(0, 3 * 36)  # then each scale's orientation and strength
    np.testing.assert_allclose(rows[1, values], root(rows[0, values] ** 2), rtol=1e-12, atol=0)
    np.testing.assert_allclose(rows[1, values], np.concatenate(
        [root(gradient_histogram(small_ints, sigma=s).histogram) for s in DEFAULT_SCALES]),
        rtol=1e-12, atol=0)
    # The default grid of 3 x 3 cells: every cell's root as exact.
    rows = fit_transform(stack)
    assert rows.shape == (2, 3 * 9 * 36) and np.isfinite(rows).all()
    np.testing.assert_allclose(rows[1], root(rows[0] ** 2), rtol=1e-12, atol=0)


@pytest.mark.parametrize("exponent", [100, -100, -140])
def test_extreme_float32_magnitudes(image, exponent):
    small_ints = (image // 16).astype(np.float32)
    scaled = np.ldexp(small_ints, exponent).astype(np.float32)
    assert np.array_equal(np.ldexp(scaled, -exponent), small_ints)
    result = gradient_histogram(scaled, dtype="float32", **RAW)
    assert result.histogram.dtype == np.float32
    expected = np.ldexp(gradient_histogram(small_ints, dtype="float32",
                                           **RAW).histogram.astype(np.float64), exponent)
    np.testing.assert_allclose(result.histogram, expected, rtol=1e-6, atol=2.0**-145)
    assert result.histogram.sum() > 0
    # The square root (one scale, and the transformer's default three), in
    # float32, keeps float32's precision: its root of 2**-140 is a normal number.
    reference = gradient_histogram(small_ints, dtype="float32").histogram.astype(np.float64)
    root = np.ldexp(np.sqrt(np.ldexp(reference, exponent % 2)), exponent // 2)
    result = gradient_histogram(scaled, normalize="sqrt", dtype="float32").histogram
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, root, rtol=1e-6, atol=0)
    rows = fit_transform(np.stack([small_ints, scaled]), layout="global", dtype="float32")
    assert rows.dtype == np.float32 and np.isfinite(rows).all() and rows.shape == (2, 3 * 36)
    expected = np.ldexp(np.sqrt(np.ldexp(rows[0].astype(np.float64) ** 2, exponent % 2)),
                        exponent // 2)
    np.testing.assert_allclose(rows[1], expected, rtol=1e-6, atol=0)


def test_ragged_list(image):
    images = [image, image[:4], image[:, :3], image[:1, :1], image[2:7, 1:9]]
    rows = function_rows(images, include_orientation=True)
    for row, item in zip(rows, images, strict=True):
        expected = gradient_histogram(item)
        np.testing.assert_array_equal(row[:-2], expected.histogram)
        assert row[-2] == expected.main_orientation
        assert row[-1] == expected.orientation_strength
    assert np.isfinite(rows).all()
    rows = fit_transform(images, include_orientation=True)
    np.testing.assert_array_equal(rows[:, :3 * 9 * 36], default_rows(images))
    assert np.isfinite(rows).all()


def test_list_of_nested_python_lists(image):
    rows = function_rows([image.tolist(), image[:5].astype(int).tolist()])
    np.testing.assert_array_equal(rows[0], gradient_histogram(image).histogram)
    rows = fit_transform([image.tolist(), image[:5].astype(int).tolist()])
    np.testing.assert_array_equal(rows, default_rows([image, image[:5].astype(int)]))


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_colour_batches(image, channels, dtype):
    rgb = np.zeros((3,) + image.shape + (channels,), dtype=dtype)
    weights = (0.2125, 0.7154, 0.0721)
    for c in range(3):
        rgb[..., c] = image.astype(dtype)
    if channels == 4:
        rgb[..., 3] = np.arange(rgb[..., 3].size).reshape(rgb.shape[:3]) % 7  # alpha ignored
    out = np.float32 if dtype == np.float32 else np.float64
    rows = function_rows(rgb, dtype=out, **RAW)
    grey = sum(w * image.astype(dtype).astype(np.float64) for w in weights)
    expected = gradient_histogram(grey, **RAW).histogram
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(rows, np.stack([expected] * 3), rtol=rtol,
                               atol=rtol * expected.max())
    assert rows.dtype == out


@pytest.mark.parametrize("form", ["stack", "list", "rows", "colour"])
def test_float32_batches_give_float32_when_asked(image, form):
    images = np.stack([image, image.T[:9, :11] if image.shape == (11, 9) else image[::-1]])
    images = images.astype(np.float32)
    params = {}
    if form == "list":
        X = list(images)
    elif form == "rows":
        X, params = images.reshape(2, -1), dict(image_shape=image.shape)
    elif form == "colour":
        X = np.repeat(images[..., None], 4, axis=-1)
    else:
        X = images
    rows = fit_transform(X, include_orientation=True, dtype="float32", **params)
    assert rows.dtype == np.float32 and np.isfinite(rows).all()
    assert fit_transform(X, **params).dtype == np.float64  # the default
    # Upright, so that no alignment near-tie of these noise images (which
    # the contract leaves to either answer) hides the bound.
    upright = dict(include_orientation=True, rotation_invariant=False)
    single = fit_transform(X, dtype="float32", **upright, **params)
    double = fit_transform(images.astype(np.float64), **upright)
    values = slice(0, 3 * 9 * 36)  # the histograms, not the orientations
    difference = np.abs(single[:, values] - double[:, values])
    tolerance = float32_tolerance(images.astype(np.float64), rotation_invariant=False)
    assert (difference <= tolerance * 1.001).all()


def test_float16_and_long_double_compute_in_float64(image):
    for dtype in (np.float16, np.longdouble):
        result = gradient_histogram(image.astype(dtype))
        assert result.histogram.dtype == np.float64
        np.testing.assert_allclose(result.histogram, gradient_histogram(image).histogram,
                                   rtol=1e-12)
        # found by the fuzz harness: float16 batches once warned about an
        # overflow while checking their range
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for X in (np.stack([image, image]).astype(dtype), [image.astype(dtype)]):
                rows = fit_transform(X)
                assert rows.dtype == np.float64 and np.isfinite(rows).all()


# -- files --


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "no such image.png"
    with pytest.raises(ImageReadError, match="no such image.png.*no such file") as info:
        read_image(path)
    assert info.value.path == os.fspath(path)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ImageReadError, match="no such image.png"):
        fit_transform([str(path)])


@pytest.mark.parametrize(
    "content, fragment",
    [(b"", "the file is empty"), (b"hello, not an image", "not a readable image file"),
     (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "not a readable image file")],
)
def test_file_that_is_not_an_image_names_the_path(tmp_path, content, fragment):
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=f"broken.png.*{fragment}"):
        read_image(path)
    good = tmp_path / "good.png"
    from skimage import io

    io.imsave(good, np.zeros((4, 4), dtype=np.uint8), check_contrast=False)
    with pytest.raises(ImageReadError, match="broken.png"):
        fit_transform([str(good), str(path)])


def test_directory_names_the_path(tmp_path):
    with pytest.raises(ImageReadError, match="is a directory"):
        read_image(tmp_path)


def test_image_files_in_every_depth(tmp_path):
    from skimage import io

    rng = np.random.default_rng(1)
    grey16 = rng.integers(0, 65536, size=(6, 5), dtype=np.uint16)
    rgba = rng.integers(0, 256, size=(6, 5, 4), dtype=np.uint8)
    paths = [str(tmp_path / "grey16.png"), str(tmp_path / "rgba.png")]
    io.imsave(paths[0], grey16, check_contrast=False)
    io.imsave(paths[1], rgba, check_contrast=False)
    rows = function_rows(paths)
    np.testing.assert_array_equal(rows[0], gradient_histogram(grey16).histogram)
    np.testing.assert_array_equal(rows[1], gradient_histogram(rgba).histogram)
    np.testing.assert_array_equal(fit_transform(paths), default_rows([grey16, rgba]))


@pytest.mark.parametrize("bound, value", [("lower", "a"), ("upper", "10"), ("lower", None),
                                          ("upper", True), ("lower", [1.0, 2.0])])
def test_orientation_mask_bounds_must_be_numbers(image, bound, value):
    # "a" used to reach np.isfinite, whose message names neither the bound nor degrees.
    bounds = {"lower": 0.0, "upper": 10.0, bound: value}
    with pytest.raises(TypeError, match=f"{bound} must be a real number of degrees, got "
                                        f"{re.escape(repr(value))} of type"):
        orientation_mask(image, bounds["lower"], bounds["upper"])


def test_orientation_mask_takes_numpy_scalars(image):
    np.testing.assert_array_equal(orientation_mask(image, np.float32(0), np.int64(10)),
                                  orientation_mask(image, 0.0, 10.0))
