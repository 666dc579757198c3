"""The transformer on a real dask.distributed cluster, and on dask arrays."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from joblib import parallel_config

from gradhist_sklearn import GradientHistogramTransformer

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

# dask is the subject here, not the engines (tests/test_equivalence.py holds
# them equal): the numpy engine computes, and the compiled one runs on the
# cluster only with the cheapest of the kernels (PARAMS[-1]), so no worker
# has a minute of compiling to do when numba's cache is empty or cannot be
# written. The transformer resolves the engine in this process and sends its
# name to the workers.
pytestmark = pytest.mark.explicit_engines

DEFAULT_ENGINE = "plain"


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each; closed after this module. The
    scheduler's HTTP server takes a free port (``None`` would still take
    8787, and another cluster on the machine would make it warn)."""
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
        memory_limit=0,
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def images():
    from skimage import data

    camera = data.camera()
    return np.stack([camera[r:r + 40, c:c + 56] for r, c in
                     [(0, 0), (60, 300), (200, 100), (330, 420), (450, 30), (100, 220),
                      (250, 250), (400, 380), (17, 450), (300, 10), (150, 150)]])


PARAMS = [
    {},
    {"angle_bins": 16, "unidirectional": True, "include_orientation": True},
    {"rotation_invariant": False, "normalize": False, "operator": "central"},
]

#: Both engines on the cheapest kernel, the numpy engine on the others.
ENGINE_PARAMS = [pytest.param("plain", params) for params in PARAMS] + [
    pytest.param("numba", PARAMS[-1], id="numba-cheapest")]


# The in-process references are computed first throughout: with an empty
# numba cache, this process then compiles each kernel once and the workers
# load it from the cache, instead of every worker compiling it again at the
# same time.


@pytest.mark.parametrize("engine, params", ENGINE_PARAMS, indirect=["engine"])
def test_joblib_dask_backend_gives_the_in_process_numbers(client, images, engine, params):
    ragged_images = [image[: 20 + i] for i, image in enumerate(images)]
    reference = GradientHistogramTransformer(**params).fit_transform(images)
    expected_ragged = GradientHistogramTransformer(**params).fit_transform(ragged_images)
    with parallel_config(backend="dask"):
        got = GradientHistogramTransformer(**params).fit_transform(images)
        ragged = GradientHistogramTransformer(**params).fit_transform(ragged_images)
    np.testing.assert_array_equal(got, reference)
    np.testing.assert_array_equal(ragged, expected_ragged)


def test_joblib_dask_backend_reads_files_on_the_workers(client, images, tmp_path):
    from skimage import io

    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / f"{i}.png"))
        io.imsave(paths[-1], image, check_contrast=False)
    reference = GradientHistogramTransformer().fit_transform(images)
    with parallel_config(backend="dask"):
        got = GradientHistogramTransformer(n_jobs=2).fit_transform(paths)
    np.testing.assert_array_equal(got, reference)


@pytest.mark.parametrize("engine, params", ENGINE_PARAMS, indirect=["engine"])
def test_dask_array_on_the_cluster(client, images, engine, params):
    reference = GradientHistogramTransformer(**params).fit_transform(images)
    X = da.from_array(images, chunks=(4, 20, 56))  # also cut along height: merged first
    transformer = GradientHistogramTransformer(**params).fit(X)
    features = transformer.transform(X)
    assert isinstance(features, da.Array)
    assert features.chunks[0] == (4, 4, 3)
    n_columns = len(transformer.get_feature_names_out())
    assert features.shape == (len(images), n_columns)
    got = client.compute(features).result()
    np.testing.assert_array_equal(got, reference)


def test_dask_colour_and_float32(client, images):
    from skimage import data

    astronaut = data.astronaut()
    colour = np.stack([astronaut[i * 40:i * 40 + 32, i * 30:i * 30 + 48] for i in range(7)])
    reference = GradientHistogramTransformer().fit_transform(colour)
    X = da.from_array(colour, chunks=(2, 32, 48, 3))
    got = GradientHistogramTransformer().fit_transform(X)
    np.testing.assert_array_equal(got.compute(), reference)

    reference32 = GradientHistogramTransformer(dtype="float32").fit_transform(
        images.astype(np.float32))
    X32 = da.from_array(images.astype(np.float32), chunks=5)
    features = GradientHistogramTransformer(dtype="float32").fit_transform(X32)
    assert features.dtype == np.float32
    computed = features.compute()
    assert computed.dtype == np.float32
    np.testing.assert_array_equal(computed, reference32)


def test_dask_array_is_transformed_lazily_block_by_block(images):
    """Nothing is read by fit or transform; computing reads each block once."""
    loaded = []

    def load(block_info=None):
        loaded.append(block_info[None]["chunk-location"][0])
        return images[slice(*block_info[None]["array-location"][0])]

    X = da.map_blocks(load, dtype=images.dtype, chunks=((3, 3, 3, 2), (40,), (56,)),
                      meta=np.empty((0, 0, 0), images.dtype))
    transformer = GradientHistogramTransformer().fit(X)
    features = transformer.transform(X)
    assert loaded == []
    assert transformer.image_shape_ == (40, 56)
    got = features.compute(scheduler="synchronous")
    assert sorted(loaded) == [0, 1, 2, 3]
    np.testing.assert_array_equal(got, GradientHistogramTransformer().fit_transform(images))


def test_a_bad_image_is_named_by_its_index_in_x_not_in_its_block(images):
    X = images.astype(float)
    X[9, 3, 3] = np.nan
    transformer = GradientHistogramTransformer().fit(X[:2])
    lazy = transformer.transform(da.from_array(X, chunks=(4, -1, -1)))
    with pytest.raises(ValueError, match="^Image 9 contains NaN"):
        lazy.compute(scheduler="synchronous")


@pytest.mark.parametrize("engine", ["plain", "numba"], indirect=True)  # in this process
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (1, 1, 1), (1, 4, 4), (2, 3, 3, 3)])
def test_tiny_all_zero_input_is_finite_and_silent(shape, engine):
    """What dask-ml's ParallelPostFit feeds transform to learn the output type."""
    X = np.zeros(shape)
    # Its 2-D input is one-pixel-high images, said explicitly (else fit warns).
    image_shape = (1, shape[1]) if len(shape) == 2 else None
    transformer = GradientHistogramTransformer(include_orientation=True, image_shape=image_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features = transformer.fit_transform(X)
    assert np.isfinite(features).all()
    np.testing.assert_array_equal(features, 0.0)


def test_importing_the_package_does_not_import_dask():
    code = "import sys, gradhist_sklearn; print('dask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_dask_ml_parallel_post_fit_on_flattened_images(images):
    """The documented dask-ml route for flattened images (not in the test extra)."""
    wrappers = pytest.importorskip("dask_ml.wrappers")
    n, h, w = images.shape
    flat = images.reshape(n, -1)
    X = da.from_array(flat, chunks=(4, -1))
    for meta in (None, np.empty((0, 0), dtype=np.float64)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # its all-zero probe must be silent
            model = wrappers.ParallelPostFit(
                GradientHistogramTransformer(image_shape=(h, w)), transform_meta=meta
            ).fit(flat[:2])
            got = model.transform(X).compute(scheduler="synchronous")
        expected = GradientHistogramTransformer(image_shape=(h, w)).fit_transform(flat)
        np.testing.assert_array_equal(got, expected)
