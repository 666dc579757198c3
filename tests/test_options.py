"""HistogramOptions: every parameter validated once, normalised, and carried
unchanged to engines, workers and dask blocks."""

import dataclasses
import inspect
import pickle

import numpy as np
import pytest

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram
from gradhist_sklearn._options import HistogramOptions

#: gradient_histogram's defaults as the options object stores them.
STORED = {"normalize": {True: "pixels"}, "frame": {None: (0.0, 0.0, 0.0)}}


def test_defaults_are_the_function_s_defaults(engine):
    options = HistogramOptions()
    signature = inspect.signature(gradient_histogram).parameters
    shared = [field.name for field in dataclasses.fields(HistogramOptions)
              if field.name in signature]
    assert set(shared) == {"angle_bins", "unidirectional", "rotation_invariant", "normalize",
                           "operator", "sigma", "invariance", "frame", "size", "layout",
                           "n_rings", "grid_shape", "azimuthal_harmonics", "azimuthal_bins",
                           "azimuthal_invariants", "dtype"}
    for name in shared:
        default = signature[name].default
        assert getattr(options, name) == STORED.get(name, {}).get(default, default), name
    assert (options.normalize, options.sigma, options.layout) == ("pixels", 1.25, "global")
    assert options.engine == engine and options.include_orientation is True


def test_the_transformer_s_defaults_differ_in_sigma_normalize_and_layout(engine):
    signature = inspect.signature(gradient_histogram).parameters
    params = GradientHistogramTransformer().get_params()
    differences = {name: value for name, value in params.items()
                   if name in signature and value != signature[name].default}
    # Chosen for classification: three scales, the square root of the
    # histogram, a grid of cells.
    assert differences == {"sigma": (0.5, 1.0, 2.0), "normalize": "sqrt", "layout": "grid"}
    assert params["grid_shape"] == (3, 3) == signature["grid_shape"].default
    assert params["include_orientation"] is False  # the options' default is True
    options = HistogramOptions.from_params(params)
    assert options == HistogramOptions(sigma=(0.5, 1.0, 2.0), normalize="sqrt",
                                       layout="grid", include_orientation=False)
    assert options.n_values == 3 * 9 * 36  # three scales of 3 x 3 cells of 36 bins


def test_values_are_normalised():
    options = HistogramOptions(angle_bins=np.int64(8), unidirectional=np.bool_(True),
                               sigma=2, frame=np.array([1, 2, 30]), size=[4, 5])
    assert type(options.angle_bins) is int and options.angle_bins == 8
    assert options.unidirectional is True
    assert type(options.sigma) is float
    assert options.frame == (1.0, 2.0, 30.0) and options.size == (4.0, 5.0)
    turned = np.array([[0.0, -1.0, 7.0], [1.0, 0.0, 3.0], [0.0, 0.0, 1.0]])
    assert HistogramOptions(frame=turned).frame == pytest.approx((7.0, 3.0, 90.0))
    assert HistogramOptions(size=(np.nan, 3)).size is None


@pytest.mark.parametrize("params, n_bins, n_values, n_columns, period", [
    (dict(), 36, 36, 38, 360.0),
    (dict(unidirectional=True, include_orientation=False), 18, 18, 18, 180.0),
    (dict(invariance="dft_magnitude"), 36, 19, 21, 360.0),
    (dict(invariance="dft_magnitude", rotation_invariant=False), 36, 36, 38, 360.0),
    (dict(angle_bins=10, unidirectional=True, invariance="dft_magnitude"), 5, 3, 5, 180.0),
    (dict(sigma=(0.5, 1.0, 2.0), include_orientation=False), 36, 3 * 36, 3 * 36, 360.0),
    # two orientation columns per scale
    (dict(sigma=(1.0, 2.0), invariance="dft_magnitude"), 36, 2 * 19, 2 * 19 + 4, 360.0),
    (dict(sigma=(1.0, 2.0), operator="sobel"), 36, 36, 36 + 2, 360.0),  # no scale: one block
    (dict(layout="rings", n_rings=4, angle_bins=12), 12, 4 * 12, 4 * 12 + 2, 360.0),
    (dict(layout="grid", grid_shape=(2, 3), sigma=(1.0, 2.0), angle_bins=8,
          unidirectional=True), 4, 2 * 6 * 4, 2 * 6 * 4 + 4, 180.0),
    # rings and grids bin every block plainly: no DFT magnitudes
    (dict(layout="rings", invariance="dft_magnitude"), 36, 3 * 36, 3 * 36 + 2, 360.0),
])
def test_sizes(params, n_bins, n_values, n_columns, period):
    options = HistogramOptions(**params)
    assert (options.n_bins, options.n_values, options.n_columns, options.period) == (
        n_bins, n_values, n_columns, period)
    assert len(options.feature_names()) == n_columns


@pytest.mark.parametrize("params, alignment", [
    (dict(), "harmonics"), (dict(invariance="centre_of_mass_rebin"), "pixels"),
    (dict(invariance="peak"), "peak"),
    (dict(invariance="centre_of_mass"), None), (dict(invariance="dft_magnitude"), None),
    (dict(rotation_invariant=False), None),
    (dict(rotation_invariant=False, invariance="peak"), None),
    # rings measure angles from the radial direction; a grid always aligns
    (dict(layout="rings"), None), (dict(layout="rings", invariance="peak"), None),
    (dict(layout="grid"), "harmonics"), (dict(layout="grid", invariance="peak"), "peak"),
    (dict(layout="grid", invariance="centre_of_mass_rebin"), "pixels"),
    (dict(layout="grid", invariance="centre_of_mass"), "pixels"),
    (dict(layout="grid", invariance="dft_magnitude"), "pixels"),
    (dict(layout="grid", rotation_invariant=False), None),
])
def test_alignment(params, alignment):
    assert HistogramOptions(**params).alignment == alignment


@pytest.mark.parametrize("params, error, message", [
    (dict(angle_bins=True), TypeError, "angle_bins must be a positive integer, got True"),
    (dict(angle_bins=0), ValueError, "positive integer, got 0"),
    (dict(angle_bins=7, unidirectional=True), ValueError, "must be even when unidirectional"),
    (dict(unidirectional="False"), TypeError, "unidirectional must be True or False"),
    (dict(normalize=1), TypeError,
     "normalize must be True, False or one of 'pixels', 'sqrt', 'l1', 'l2', 'hellinger'; got 1"),
    (dict(normalize=None), TypeError, "normalize must be True, False or one of .*; got None"),
    (dict(normalize="max"), ValueError, "normalize must be True, False or one of .*; got 'max'"),
    (dict(include_orientation=None), TypeError, "include_orientation must be True or False"),
    (dict(operator="roberts"), ValueError, "Unknown operator 'roberts'; choose one of 'sobel'"),
    (dict(operator=np.array("sobel")), ValueError, "Unknown operator"),
    (dict(invariance="median"), ValueError, "Unknown invariance 'median'"),
    (dict(sigma=0.0), ValueError, "sigma must be a positive finite number"),
    (dict(sigma=1e-200), ValueError, r"sigma must lie in \[0.01, 1000\] pixels, got 1e-200"),
    (dict(sigma=(1.0, 1e9)), ValueError, "above 1000 its kernels would hold"),
    (dict(sigma="1"), TypeError, "sigma must be a positive real number"),
    (dict(sigma=()), ValueError, "sigma must hold at least one scale"),
    (dict(sigma=(1.0, 1)), ValueError, "sigma must not repeat a scale"),
    (dict(sigma=(1.0, -2.0)), ValueError, "sigma must be a positive finite number"),
    (dict(layout="ring"), ValueError, "Unknown layout 'ring'; choose one of 'global'"),
    (dict(n_rings=0), ValueError, "n_rings must be a positive integer, got 0"),
    (dict(n_rings=2.0), TypeError, "n_rings must be a positive integer, got 2.0"),
    (dict(grid_shape=(3,)), ValueError, r"grid_shape must be \(rows, cols\)"),
    (dict(grid_shape=(3, 0)), ValueError, "grid_shape must be a positive integer, got 0"),
    (dict(frame=(1, 2, 3, 4)), ValueError, "frame must be"),
    (dict(size=(-1, 2)), ValueError, "must not be negative"),
    (dict(engine="fortran"), ValueError, "is not an engine"),
    (dict(dtype="float16"), ValueError, "Unknown dtype 'float16'; choose one of 'float32'"),
    (dict(dtype=np.int32), ValueError, "dtype must be one of 'float32', 'float64', or numpy"),
    (dict(dtype=32), ValueError, "dtype must be one of 'float32', 'float64', or numpy"),
])
def test_bad_values_are_refused_with_the_function_s_messages(params, error, message):
    with pytest.raises(error, match=message):
        HistogramOptions(**params)
    public = {k: v for k, v in params.items() if k not in ("include_orientation", "engine")}
    if public:  # gradient_histogram builds the same object, so says the same
        with pytest.raises(error, match=message):
            gradient_histogram(np.zeros((4, 4)), **public)


def test_frozen_hashable_and_pickled_whole():
    options = HistogramOptions(angle_bins=12, frame=(1, 2, 3), size=(5, 6))
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.angle_bins = 8
    assert options == pickle.loads(pickle.dumps(options))
    assert hash(options) == hash(HistogramOptions(angle_bins=12, frame=(1, 2, 3), size=(5, 6)))
    assert options != HistogramOptions(angle_bins=12)


def test_each_scale_keeps_every_other_option():
    common = dict(normalize=False, layout="grid", grid_shape=(2, 3), frame=(1, 2, 30),
                  size=(5, 6), include_orientation=False, engine="plain")
    options = HistogramOptions(sigma=(0.5, 2.0), **common)
    scales = options.at_scales()
    assert [scale.sigma for scale in scales] == [0.5, 2.0]
    for scale in scales:
        assert scale == HistogramOptions(sigma=scale.sigma, **common)
        assert scale.normalize is None and scale.n_values == 6 * 36
    single = HistogramOptions(**common)
    assert single.at_scales() == [single]


def test_from_params_keeps_only_its_fields():
    transformer = GradientHistogramTransformer(angle_bins=8, n_jobs=3, image_shape=(2, 2))
    options = HistogramOptions.from_params(transformer.get_params(), engine="plain")
    assert options.angle_bins == 8 and options.engine == "plain"
    assert options.include_orientation is False
    assert transformer._options().feature_names() == list(
        transformer.fit(np.zeros((1, 4))).get_feature_names_out())


@pytest.mark.parametrize("params, names", [
    (dict(angle_bins=4), ["angle_000.000", "angle_090.000", "angle_180.000", "angle_270.000",
                          "main_orientation", "orientation_strength"]),
    (dict(angle_bins=3, sigma=(1.0, 2.5), include_orientation=False),
     ["sigma1_angle_000.000", "sigma1_angle_120.000", "sigma1_angle_240.000",
      "sigma2.5_angle_000.000", "sigma2.5_angle_120.000", "sigma2.5_angle_240.000"]),
    (dict(angle_bins=2, layout="rings", n_rings=2, include_orientation=False),
     ["ring0_angle_000.000", "ring0_angle_180.000", "ring1_angle_000.000",
      "ring1_angle_180.000"]),
    (dict(angle_bins=2, layout="grid", grid_shape=(1, 2), sigma=(0.5,)),
     ["sigma0.5_cell0_0_angle_000.000", "sigma0.5_cell0_0_angle_180.000",
      "sigma0.5_cell0_1_angle_000.000", "sigma0.5_cell0_1_angle_180.000",
      "sigma0.5_main_orientation", "sigma0.5_orientation_strength"]),
    (dict(angle_bins=2, sigma=(1.0, 2.0)),
     ["sigma1_angle_000.000", "sigma1_angle_180.000", "sigma2_angle_000.000",
      "sigma2_angle_180.000", "sigma1_main_orientation", "sigma1_orientation_strength",
      "sigma2_main_orientation", "sigma2_orientation_strength"]),
    (dict(angle_bins=16, unidirectional=True, include_orientation=False),
     ["angle_000.000", "angle_022.500", "angle_045.000", "angle_067.500", "angle_090.000",
      "angle_112.500", "angle_135.000", "angle_157.500"]),
    (dict(angle_bins=4, invariance="dft_magnitude", include_orientation=False),
     ["dft_magnitude_00", "dft_magnitude_01", "dft_magnitude_02"]),
    (dict(angle_bins=4, invariance="dft_magnitude", include_orientation=False,
          sigma=(1.0, 2.0)),
     ["sigma1_dft_magnitude_00", "sigma1_dft_magnitude_01", "sigma1_dft_magnitude_02",
      "sigma2_dft_magnitude_00", "sigma2_dft_magnitude_01", "sigma2_dft_magnitude_02"]),
])
def test_feature_names(params, names):
    assert HistogramOptions(**params).feature_names() == names


def test_operators_without_a_scale_give_one_block_whatever_sigma_holds():
    sobel = HistogramOptions(operator="sobel", sigma=(0.5, 1.0, 2.0), include_orientation=False)
    assert sobel.scales == (0.5,) and not sobel.multiscale and sobel.n_values == 36
    assert sobel.feature_names()[:2] == ["angle_000.000", "angle_010.000"]
    image = np.random.default_rng(0).random((12, 12))
    rows = GradientHistogramTransformer(operator="sobel", layout="global").fit_transform(
        image[None])
    np.testing.assert_allclose(
        rows[0], np.sqrt(gradient_histogram(image, operator="sobel").histogram), rtol=1e-12)
    # The default grid: one block of 3 x 3 cells.
    rows = GradientHistogramTransformer(operator="sobel").fit_transform(image[None])
    np.testing.assert_allclose(rows[0], np.sqrt(gradient_histogram(
        image, operator="sobel", layout="grid").histogram), rtol=1e-12)


# -- the parameter table's checks, wherever a value comes in --


@pytest.mark.parametrize("sigma", [(1, 1.0000001), (0.5, 2.0, 2.0000004)])
def test_scales_that_name_the_same_columns_are_refused(sigma):
    # sigma1 and sigma1.0000001 both name their columns "sigma1_...": a table
    # with two columns of one name cannot be read back by pandas or pyarrow.
    message = r"sigma holds the scales .* which name the same columns"
    with pytest.raises(ValueError, match=message) as info:
        HistogramOptions(sigma=sigma)
    assert repr(float(sigma[-2])) in str(info.value) and repr(float(sigma[-1])) in str(info.value)
    with pytest.raises(ValueError, match=message):
        GradientHistogramTransformer(sigma=sigma).fit(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match=message):
        gradient_histogram(np.zeros((8, 8)), sigma=sigma)


def test_command_s_close_scales_are_refused():
    from gradhist_sklearn._cli._parser import build_parser, histogram_options

    args = build_parser().parse_args(["extract", "x", "-o", "o.csv", "--sigma", "1,1.0000001"])
    with pytest.raises(ValueError, match="sigma holds the scales 1.0 and 1.0000001"):
        histogram_options(args)


def test_scales_six_digits_apart_keep_unique_names():
    names = HistogramOptions(sigma=(1.0, 1.00001), angle_bins=4).feature_names()
    assert len(set(names)) == len(names)
    assert names[0].startswith("sigma1_") and names[4].startswith("sigma1.00001_")


@pytest.mark.parametrize("angle_bins", [2**16 + 1, 2**40])
def test_angle_bins_has_an_upper_bound(angle_bins):
    # 2**40 bins used to end in a MemoryError from inside the engine.
    message = f"angle_bins must be at most 65536, got {angle_bins}; 360 gives one-degree bins"
    with pytest.raises(ValueError, match=message):
        HistogramOptions(angle_bins=angle_bins)
    with pytest.raises(ValueError, match=message):
        gradient_histogram(np.zeros((4, 4)), angle_bins=angle_bins)
    with pytest.raises(ValueError, match=r"'angle_bins' parameter .* \[1, 65536\]"):
        GradientHistogramTransformer(angle_bins=angle_bins).fit(np.zeros((2, 4, 4)))
    assert HistogramOptions(angle_bins=2**16).n_bins == 2**16


def test_a_parameter_away_from_its_default_where_it_has_no_effect_is_refused():
    # The table's only_with: such a parameter is refused unless the other
    # parameter has the value it needs (as a per-ring parameter needs rings).
    from gradhist_sklearn._options import _check_only_with
    from gradhist_sklearn._params import Integer, Parameter

    per_ring = Parameter("per_ring", 0, Integer(0), "a value of each ring",
                         only_with=("layout", "rings"))
    _check_only_with(per_ring, {"per_ring": 0, "layout": "grid"})
    _check_only_with(per_ring, {"per_ring": 2, "layout": "rings"})
    with pytest.raises(ValueError, match="per_ring=2 applies only with layout='rings', got "
                                         "layout='grid'. Set layout='rings' or leave "
                                         "per_ring at 0"):
        _check_only_with(per_ring, {"per_ring": 2, "layout": "grid"})


def test_gradient_histogram_refuses_what_only_the_options_take():
    for name in ("include_orientation", "engine", "n_jobs", "nothing"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'"):
            gradient_histogram(np.zeros((4, 4)), **{name: None})
