"""HistogramOptions: every parameter validated once, normalised, and carried
unchanged to engines, workers and dask blocks."""

import dataclasses
import pickle

import numpy as np
import pytest

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram
from gradhist_sklearn._options import HistogramOptions


def test_defaults_are_the_public_defaults(engine):
    options = HistogramOptions()
    transformer = GradientHistogramTransformer()
    for name in ("angle_bins", "unidirectional", "rotation_invariant", "normalize", "operator",
                 "sigma", "invariance"):
        assert getattr(options, name) == getattr(transformer, name), name
    assert options.engine == engine
    assert (options.frame, options.size) == ((0.0, 0.0, 0.0), None)


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
])
def test_alignment(params, alignment):
    assert HistogramOptions(**params).alignment == alignment


@pytest.mark.parametrize("params, error, message", [
    (dict(angle_bins=True), TypeError, "angle_bins must be a positive integer, got True"),
    (dict(angle_bins=0), ValueError, "positive integer, got 0"),
    (dict(angle_bins=7, unidirectional=True), ValueError, "must be even when unidirectional"),
    (dict(unidirectional="False"), TypeError, "unidirectional must be True or False"),
    (dict(normalize=1), TypeError, "normalize must be True or False"),
    (dict(include_orientation=None), TypeError, "include_orientation must be True or False"),
    (dict(operator="roberts"), ValueError, "Unknown operator 'roberts'; choose one of 'sobel'"),
    (dict(operator=np.array("sobel")), ValueError, "Unknown operator"),
    (dict(invariance="median"), ValueError, "Unknown invariance 'median'"),
    (dict(sigma=0.0), ValueError, "sigma must be a positive finite number"),
    (dict(sigma="1"), TypeError, "sigma must be a positive real number"),
    (dict(frame=(1, 2, 3, 4)), ValueError, "frame must be"),
    (dict(size=(-1, 2)), ValueError, "must not be negative"),
    (dict(engine="fortran"), ValueError, "is not an engine"),
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


def test_from_params_keeps_only_its_fields():
    transformer = GradientHistogramTransformer(angle_bins=8, n_jobs=3, image_shape=(2, 2))
    options = HistogramOptions.from_params(transformer.get_params(), engine="plain")
    assert options.angle_bins == 8 and options.engine == "plain"
    assert options.include_orientation is False
    assert transformer._options().feature_names() == list(
        transformer.fit(np.zeros((1, 4))).get_feature_names_out())


@pytest.mark.parametrize("params, names", [
    (dict(angle_bins=4), ["angle_000", "angle_090", "angle_180", "angle_270",
                          "main_orientation", "orientation_strength"]),
    (dict(angle_bins=16, unidirectional=True, include_orientation=False),
     ["angle_000.000", "angle_022.500", "angle_045.000", "angle_067.500", "angle_090.000",
      "angle_112.500", "angle_135.000", "angle_157.500"]),
    (dict(angle_bins=4, invariance="dft_magnitude", include_orientation=False),
     ["dft_magnitude_00", "dft_magnitude_01", "dft_magnitude_02"]),
])
def test_feature_names(params, names):
    assert HistogramOptions(**params).feature_names() == names
