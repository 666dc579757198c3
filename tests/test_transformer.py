"""GradientHistogramTransformer: scikit-learn API, input forms, parallelism."""

import pickle
import warnings

import numpy as np
import pytest
from _images import DEFAULT_SCALES, FUNCTION_DEFAULTS, camera_crops, default_rows
from _precision import float32_tolerance
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram


@pytest.fixture(scope="module")
def images():
    return camera_crops(12, 48, 40, seed=0)


def expected_rows(images, **params):
    return np.stack([gradient_histogram(image, **params).histogram for image in images])


def test_rows_equal_gradient_histogram(images):
    params = dict(angle_bins=24, unidirectional=True, operator="scharr", **FUNCTION_DEFAULTS)
    got = GradientHistogramTransformer(**params).fit_transform(images)
    np.testing.assert_array_equal(got, expected_rows(images, **params))


def test_default_rows_are_three_square_rooted_scales(images):
    # The defaults: sigma=(0.5, 1, 2), normalize='sqrt' and a grid of 3 x 3
    # cells, one block of 9 x 36 columns per scale, each the square root of
    # the function's histogram of that grid.
    transformer = GradientHistogramTransformer()
    assert transformer.sigma == DEFAULT_SCALES == (0.5, 1.0, 2.0)
    assert transformer.normalize == "sqrt"
    assert transformer.layout == "grid" and transformer.grid_shape == (3, 3)
    got = transformer.fit_transform(images)
    assert got.shape == (len(images), 3 * 9 * 36)
    np.testing.assert_array_equal(got, default_rows(images))
    for block, sigma in zip(np.split(got, 3, axis=1), DEFAULT_SCALES, strict=True):
        np.testing.assert_allclose(
            block ** 2, expected_rows(images, sigma=sigma, layout="grid"), rtol=1e-12)
    # The function's defaults give the function's rows.
    np.testing.assert_array_equal(
        GradientHistogramTransformer(**FUNCTION_DEFAULTS).fit_transform(images),
        expected_rows(images))


def test_input_forms_agree(images, tmp_path):
    from skimage import io

    n, h, w = images.shape
    reference = GradientHistogramTransformer().fit_transform(images)
    flat = GradientHistogramTransformer(image_shape=(h, w)).fit_transform(images.reshape(n, -1))
    as_list = GradientHistogramTransformer().fit_transform(list(images))
    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / f"image{i}.png"))
        io.imsave(paths[-1], image, check_contrast=False)
    from_files = GradientHistogramTransformer(n_jobs=2).fit_transform(paths)
    for got in (flat, as_list, from_files):
        np.testing.assert_array_equal(got, reference)


def test_colour_batch_uses_luma(images):
    rgba = np.zeros(images.shape + (4,), dtype=np.float64)
    rgba[..., 1] = images  # all in the green channel, alpha anything
    rgba[..., 3] = 77
    got = GradientHistogramTransformer().fit_transform(rgba)
    reference = GradientHistogramTransformer().fit_transform(images * 0.7154)
    np.testing.assert_allclose(got, reference, rtol=1e-12)


def test_ragged_list_with_normalize_is_size_independent(images):
    image = images[0].astype(float)
    mirrored = np.hstack([image, image[:, ::-1]])  # twice the pixels, same statistics
    rows = GradientHistogramTransformer(rotation_invariant=False,
                                        **FUNCTION_DEFAULTS).fit_transform([image, mirrored])
    np.testing.assert_allclose(rows[0].sum(), rows[1].sum(), rtol=1e-12)
    # The default square roots keep it: each scale's squares sum to its mean
    # magnitude (of the whole image: one histogram, as the cells of a grid
    # hold different parts of the two images).
    rows = GradientHistogramTransformer(rotation_invariant=False, layout="global").fit_transform(
        [image, mirrored])
    squares = (rows ** 2).reshape(2, 3, 36).sum(axis=2)
    np.testing.assert_allclose(squares[0], squares[1], rtol=1e-12)
    assert squares.min() > 0


@pytest.mark.parametrize("pixels", [np.float32, np.float64, np.uint8, np.uint16])
@pytest.mark.parametrize("dtype, out", [(None, np.float64), ("float32", np.float32),
                                        ("float64", np.float64), (np.float32, np.float32),
                                        (np.float64, np.float64)])
def test_output_dtype_is_the_parameter_s(images, pixels, dtype, out):
    params = {} if dtype is None else {"dtype": dtype}
    transformer = GradientHistogramTransformer(include_orientation=True, **params)
    got = transformer.fit_transform(images.astype(pixels))
    assert got.dtype == out
    assert np.isfinite(got).all()


def test_float32_close_to_float64(images):
    # Within the contract's bound (docs/contract.rst, "Precision").
    single = GradientHistogramTransformer(dtype="float32").fit_transform(
        images.astype(np.float32))
    double = GradientHistogramTransformer().fit_transform(images.astype(np.float64))
    difference = np.abs(single.astype(np.float64) - double)
    assert (difference <= float32_tolerance(images.astype(np.float64)) * 1.001).all()


EIGHT_ANGLES = ["angle_000.000", "angle_045.000", "angle_090.000", "angle_135.000",
                "angle_180.000", "angle_225.000", "angle_270.000", "angle_315.000"]


def test_include_orientation_and_feature_names(images):
    # One scale: the bin centres in degrees, three decimals.
    transformer = GradientHistogramTransformer(angle_bins=8, include_orientation=True,
                                               **FUNCTION_DEFAULTS)
    rows = transformer.fit_transform(images)
    assert rows.shape == (len(images), 10)
    assert list(transformer.get_feature_names_out()) == EIGHT_ANGLES + [
        "main_orientation", "orientation_strength"]
    singles = [gradient_histogram(im, angle_bins=8) for im in images]
    np.testing.assert_allclose(rows[:, -2], [single.main_orientation for single in singles])
    np.testing.assert_allclose(rows[:, -1], [single.orientation_strength for single in singles])
    assert ((rows[:, -1] >= 0) & (rows[:, -1] <= 1)).all()
    odd = GradientHistogramTransformer(angle_bins=7, **FUNCTION_DEFAULTS).fit(images)
    odd = odd.get_feature_names_out()
    assert odd[1] == "angle_051.429" and len(set(odd)) == 7
    uni = GradientHistogramTransformer(angle_bins=8, unidirectional=True, **FUNCTION_DEFAULTS)
    assert list(uni.fit(images).get_feature_names_out()) == EIGHT_ANGLES[:4]
    # Three scales (the default): each block's names prefixed with its sigma,
    # then each scale's main orientation and strength, prefixed the same way.
    transformer = GradientHistogramTransformer(angle_bins=8, include_orientation=True,
                                               layout="global")
    rows = transformer.fit_transform(images)
    assert rows.shape == (len(images), 3 * 8 + 3 * 2)
    assert list(transformer.get_feature_names_out()) == [
        f"sigma{sigma}_{angle}" for sigma in ("0.5", "1", "2") for angle in EIGHT_ANGLES
    ] + [f"sigma{sigma}_{name}" for sigma in ("0.5", "1", "2")
         for name in ("main_orientation", "orientation_strength")]
    for k, sigma in enumerate((0.5, 1.0, 2.0)):
        singles = [gradient_histogram(im, angle_bins=8, sigma=sigma) for im in images]
        np.testing.assert_allclose(rows[:, 24 + 2 * k],
                                   [single.main_orientation for single in singles])
        np.testing.assert_allclose(rows[:, 25 + 2 * k],
                                   [single.orientation_strength for single in singles])
    odd = GradientHistogramTransformer(angle_bins=7, layout="global").fit(images)
    odd = odd.get_feature_names_out()
    assert odd[1] == "sigma0.5_angle_051.429" and odd[7] == "sigma1_angle_000.000"
    assert len(set(odd)) == 3 * 7
    # The default grid: every cell's names, row by row, after each sigma prefix.
    names = GradientHistogramTransformer(angle_bins=8).fit(images).get_feature_names_out()
    assert list(names) == [f"sigma{sigma}_cell{i}_{j}_{angle}" for sigma in ("0.5", "1", "2")
                           for i in range(3) for j in range(3) for angle in EIGHT_ANGLES]


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_set_output_dataframes(images, library):
    pytest.importorskip(library)
    params = dict(angle_bins=12, layout="global")
    transformer = GradientHistogramTransformer(**params).set_output(transform=library)
    frame = transformer.fit_transform(images)
    angles = ["angle_000.000", "angle_030.000", "angle_060.000", "angle_090.000",
              "angle_120.000", "angle_150.000", "angle_180.000", "angle_210.000",
              "angle_240.000", "angle_270.000", "angle_300.000", "angle_330.000"]
    assert list(frame.columns) == [f"sigma{sigma}_{angle}" for sigma in ("0.5", "1", "2")
                                   for angle in angles]
    assert frame.shape == (len(images), 3 * 12)
    np.testing.assert_array_equal(
        frame.to_numpy(), GradientHistogramTransformer(**params).fit_transform(images))
    # The default grid's frame: its columns are the transformer's names.
    transformer = GradientHistogramTransformer().set_output(transform=library)
    frame = transformer.fit_transform(images)
    assert list(frame.columns) == list(transformer.get_feature_names_out())
    assert frame.shape == (len(images), 3 * 9 * 36)
    np.testing.assert_array_equal(frame.to_numpy(), default_rows(images))


def test_two_d_input_without_image_shape_is_one_row_images():
    X = np.array([[0.0, 1.0, 4.0, 9.0], [5.0, 5.0, 5.0, 5.0]])
    with pytest.warns(UserWarning, match="one-pixel-high image of 4 pixels"):
        rows = GradientHistogramTransformer(angle_bins=4, rotation_invariant=False,
                                            normalize=False, sigma=1.25,
                                            layout="global").fit_transform(X)
    expected = [gradient_histogram(row[None, :], angle_bins=4, rotation_invariant=False,
                                   normalize=False).histogram for row in X]
    np.testing.assert_array_equal(rows, expected)
    assert rows[1].sum() == 0


def test_two_d_input_without_image_shape_warns_with_the_likelier_readings():
    digits = np.zeros((5, 64))  # load_digits' rows: flattened 8x8 images
    with pytest.warns(UserWarning, match=r"perhaps image_shape=\(8, 8\)") as caught:
        transformer = GradientHistogramTransformer().fit(digits)
    assert caught[0].filename == __file__  # points at the caller, not the library
    with pytest.warns(UserWarning, match=r"one grey image, pass X\[np.newaxis\]"):
        GradientHistogramTransformer().fit_transform(np.zeros((30, 40)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        transformer.transform(digits)  # said once, at fit
        ones = GradientHistogramTransformer(image_shape=(1, 64)).fit_transform(digits)
        eights = GradientHistogramTransformer(image_shape=(8, 8)).fit_transform(digits)
    assert ones.shape == eights.shape == (5, 3 * 9 * 36)  # the default grid's columns


def test_fit_records_shape_and_transform_checks_it(images):
    n, h, w = images.shape
    flat = images.reshape(n, -1)
    transformer = GradientHistogramTransformer(image_shape=(h, w)).fit(flat)
    assert transformer.n_features_in_ == h * w
    assert transformer.image_shape_ == (h, w)
    with pytest.raises(ValueError, match="features"):
        transformer.transform(flat[:, :-1])
    stack = GradientHistogramTransformer().fit(images)
    assert stack.image_shape_ == (h, w) and not hasattr(stack, "n_features_in_")
    # Normalised histograms of other sizes are comparable, so a stack may
    # change size: 3 x 3 cells of 36 bins at each of the 3 default scales.
    assert stack.transform(images[:, :20, :20]).shape == (n, 3 * 9 * 36)


def test_unfitted_transform_raises(images):
    with pytest.raises(NotFittedError):
        GradientHistogramTransformer().transform(images)


@pytest.mark.parametrize(
    "params, error, message",
    [
        # scikit-learn's parameter validation (InvalidParameterError is both a
        # ValueError and a TypeError): the message names the constraint.
        (dict(angle_bins=0), InvalidParameterError,
         r"'angle_bins' parameter .* must be an int in the range \[1, 65536\]\. Got 0 instead"),
        (dict(angle_bins=2.5), InvalidParameterError,
         r"'angle_bins' parameter .* must be an int in the range \[1, 65536\]\. Got 2\.5 "),
        (dict(angle_bins="36"), InvalidParameterError,
         r"'angle_bins' parameter .* must be an int in the range \[1, 65536\]\. Got '36' "),
        (dict(angle_bins=35, unidirectional=True), ValueError, "must be even"),
        (dict(operator="roberts"), InvalidParameterError,
         r"'operator' parameter .* must be a str among \{.*'sobel'.*\}\. Got 'roberts' "),
        (dict(image_shape=(5, 5)), ValueError, "holds 25 pixels"),
        (dict(image_shape=(0, 1920)), ValueError, "two positive integers"),
        (dict(size=(-1, 3)), ValueError, "must not be negative"),
        (dict(dtype=np.float16), InvalidParameterError,
         r"'dtype' parameter .* must be a str among .* or a type among .*float32"),
    ],
    ids=["angle_bins=0", "angle_bins=2.5", "angle_bins='36'", "odd_unidirectional",
         "operator", "image_shape_pixels", "image_shape_zero", "negative_size",
         "dtype"],
)
def test_bad_parameters(images, params, error, message):
    X = images.reshape(len(images), -1)
    with pytest.raises(error, match=message):
        GradientHistogramTransformer(**params).fit(X)


def test_pickle_and_clone(images):
    transformer = GradientHistogramTransformer(angle_bins=12).fit(images)
    restored = pickle.loads(pickle.dumps(transformer))
    np.testing.assert_array_equal(restored.transform(images), transformer.transform(images))
    twin = clone(transformer)
    assert not hasattr(twin, "image_shape_")
    with pytest.raises(NotFittedError):
        twin.transform(images)
    np.testing.assert_array_equal(twin.fit_transform(images), transformer.transform(images))


def test_grid_search_over_angle_bins_on_digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[::3], y[::3]
    pipeline = make_pipeline(GradientHistogramTransformer(image_shape=(8, 8)), SVC())
    search = GridSearchCV(pipeline, {"gradienthistogramtransformer__angle_bins": [8, 16, 36]},
                          cv=3, n_jobs=2)
    search.fit(X, y)
    assert search.best_params_["gradienthistogramtransformer__angle_bins"] in (8, 16, 36)
    # angle_bins reaches the transformer: the candidates do not all score alike.
    assert len(set(np.round(search.cv_results_["mean_test_score"], 12))) > 1
    # Orientation histograms of digits carry real signal: far above chance (0.1).
    assert search.best_score_ > 0.5


@pytest.mark.parametrize("n_jobs", [0, 10**6, -(10**6), 2.0, True])
def test_n_jobs_is_bounded_and_named(images, n_jobs):
    # 10**6 used to reach joblib, whose message did not name the parameter.
    with pytest.raises(InvalidParameterError,
                       match=r"'n_jobs' parameter of GradientHistogramTransformer must be None, "
                             r"an int in the range \[-1024, -1\] or an int in the range "
                             r"\[1, 1024\]"):
        GradientHistogramTransformer(n_jobs=n_jobs).fit(images)


def test_input_features_checked_as_scikit_learn_checks_them(images):
    flat = GradientHistogramTransformer(image_shape=images.shape[1:])
    flat.fit(images.reshape(len(images), -1))
    names = flat.get_feature_names_out()
    n_features = images.shape[1] * images.shape[2]
    assert list(flat.get_feature_names_out([f"x{i}" for i in range(n_features)])) == list(names)
    with pytest.raises(ValueError, match=f"equal to number of features \\({n_features}\\)"):
        flat.get_feature_names_out(["a"])
    # Images have no columns to name: only None says what fit saw.
    stack = GradientHistogramTransformer().fit(images)
    assert list(stack.get_feature_names_out()) == list(names)
    with pytest.raises(ValueError, match="fitted on images, which have no columns.*"
                                         "Pass input_features=None"):
        stack.get_feature_names_out(["a"])


def test_input_features_checked_against_the_columns_of_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.zeros((2, 3)), columns=["a", "b", "c"])
    columns = GradientHistogramTransformer(image_shape=(1, 3)).fit(frame)
    assert len(columns.get_feature_names_out(["a", "b", "c"])) == 3 * 9 * 36
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        columns.get_feature_names_out(["a", "b", "d"])
