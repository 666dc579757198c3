"""One fitted transformer shared by threads, and transformers that travel
(pickle, joblib, clone, deepcopy) keep their numbers."""

import copy
import io
import pickle
import threading

import joblib
import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from gradhist_sklearn import GradientHistogramTransformer


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(11)
    return rng.integers(0, 256, size=(24, 20, 18)).astype(np.uint8)


def inputs(images):
    """The same images in several forms and dtypes, with their shapes for the rows."""
    n, h, w = images.shape
    return {
        "stack": images,
        "float32": images.astype(np.float32),
        "list": [image[: h - i % 3, : w - i % 4] for i, image in enumerate(images)],
        "colour": np.repeat(images[..., None], 4, axis=-1),
    }


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_one_transformer_many_threads(images, n_jobs):
    transformer = GradientHistogramTransformer(angle_bins=24, include_orientation=True,
                                               n_jobs=n_jobs).fit(images)
    forms = inputs(images)
    with parallel_config(backend="threading"):
        expected = {name: transformer.transform(X) for name, X in forms.items()}
    n_threads, rounds = 8, 4
    barrier = threading.Barrier(n_threads)
    results, errors = {}, []

    def work(worker):
        try:
            barrier.wait()  # start together, to overlap as much as possible
            with parallel_config(backend="threading"):
                for r in range(rounds):
                    name = list(forms)[(worker + r) % len(forms)]
                    results[(worker, r)] = (name, transformer.transform(forms[name]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == n_threads * rounds
    for name, got in results.values():
        np.testing.assert_array_equal(got, expected[name])
        assert got.dtype == expected[name].dtype


def test_fitting_clones_in_threads_does_not_interfere(images):
    n, h, w = images.shape
    flat = images.reshape(n, -1)
    prototype = GradientHistogramTransformer(image_shape=(h, w))
    expected = prototype.fit_transform(flat)
    fitted = [None] * 6

    def work(i):
        fitted[i] = clone(prototype).fit(flat if i % 2 else images)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, transformer in enumerate(fitted):
        assert hasattr(transformer, "n_features_in_") == bool(i % 2)
        np.testing.assert_array_equal(transformer.transform(images), expected)


def fitted_variants(images):
    n, h, w = images.shape
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(images.reshape(n, -1),
                             columns=[f"p{i}" for i in range(h * w)])
    return [
        (GradientHistogramTransformer(angle_bins=12), images),
        (GradientHistogramTransformer(unidirectional=True, include_orientation=True,
                                      operator="scharr"), images.astype(np.float32)),
        (GradientHistogramTransformer(image_shape=(h, w), frame=(2, 3, 30), size=(10, 9)),
         images.reshape(n, -1)),
        (GradientHistogramTransformer(image_shape=(h, w)), frame),
        (GradientHistogramTransformer(frame=np.eye(3), size=(8, 8)), list(images)),
    ]


@pytest.mark.parametrize("variant", range(5))
@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_round_trip(images, variant, protocol):
    transformer, X = fitted_variants(images)[variant]
    expected = transformer.fit_transform(X)
    restored = pickle.loads(pickle.dumps(transformer, protocol=protocol))
    np.testing.assert_array_equal(restored.transform(X), expected)
    # Every parameter's value survives (frame may be an array: assert_equal).
    assert restored.get_params().keys() == transformer.get_params().keys()
    np.testing.assert_equal(restored.get_params(), transformer.get_params())
    for attribute in ("image_shape_", "n_features_in_", "feature_names_in_"):
        assert hasattr(restored, attribute) == hasattr(transformer, attribute)
    np.testing.assert_array_equal(restored.get_feature_names_out(),
                                  transformer.get_feature_names_out())


@pytest.mark.parametrize("variant", range(5))
def test_joblib_dump_and_deepcopy(images, variant):
    transformer, X = fitted_variants(images)[variant]
    expected = transformer.fit_transform(X)
    buffer = io.BytesIO()
    joblib.dump(transformer, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).transform(X), expected)
    np.testing.assert_array_equal(copy.deepcopy(transformer).transform(X), expected)


@pytest.mark.parametrize("variant", range(5))
def test_clone_is_unfitted_with_equal_parameters(images, variant):
    transformer, X = fitted_variants(images)[variant]
    expected = transformer.fit_transform(X)
    twin = clone(transformer)
    assert twin is not transformer
    params, twin_params = transformer.get_params(), twin.get_params()
    assert params.keys() == twin_params.keys()
    for key, value in params.items():
        np.testing.assert_equal(twin_params[key], value)
    with pytest.raises(NotFittedError):
        twin.transform(X)
    np.testing.assert_array_equal(twin.fit_transform(X), expected)


def test_unfitted_transformer_pickles_unfitted(images):
    restored = pickle.loads(pickle.dumps(GradientHistogramTransformer(angle_bins=8)))
    with pytest.raises(NotFittedError):
        restored.transform(images)
    # 3 default scales of the default 3 x 3 cells
    assert restored.fit_transform(images).shape == (len(images), 3 * 9 * 8)
    np.testing.assert_array_equal(restored.transform(images),
                                  GradientHistogramTransformer(angle_bins=8).fit_transform(images))
