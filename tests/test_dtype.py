"""``dtype='float32'`` against ``'float64'``: the contract's bound
(docs/contract.rst, "Precision"), on random, smooth and real images.

Each value of a histogram before normalisation is within the float32 noise
floor ``F32`` of its float64 value; the main orientation within
``asin(n_bins * F32 / R)`` (``R`` the resultant's length), halved when
unidirectional; both dtypes take the same alignment decisions except in
near-ties (two compared values within ``F32``); and both engines zero the
same rounding residues in float32 as in float64.
"""

import numpy as np
import pytest
from skimage import data

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram
from gradhist_sklearn._invariance import gradient_grains, noise_floor
from gradhist_sklearn._options import HistogramOptions


def _real_crops(size=96):
    astronaut = data.astronaut().mean(axis=2)
    sources = [data.camera(), data.coins(), data.page(), data.brick(), data.grass(),
               astronaut, data.moon()]
    crops = []
    for image in sources:
        top, left = (image.shape[0] - size) // 2, (image.shape[1] - size) // 2
        crops.append(image[top:top + size, left:left + size])
    return np.stack(crops).astype(np.uint8)


def _image_sets():
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, size=(3, 64, 64), dtype=np.uint8)
    ramps = rng.random((3, 64, 64)).cumsum(axis=1).cumsum(axis=2)
    smooth = (255 * ramps / ramps.max(axis=(1, 2), keepdims=True)).astype(np.uint8)
    return {"noise": noise, "smooth": smooth, "real": _real_crops()}


IMAGE_SETS = _image_sets()

CONFIGURATIONS = [
    {},
    {"layout": "global"},
    {"layout": "rings"},
    {"layout": "rings", "azimuthal_harmonics": 2},
    {"layout": "global", "invariance": "centre_of_mass_rebin"},
    {"invariance": "centre_of_mass_rebin"},
    {"unidirectional": True},
    {"angle_bins": 360, "layout": "global"},
    {"rotation_invariant": False},
    {"operator": "sobel", "rotation_invariant": False, "layout": "global"},
    {"operator": "scharr", "layout": "global", "invariance": "centre_of_mass"},
]


def both_dtypes(images, **params):
    """Rows (unnormalised, with the orientations) in float64 and float32."""
    rows = {}
    for dtype in ("float64", "float32"):
        transformer = GradientHistogramTransformer(normalize=False, include_orientation=True,
                                                   dtype=dtype, **params)
        rows[dtype] = transformer.fit_transform(images)
    return rows["float64"], rows["float32"]


def single_floors(images, options):
    """Each scale's float32 grains of the images (``noise_floor`` takes them
    with each scale's mass)."""
    return [gradient_grains(images, scale.kernels, dtype="float32")
            for scale in options.at_scales()]


@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
@pytest.mark.parametrize("kind", sorted(IMAGE_SETS))
def test_float32_within_the_floor_of_float64(kind, params):
    images = IMAGE_SETS[kind]
    double, single = both_dtypes(images, **params)
    assert single.dtype == np.float32 and double.dtype == np.float64
    options = HistogramOptions.from_params(GradientHistogramTransformer(**params).get_params())
    per_scale = options.n_values // len(options.scales)
    histogram = options.n_blocks * options.block_length
    n_pixels = images.shape[1] * images.shape[2]
    for k, grains in enumerate(single_floors(images, options)):
        values = slice(k * per_scale, k * per_scale + histogram)
        mass = double[:, values].sum(axis=1)
        floor = noise_floor(mass, max(n_pixels, histogram), grains)
        difference = np.abs(single[:, values].astype(np.float64) - double[:, values])
        assert (difference <= floor[:, None] * (1 + 1e-6)).all(), (
            k, (difference.max(axis=1) / floor).max())
        # F32 is a worst case; with no alignment to decide (whose near-ties
        # F32 widens), values neither dtype zeroed agree far closer
        # (measured: under 3e-7 of the mass).
        if not options.rotation_invariant or options.layout == "rings":
            kept = (single[:, values] != 0) & (double[:, values] != 0)
            typical = np.where(kept, difference, 0.0).max(axis=1)
            assert (typical <= 1e-5 * mass).all(), (typical / mass).max()
        # The main orientation moves by at most the angle that a change of
        # n_bins * F32 can turn the resultant (strength * M) by.
        angle, strength = options.n_values + 2 * k, options.n_values + 2 * k + 1
        resultant = double[:, strength] * mass
        ratio = np.minimum(1.0, options.n_bins * floor / np.maximum(resultant, 1e-300))
        limit = np.degrees(np.arcsin(ratio)) * (0.5 if options.unidirectional else 1.0)
        moved = np.abs((single[:, angle] - double[:, angle] + 180.0) % 360.0 - 180.0)
        if options.unidirectional:
            moved = np.minimum(moved, 180.0 - moved)
        assert (moved <= limit + 1e-4).all(), (moved, limit)


def test_the_floor_is_a_small_share_of_a_photograph_s_mass():
    # The bound is useful: on real crops, F32 is a small part of the mass.
    images = IMAGE_SETS["real"]
    double, _ = both_dtypes(images, layout="global", sigma=1.0)
    mass = double[:, :36].sum(axis=1)
    grains = gradient_grains(images, HistogramOptions(sigma=1.0).kernels, dtype="float32")
    share = noise_floor(mass, images.shape[1] * images.shape[2], grains) / mass
    assert share.max() < 1e-3 and np.median(share) < 1e-4


def test_float64_floor_is_smaller_than_float32_s():
    images = IMAGE_SETS["real"]
    kernels = HistogramOptions().kernels
    single = gradient_grains(images, kernels, dtype="float32")
    double = gradient_grains(images, kernels)
    np.testing.assert_allclose(single / double, 2.0 ** 29 * (1 + 8 * np.sqrt(2) / 11))


DEGENERATE = {
    "flat": np.full((16, 16), 7.0),
    "disc": (np.hypot(*np.mgrid[-8:9, -8:9]) <= 6).astype(np.uint8) * 200,
    "checkerboard": (np.indices((16, 16)).sum(axis=0) % 2).astype(np.uint8) * 255,
    "one bright pixel": np.pad(np.array([[255]], dtype=np.uint8), 7),
    "one row": np.arange(9, dtype=np.uint8)[np.newaxis] * 20,
    "one column": np.arange(9, dtype=np.uint8)[:, np.newaxis] * 20,
    "near flat": 1.0 + 1e-13 * np.random.default_rng(0).random((12, 12)),
}


@pytest.mark.explicit_engines
@pytest.mark.parametrize("params", [{}, {"layout": "global"}, {"layout": "rings"},
                                    {"layout": "global", "invariance": "peak"},
                                    {"layout": "global", "invariance": "dft_magnitude"}],
                         ids=repr)
@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_both_engines_give_the_same_answer_on_degenerate_images_in_float32(
        monkeypatch, name, params):
    image = DEGENERATE[name]
    rows = {}
    for engine in ("plain", "numba"):
        if engine == "numba":
            pytest.importorskip("numba")
        monkeypatch.setenv("GRADHIST_ENGINE", engine)
        rows[engine] = GradientHistogramTransformer(
            dtype="float32", include_orientation=True, **params).fit_transform([image])
    plain, compiled = rows["plain"], rows["numba"]
    assert np.isfinite(compiled).all()
    # The same values are rounding noise (zeros) and the same are not.
    np.testing.assert_array_equal(plain == 0, compiled == 0)
    np.testing.assert_allclose(compiled, plain, rtol=1e-4, atol=0)


def test_gradient_histogram_takes_dtype():
    image = _real_crops()[0]
    single = gradient_histogram(image, dtype=np.float32)
    double = gradient_histogram(image)
    assert single.histogram.dtype == np.float32 and double.histogram.dtype == np.float64
    assert isinstance(single.main_orientation, float)
    np.testing.assert_allclose(single.histogram, double.histogram, rtol=1e-4,
                               atol=1e-4 * double.histogram.max())
