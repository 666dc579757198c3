"""One home for the equivalence tests: the two engines, the chunking, the
number of jobs and the joblib backends all give the same numbers."""

import inspect

import numpy as np
import pytest
from _images import DEFAULT_SCALES, FUNCTION_DEFAULTS, camera_crops, default_rows
from joblib import parallel_config
from skimage import data

from gradhist_sklearn import (
    GradientHistogramTransformer,
    _batch,
    _engines,
    _gradients,
    _options,
    gradient_histogram,
)
from gradhist_sklearn._engines import _numpy, select_engine
from gradhist_sklearn._histogram import stack_histograms
from gradhist_sklearn._options import HistogramOptions
from gradhist_sklearn._region import region_mask

OPERATORS = ["sobel", "scharr", "prewitt", "farid", "central"]


def options_for(operator, engine, **params):
    """Options of a plain (not aligned) histogram computed by ``engine``."""
    params = dict(dict(angle_bins=36, rotation_invariant=False, normalize=False), **params)
    return HistogramOptions(operator=operator, engine=engine, **params)


def both_engines(stack, operator, region=None, **params):
    pytest.importorskip("numba")
    fast_options = options_for(operator, "numba", **params)
    plain_options = options_for(operator, "plain", **params)
    fast, _ = select_engine(fast_options).histograms(stack, region, fast_options)
    plain, _ = _numpy.histograms(stack, region, plain_options)
    return fast, plain


def add_operator(monkeypatch, name, kernels):
    """Make ``name`` an operator with these kernels for the test's duration."""
    monkeypatch.setitem(_gradients.KERNELS, name, kernels)
    monkeypatch.setattr(_options, "OPERATOR_NAMES", (*_options.OPERATOR_NAMES, name))


@pytest.fixture(scope="module")
def photos():
    camera = data.camera()
    return np.stack([camera[:96, :80], camera[200:296, 300:380], camera[400:496, 50:130]])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float64, bool])
def test_numba_equals_plain(photos, operator, dtype):
    stack = (photos > 128) if dtype is bool else photos.astype(dtype)
    fast, plain = both_engines(stack, operator)
    assert fast.dtype == plain.dtype == np.float64
    # Both engines compute these in float64: only the rounding differs.
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


@pytest.mark.explicit_engines
@pytest.mark.parametrize("operator", OPERATORS)
def test_numba_equals_plain_float32(photos, operator):
    # The plain engine keeps float32 throughout; the kernel reads float32
    # pixels into float64, so they agree to float32 precision.
    fast, plain = both_engines(photos.astype(np.float32), operator)
    np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5 * plain.max())


@pytest.mark.explicit_engines
@pytest.mark.parametrize("invariance", ["centre_of_mass_rebin", "dominant_harmonic"])
@pytest.mark.parametrize("operator", OPERATORS + ["gaussian"])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("roi", [dict(), dict(frame=(20.0, 10.0, 17.0), size=(50, 60))])
@pytest.mark.parametrize("buffered", [True, False])
def test_fused_rebin_equals_the_numpy_route(photos, invariance, operator, unidirectional, roi,
                                           buffered, monkeypatch):
    # The re-binning methods compiled (alignment from the summed gradient
    # vectors, or from the summed harmonic vectors; angles kept between the
    # passes or computed again) against numpy: plain histogram, numpy
    # gradients, second binning pass.
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    if not buffered:
        monkeypatch.setattr(numba_engine._drivers, "BUFFER_PIXELS", 0)

    params = dict(angle_bins=36, unidirectional=unidirectional, rotation_invariant=True,
                  normalize=True, operator=operator, invariance=invariance, **roi)
    stack = np.concatenate([photos, _hard_images(photos.shape[1:])])
    fast, fast_orientations = stack_histograms(stack, HistogramOptions(engine="numba", **params))
    plain, plain_orientations = stack_histograms(stack,
                                                 HistogramOptions(engine="plain", **params))
    np.testing.assert_allclose(fast, plain, rtol=1e-9, atol=1e-12 * plain.max())
    np.testing.assert_allclose(fast_orientations, plain_orientations, rtol=1e-12, atol=1e-9)


def _hard_images(shape):
    """Images whose first harmonic vanishes or is weak, cropped to ``shape``:
    a brick wall, a point-symmetric pattern of cosines (odd harmonics zero
    up to rounding) and a binary silhouette."""
    from test_invariance import symmetric_pattern

    height, width = shape
    brick = data.brick()[100:100 + height, 200:200 + width].astype(np.float64)
    pattern = symmetric_pattern(23.0, size=max(shape))[:height, :width]
    horse = data.horse()[100:100 + height, 150:150 + width] * 255.0
    return np.stack([brick, pattern, horse])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("unidirectional", [False, True])
def test_engines_agree_on_the_dominant_harmonic_of_turned_patterns(unidirectional):
    # The synthetic pattern of tests/test_invariance.py (first harmonic zero),
    # turned: both engines give the same rows and orientations.
    pytest.importorskip("numba")
    from test_invariance import central_disc, symmetric_pattern

    stack = np.stack([symmetric_pattern(angle) for angle in (0.0, 17.3, 103.7, 311.9)])
    params = dict(unidirectional=unidirectional, invariance="dominant_harmonic")
    rows = {}
    for engine in ("numba", "plain"):
        rows[engine] = stack_histograms(stack, HistogramOptions(engine=engine, **params),
                                        central_disc())
    np.testing.assert_allclose(rows["numba"][0], rows["plain"][0], rtol=1e-9,
                               atol=1e-12 * rows["plain"][0].max())
    if unidirectional:  # folded, the second harmonic is the first: well defined
        np.testing.assert_allclose(rows["numba"][1], rows["plain"][1], rtol=1e-12, atol=1e-9)
    else:
        # Strength zero up to rounding: there is no main orientation to agree
        # on (each engine's is the direction of its own rounding noise).
        np.testing.assert_allclose(rows["numba"][1][:, 1], rows["plain"][1][:, 1], atol=1e-12)
        assert rows["plain"][1][:, 1].max() < 1e-12


@pytest.mark.explicit_engines
@pytest.mark.parametrize("bins, unidirectional, offset", [
    (36, True, 0.0), (7, False, 0.0), (360, False, 33.3), (8, True, -150.0), (1, False, 5.0),
    (2, True, 0.0)])
def test_numba_equals_plain_bins_and_offsets(photos, bins, unidirectional, offset):
    fast, plain = both_engines(photos, "sobel", angle_bins=bins, unidirectional=unidirectional,
                               frame=(0.0, 0.0, offset))
    assert fast.shape == plain.shape == (3, bins // 2 if unidirectional else bins)
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


@pytest.mark.explicit_engines
@pytest.mark.parametrize("operator", ["sobel", "farid"])
def test_numba_equals_plain_with_region_and_mask(photos, operator):
    rng = np.random.default_rng(1)
    mask = rng.random(photos.shape[1:]) < 0.6
    region = region_mask(photos.shape[1:], (10.0, 5.0, 30.0), (50.0, 40.0), mask)
    fast, plain = both_engines(photos, operator, region, frame=(0.0, 0.0, 30.0))
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


@pytest.mark.explicit_engines
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (2, 2), (2, 3), (3, 2), (4, 5)])
@pytest.mark.parametrize("operator", OPERATORS)
def test_numba_equals_plain_on_tiny_images(shape, operator):
    # Reflected borders on images narrower than the kernel.
    rng = np.random.default_rng(2)
    stack = rng.integers(0, 256, size=(5, *shape)).astype(np.uint8)
    fast, plain = both_engines(stack, operator)
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-9)


@pytest.mark.explicit_engines
def test_numba_handles_non_contiguous_stacks(photos):
    turned = np.rot90(photos, axes=(1, 2))
    assert not turned.flags.c_contiguous
    fast, plain = both_engines(turned, "sobel")
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


#: The spatial layouts both engines must agree on: rings measured from the
#: x-axis and from the radial direction, and the grid plain, turned to the
#: gradients' dominant harmonic (the default), to their mean direction and
#: to the histogram's peak.
LAYOUTS = {
    "rings": dict(layout="rings", rotation_invariant=False),
    "invariant rings": dict(layout="rings"),
    "one ring": dict(layout="rings", n_rings=1),
    "five rings, 12 bins": dict(layout="rings", n_rings=5, angle_bins=12),
    "grid": dict(layout="grid", rotation_invariant=False),
    "aligned grid": dict(layout="grid"),  # the dominant harmonic, the default
    "mean-aligned grid": dict(layout="grid", invariance="centre_of_mass_rebin"),
    "peak-aligned grid": dict(layout="grid", invariance="peak"),
    "aligned 2x4 grid": dict(layout="grid", grid_shape=(2, 4)),
}


def layout_engines(stack, region=None, **params):
    """Unnormalised block histograms and main orientations of both engines."""
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    results = []
    for engine, module in (("numba", numba_engine), ("plain", _numpy)):
        options = HistogramOptions(engine=engine, normalize=False, include_orientation=True,
                                   **params)
        assert select_engine(options) is module
        results.append(module.histograms(stack, region, options))
    (fast, fast_turns), (plain, plain_turns) = results
    assert fast.shape == plain.shape == (len(stack), options.n_blocks * options.n_bins)
    return fast, plain, fast_turns, plain_turns


def assert_layouts_agree(stack, rtol, region=None, **params):
    fast, plain, fast_turns, plain_turns = layout_engines(stack, region, **params)
    np.testing.assert_allclose(fast, plain, rtol=rtol, atol=rtol * plain.max())
    np.testing.assert_allclose(fast_turns, plain_turns, rtol=0, atol=rtol)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
@pytest.mark.parametrize("operator", ["gaussian", "sobel"])
def test_layouts_numba_equals_plain(photos, name, dtype, operator):
    assert_layouts_agree(photos.astype(dtype), 1e-12, operator=operator, **LAYOUTS[name])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", LAYOUTS)
def test_layouts_numba_equals_plain_float32(photos, name):
    # The reference keeps float32 gradients; the kernel works in float64.
    assert_layouts_agree(photos.astype(np.float32), 1e-5, **LAYOUTS[name])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("unidirectional", [False, True])
def test_layouts_numba_equals_plain_in_a_turned_region(photos, name, unidirectional):
    # A rectangle turned by 17 degrees and a random mask: the blocks follow
    # the rectangle, the angles its x-axis, and only masked-in pixels count.
    frame, size = (20.0, 10.0, 17.0), (50.0, 60.0)
    mask = np.random.default_rng(4).random(photos.shape[1:]) < 0.7
    region = region_mask(photos.shape[1:], frame, size, mask)
    assert_layouts_agree(photos, 1e-12, region, frame=frame, size=size,
                         unidirectional=unidirectional, **LAYOUTS[name])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("normalize", ["pixels", "l2", "hellinger"])
def test_layouts_at_several_scales_numba_equals_plain(photos, name, normalize):
    params = dict(LAYOUTS[name], sigma=(0.5, 1.0, 2.0), normalize=normalize,
                  include_orientation=True)
    fast, fast_turns = stack_histograms(photos, HistogramOptions(engine="numba", **params))
    plain, plain_turns = stack_histograms(photos, HistogramOptions(engine="plain", **params))
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())
    np.testing.assert_allclose(fast_turns, plain_turns, rtol=0, atol=1e-9)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (2, 3), (3, 2), (5, 5)])
@pytest.mark.parametrize("name", LAYOUTS)
def test_layouts_numba_equals_plain_on_tiny_images(shape, name):
    # 1x1: no gradient at all (the ring's centre, spread or not); odd sides
    # put a pixel at the exact centre; the kernel is wider than the image.
    stack = np.random.default_rng(5).integers(0, 256, size=(5, *shape)).astype(np.uint8)
    fast, plain, fast_turns, plain_turns = layout_engines(stack, **LAYOUTS[name])
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fast_turns, plain_turns, rtol=0, atol=1e-9)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("layout", ["global", "grid"])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("roi", [dict(), dict(frame=(20.0, 10.0, 17.0), size=(50, 60))])
@pytest.mark.parametrize("buffered", [True, False])
def test_dominant_harmonic_of_every_aligning_layout_numba_equals_plain(
        photos, layout, unidirectional, roi, buffered, monkeypatch):
    # The default alignment wherever a layout aligns (the global histogram,
    # the turned grid), on photographs and on images whose first harmonic
    # vanishes: the engines take each image's angle with the same decision
    # function, so they agree to rounding, 1e-14 of the largest value (the
    # orientation strengths to 1e-14 too).
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    if not buffered:
        monkeypatch.setattr(numba_engine._drivers, "BUFFER_PIXELS", 0)
    stack = np.concatenate([photos, _hard_images(photos.shape[1:])])
    params = dict(layout=layout, unidirectional=unidirectional, normalize=False,
                  include_orientation=True, invariance="dominant_harmonic", **roi)
    fast, fast_orientations = stack_histograms(stack, HistogramOptions(engine="numba", **params))
    plain, plain_orientations = stack_histograms(stack,
                                                 HistogramOptions(engine="plain", **params))
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-14 * plain.max())
    np.testing.assert_allclose(fast_orientations[:, 1], plain_orientations[:, 1], rtol=0,
                               atol=1e-14)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", ["aligned grid", "mean-aligned grid", "aligned 2x4 grid"])
def test_aligned_grid_without_kept_angles_equals_plain(photos, name, monkeypatch):
    # Images larger than BUFFER_PIXELS compute their gradients again in the
    # second pass instead of keeping the first pass's angles.
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    monkeypatch.setattr(numba_engine._drivers, "BUFFER_PIXELS", 0)
    assert_layouts_agree(photos, 1e-12, **LAYOUTS[name])


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_rows_do_not_depend_on_the_batch(photos, name):
    # The compiled kernel accumulates each image from its own pixels, in
    # pixel order: an image's row is the same alone as in a stack.
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    options = HistogramOptions(engine="numba", include_orientation=True, **LAYOUTS[name])
    together, turns = numba_engine.histograms(photos, None, options)
    for i in range(len(photos)):
        alone, turn = numba_engine.histograms(photos[i:i + 1], None, options)
        np.testing.assert_array_equal(together[i:i + 1], alone)
        np.testing.assert_array_equal(turns[i:i + 1], turn)


@pytest.mark.explicit_engines
def test_any_odd_separable_operator_runs_compiled(photos, monkeypatch):
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    # 7 and 13 taps take the kernel's general path (3 and 5 are unrolled).
    for taps in (7, 13):
        x = np.arange(taps) - taps // 2
        kernels = (x * np.exp(-x * x / 8.0), np.exp(-x * x / 8.0))
        add_operator(monkeypatch, "wide", kernels)
        assert numba_engine.supports(*kernels)
        fast, plain = both_engines(photos, "wide")
        np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


@pytest.mark.explicit_engines
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_per_image_angle_offsets(photos, dtype):
    # One offset per image equals each image binned alone with its offset.
    stack = photos.astype(dtype)
    offsets = np.array([0.0, 33.3, -170.0])
    gx, gy = _numpy.region_gradients(stack, "sobel", None, 1.0)
    together = _numpy.bin_histograms(gx, gy, angle_bins=36, angle_offset=offsets)
    for i, offset in enumerate(offsets):
        alone = _numpy.bin_histograms(gx[i:i + 1], gy[i:i + 1], angle_bins=36,
                                      angle_offset=offset)
        np.testing.assert_array_equal(together[i], alone[0])
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    options = options_for("sobel", "numba")
    together = np.empty((3, 36))
    drivers = numba_engine._drivers
    inputs = drivers.kernel_inputs(stack, None, options)
    arguments = (drivers.binning(stack, options, offsets), drivers._WHOLE,
                 drivers._NO_AZIMUTHAL, np.empty((3, 0)))
    alignment = drivers.FixedAlignment(drivers.FIXED, np.zeros(3), offsets, 36, False, np.ones(3))
    drivers._run(inputs, arguments, alignment, together, drivers._NO_PLAIN)
    for i, offset in enumerate(offsets):
        alone, _ = select_engine(options).histograms(
            stack[i:i + 1], None, options_for("sobel", "numba", frame=(0.0, 0.0, offset)))
        np.testing.assert_array_equal(together[i], alone[0])


def test_integer_chunks_equal_float_chunks(photos, monkeypatch):
    # Integer slices go to the engine as they are (features_of_stack's
    # shortcut); float ones are converted first. Both read the pixels as
    # float64, so the rows are those of each image alone.
    options = GradientHistogramTransformer(operator="sobel", include_orientation=True,
                                           **FUNCTION_DEFAULTS)._options()
    seen = []
    original = _batch.stack_histograms

    def recording(stack, options):
        seen.append(stack.dtype)
        return original(stack, options)

    monkeypatch.setattr(_batch, "stack_histograms", recording)
    from_int = _batch.features_of_stack(photos, 0, options)
    from_float = _batch.features_of_stack(photos.astype(np.float64), 0, options)
    assert photos.dtype == np.uint8 and seen == [np.uint8, np.float64]
    np.testing.assert_array_equal(from_int[0], from_float[0])
    np.testing.assert_array_equal(from_int[1], from_float[1])
    assert from_int[0].dtype == np.float64
    for i, image in enumerate(photos):
        alone = gradient_histogram(image, operator="sobel")
        np.testing.assert_array_equal(from_int[0][i], alone.histogram)
        assert from_int[1][i, 0] == alone.main_orientation
        assert from_int[1][i, 1] == alone.orientation_strength


@pytest.fixture(scope="module")
def images():
    return camera_crops(12, 48, 40, seed=0)


def expected_rows(images, **params):
    return np.stack([gradient_histogram(image, **params).histogram for image in images])


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_same_numbers_for_every_n_jobs_and_backend(images, n_jobs, backend):
    reference = GradientHistogramTransformer().fit_transform(images)
    with parallel_config(backend=backend):
        got = GradientHistogramTransformer(n_jobs=n_jobs).fit_transform(images)
    np.testing.assert_array_equal(got, reference)


@pytest.mark.parametrize("pixels_per_chunk", [1, 1000, 5000, 10**9])
def test_same_numbers_for_every_chunk_size(images, monkeypatch, pixels_per_chunk):
    reference = GradientHistogramTransformer().fit_transform(images)
    monkeypatch.setattr(_batch, "PIXELS_PER_CHUNK", pixels_per_chunk)
    ragged = [images[0], images[1][:20], images[2], images[3][:, :7]]
    np.testing.assert_array_equal(GradientHistogramTransformer().fit_transform(images), reference)
    np.testing.assert_array_equal(GradientHistogramTransformer().fit_transform(ragged),
                                  default_rows(ragged))
    np.testing.assert_array_equal(
        GradientHistogramTransformer(**FUNCTION_DEFAULTS).fit_transform(ragged),
        expected_rows(ragged))


@pytest.fixture(scope="module")
def batch():
    return camera_crops(40, 32, 24, seed=3)


@pytest.mark.parametrize("pixels_per_chunk", [1, 700, 24 * 32 * 7, 10**9])
@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("backend", ["loky", "threading", None])
def test_same_numbers_for_every_chunk_size_n_jobs_and_backend(batch, monkeypatch,
                                                              pixels_per_chunk, n_jobs, backend):
    reference = GradientHistogramTransformer(include_orientation=True).fit_transform(batch)
    monkeypatch.setattr(_batch, "PIXELS_PER_CHUNK", pixels_per_chunk)
    transformer = GradientHistogramTransformer(include_orientation=True, n_jobs=n_jobs)
    if backend is None:
        got = transformer.fit_transform(batch)
    else:
        with parallel_config(backend=backend):
            got = transformer.fit_transform(batch)
    np.testing.assert_array_equal(got, reference)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("pixels_per_pass", [1, 24 * 32 * 3 + 1, 10**9])
def test_same_numbers_for_every_plain_pass_size(batch, monkeypatch, pixels_per_pass):
    # The plain engine takes a chunk a few images at a time (the compiled one
    # ignores the setting, so only the plain engine is tested). Each row is
    # still the image's own: that of the image computed alone.
    monkeypatch.setenv(_engines.ENV_VAR, "plain")
    monkeypatch.setattr(_numpy, "PLAIN_PIXELS_PER_PASS", pixels_per_pass)
    calls, _ = _count_stack_lengths(monkeypatch, _numpy, "stack_gradients")
    got = GradientHistogramTransformer(include_orientation=True,
                                       **FUNCTION_DEFAULTS).fit_transform(batch)
    assert calls == {1: [1] * 40, 24 * 32 * 3 + 1: [3] * 13 + [1], 10**9: [40]}[pixels_per_pass]
    expected = [gradient_histogram(image) for image in batch]
    np.testing.assert_array_equal(got[:, :-2], [e.histogram for e in expected])
    np.testing.assert_array_equal(got[:, -2], [e.main_orientation for e in expected])
    np.testing.assert_array_equal(got[:, -1], [e.orientation_strength for e in expected])


def _count_stack_lengths(monkeypatch, module, name):
    """Wrap ``module.<name>(stack, ...)`` to record each stack's length."""
    lengths = []
    original = getattr(module, name)

    def counting(stack, *args, **kwargs):
        lengths.append(len(stack))
        return original(stack, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return lengths, original


def test_plain_engine_takes_a_chunk_in_passes(batch, monkeypatch, engine):
    # The numpy gradients of a 40-image chunk come in passes of 16 images,
    # at each of the default scales in turn, for the default grid as for one
    # histogram; the compiled kernel reads the chunk itself, without them.
    calls, _ = _count_stack_lengths(monkeypatch, _numpy, "stack_gradients")
    monkeypatch.setattr(_numpy, "PLAIN_PIXELS_PER_PASS", 24 * 32 * 16)
    for layout in ("grid", "global"):
        calls.clear()
        rows = GradientHistogramTransformer(layout=layout).fit_transform(batch)
        assert calls == ([16, 16, 8] * len(DEFAULT_SCALES) if engine == "plain" else [])
        np.testing.assert_array_equal(rows, default_rows(batch, layout=layout))


def test_memory_mapped_batch(batch, tmp_path):
    path = tmp_path / "batch.npy"
    np.save(path, batch)
    mapped = np.load(path, mmap_mode="r")
    reference = GradientHistogramTransformer().fit_transform(batch)
    for n_jobs in (1, 2):
        got = GradientHistogramTransformer(n_jobs=n_jobs).fit_transform(mapped)
        np.testing.assert_array_equal(got, reference)


def test_tiny_images_in_one_chunk(monkeypatch):
    # 8x8 digits: a whole batch is one call into the engine, not one per image,
    # and each row is still the image's own histogram.
    from sklearn.datasets import load_digits

    X = load_digits().data
    calls, _ = _count_stack_lengths(monkeypatch, _batch, "stack_histograms")
    transformer = GradientHistogramTransformer(image_shape=(8, 8))
    rows = transformer.fit_transform(X)
    assert calls == [len(X)]
    # The transformer's defaults, passed on to gradient_histogram explicitly.
    shared = inspect.signature(gradient_histogram).parameters.keys() & transformer.get_params()
    assert shared >= {"angle_bins", "operator", "invariance", "sigma", "frame", "size", "layout"}
    defaults = {name: getattr(transformer, name) for name in shared}
    expected = np.stack([gradient_histogram(image.reshape(8, 8), **defaults).histogram
                         for image in X[:50]])
    np.testing.assert_array_equal(rows[:50], expected)
    assert rows.shape == (len(X), 3 * 9 * 36)  # three scales of 3 x 3 cells
    # ... and with gradient_histogram's own defaults, the function's own rows.
    calls.clear()
    rows = GradientHistogramTransformer(image_shape=(8, 8), **FUNCTION_DEFAULTS).fit_transform(X)
    assert calls == [len(X)]
    np.testing.assert_array_equal(rows[:5], [gradient_histogram(image.reshape(8, 8)).histogram
                                             for image in X[:5]])


@pytest.mark.explicit_engines
def test_numba_equals_plain_on_images_larger_than_a_block():
    # The plain engine bins images of _numpy.BLOCK_PIXELS or more in blocks.
    camera = data.camera()
    stack = np.stack([camera[:300, :200], camera[100:400, 250:450]])
    assert stack[0].size > 3 * _numpy.BLOCK_PIXELS
    fast, plain = both_engines(stack, "sobel")
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12 * plain.max())


def test_large_images_same_for_every_chunk_size_and_n_jobs(monkeypatch):
    camera = data.camera()
    stack = np.stack([camera[:140, :130], camera[300:440, 200:330], camera[::2, ::2][:140, :130]])
    reference = GradientHistogramTransformer().fit_transform(stack)
    monkeypatch.setattr(_batch, "PIXELS_PER_CHUNK", 1)
    np.testing.assert_array_equal(GradientHistogramTransformer(n_jobs=2).fit_transform(stack),
                                  reference)
    one_by_one = [GradientHistogramTransformer().fit_transform(stack[i:i + 1]) for i in range(3)]
    np.testing.assert_array_equal(np.concatenate(one_by_one), reference)
