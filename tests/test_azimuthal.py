"""Azimuthal harmonics of the rings: against a brute-force reference written
pixel by pixel (both engines), exact quarter turns, the mirror's effect,
the normalisations, validation, the command and a grid search over K."""

import cmath
import math

import numpy as np
import pytest
from skimage import data
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients
from gradhist_sklearn._cli import main
from gradhist_sklearn._cli._parser import build_parser, histogram_options


@pytest.fixture(scope="module")
def photo():
    return data.camera()[100:131, 200:231].astype(np.float64)  # 31 x 31, odd: a centre pixel


def _linear(position, n):
    position = min(max(position, 0.0), n - 1.0)
    lower = int(math.floor(position))
    share = position - lower
    return [(lower, 1 - share), (min(lower + 1, n - 1), share)]


def brute_sums(image, *, harmonics, bins=8, angle_bins=12, n_rings=3, sigma=1.25,
               rotation_invariant=True):
    """F[r, b](k), k = 0 .. harmonics, written out pixel by pixel from the
    definition: each vote split between two bins and two rings, times
    exp(-i k phi) with phi the pixel's azimuth (none at the centre)."""
    gx, gy = image_gradients(image, operator="gaussian", sigma=sigma)
    height, width = image.shape
    radius = min(height, width) / 2
    sums = np.zeros((n_rings, bins, harmonics + 1), dtype=complex)
    rings = np.zeros((n_rings, angle_bins))
    centre = 0.0
    for r in range(height):
        for c in range(width):
            du, dv = c + 0.5 - width / 2, r + 0.5 - height / 2
            distance = math.hypot(du, dv)
            if distance >= radius:
                continue
            magnitude = math.hypot(gx[r, c], gy[r, c])
            angle = math.degrees(math.atan2(gy[r, c], gx[r, c]))
            ring_votes = _linear(distance / radius * n_rings - 0.5, n_rings)
            if distance == 0:  # no azimuth (nor radial direction): rings only
                centre = magnitude
                if rotation_invariant:
                    for ring, weight in ring_votes:
                        rings[ring] += weight * magnitude / angle_bins
                    continue
            phi = math.atan2(dv, du)
            if rotation_invariant:
                angle -= math.degrees(phi)
            for n, out in ((bins, None), (angle_bins, rings)):
                if distance == 0 and out is None:
                    continue
                position = (angle / (360.0 / n)) % n
                lower = int(math.floor(position)) % n
                share = position - math.floor(position)
                for ring, weight in ring_votes:
                    for b, w in ((lower, 1 - share), ((lower + 1) % n, share)):
                        vote = weight * magnitude * w
                        if out is not None:
                            out[ring, b] += vote
                            continue
                        for k in range(harmonics + 1):
                            sums[ring, b, k] += vote * cmath.exp(-1j * k * phi)
    brute_sums.centre = centre
    return sums, rings


def expected_columns(sums, rings, normalize, n_pixels, invariants="bin_pairs"):
    """The documented invariants and their normalisation, value by value."""
    n_rings, _, n_k = sums.shape
    if normalize == "l2":
        norms = np.sqrt((rings ** 2).sum(axis=1))
    else:
        norms = rings.sum(axis=1)

    def g(modulus, norm):
        if normalize is False:
            return modulus
        if normalize in ("pixels", "sqrt"):
            value = modulus / n_pixels
            return math.sqrt(value) if normalize == "sqrt" else value
        share = modulus / norm
        return math.sqrt(share) if normalize == "hellinger" else share

    columns = [g(abs(sums[r, b, k]), norms[r])
               for r in range(n_rings) for k in range(1, n_k) for b in range(sums.shape[1])]
    if invariants == "magnitudes":
        return np.array(columns)
    # Per bin, or the rings' totals as a single bin.
    values = sums if invariants == "bin_pairs" else sums.sum(axis=1, keepdims=True)
    for r in range(n_rings):
        for s in range(r + 1, n_rings):
            for k in range(1, n_k):
                for b in range(values.shape[1]):
                    z = values[r, b, k] * np.conj(values[s, b, k])
                    value = z / abs(z) * g(math.sqrt(abs(z)), math.sqrt(norms[r] * norms[s]))
                    columns += [value.real, value.imag]
    return np.array(columns)


def _disc_pixels(shape):
    rows, cols = np.indices(shape) + 0.5
    radius = min(shape) / 2
    return int(np.count_nonzero(np.hypot(cols - shape[1] / 2, rows - shape[0] / 2) < radius))


@pytest.mark.parametrize("params", [
    dict(harmonics=4), dict(harmonics=2, rotation_invariant=False),
    dict(harmonics=3, bins=6, n_rings=1), dict(harmonics=1, n_rings=4, sigma=2.0),
    dict(harmonics=3, even=True), dict(harmonics=3, invariants="ring_pairs"),
    dict(harmonics=2, invariants="magnitudes"),
])
def test_both_engines_equal_the_brute_force_reference(photo, params):
    params = dict(params)
    image = photo[:30, :30] if params.pop("even", False) else photo
    invariants = params.pop("invariants", "bin_pairs")
    sums, rings = brute_sums(image, **params)
    got = gradient_histogram(image, angle_bins=12, normalize=False, layout="rings",
                             n_rings=params.get("n_rings", 3), sigma=params.get("sigma", 1.25),
                             rotation_invariant=params.get("rotation_invariant", True),
                             azimuthal_harmonics=params["harmonics"],
                             azimuthal_bins=params.get("bins", 8),
                             azimuthal_invariants=invariants).histogram
    n_ring_values = rings.size
    scale = rings.max()
    # The rings come first, unchanged; k = 0 of the sums is the ring histogram
    # at the azimuthal bins (a check of the brute force itself).
    np.testing.assert_allclose(got[:n_ring_values], rings.ravel(), rtol=0, atol=1e-12 * scale)
    assert np.isclose(sums[..., 0].real.sum() + brute_sums.centre, rings.sum(), rtol=1e-12)
    expected = expected_columns(sums, rings, False, None, invariants)
    assert got.shape == (n_ring_values + len(expected),)
    np.testing.assert_allclose(got[n_ring_values:], expected, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("normalize", ["pixels", "sqrt", "l1", "l2", "hellinger"])
@pytest.mark.parametrize("invariants", ["bin_pairs", "ring_pairs"])
def test_normalisations_follow_the_documented_rule(photo, normalize, invariants):
    sums, rings = brute_sums(photo, harmonics=2)
    got = gradient_histogram(photo, angle_bins=12, normalize=normalize, layout="rings",
                             azimuthal_harmonics=2, azimuthal_bins=8,
                             azimuthal_invariants=invariants).histogram
    expected = expected_columns(sums, rings, normalize, _disc_pixels(photo.shape), invariants)
    np.testing.assert_allclose(got[rings.size:], expected, rtol=0,
                               atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("turns", [1, 2, 3])
@pytest.mark.parametrize("invariants, columns", [("bin_pairs", 1188), ("ring_pairs", 684)])
def test_quarter_turns_leave_every_column_unchanged(turns, invariants, columns):
    image = data.camera()[::8, ::8]  # 64 x 64
    transformer = GradientHistogramTransformer(layout="rings", azimuthal_harmonics=4,
                                               azimuthal_bins=8, azimuthal_invariants=invariants)
    rows = transformer.fit_transform(np.stack([image, np.rot90(image, turns)]))
    assert rows.shape == (2, columns)
    # Exact up to rounding: a product's root of a root (sqrt normalisation
    # of z / sqrt|z|) magnifies the last bit of the smallest products, up to
    # 1.003e-14 on one processor.
    assert np.abs(rows[0] - rows[1]).max() <= 1e-13
    azimuthal = rows[0, 108:columns // 3]
    assert np.abs(azimuthal).max() > 0.01 and np.count_nonzero(azimuthal < 0) > 0


def _mirrored_bins(values, axis):
    """Bin b becomes -b (mod n), as a flip does to angles from the radial direction."""
    return np.roll(np.flip(values, axis=axis), 1, axis=axis)


def test_a_mirror_reverses_the_bins_and_negates_the_imaginary_parts(photo):
    common = dict(angle_bins=36, normalize=False, layout="rings", azimuthal_harmonics=3,
                  azimuthal_bins=8)
    for invariants in ("bin_pairs", "ring_pairs"):
        plain = gradient_histogram(photo, azimuthal_invariants=invariants, **common).histogram
        flipped = gradient_histogram(photo[:, ::-1], azimuthal_invariants=invariants,
                                     **common).histogram
        scale = plain.max()
        _, magnitudes, products = np.split(plain, [108, 108 + 72])
        _, f_magnitudes, f_products = np.split(flipped, [108, 108 + 72])
        np.testing.assert_allclose(f_magnitudes.reshape(3, 3, 8),
                                   _mirrored_bins(magnitudes.reshape(3, 3, 8), 2), rtol=0,
                                   atol=1e-12 * scale)
        pairs = products.reshape(3, 3, -1, 2)  # pair, harmonic, bin (or one), part
        expected = pairs * [1, -1]
        if invariants == "bin_pairs":
            expected = _mirrored_bins(expected, 2)
        np.testing.assert_allclose(f_products.reshape(pairs.shape), expected, rtol=0,
                                   atol=1e-12 * scale)
        assert np.abs(pairs[..., 1]).max() > 1e-3 * scale  # the sign change is seen


def test_off_by_default_and_the_rings_are_unchanged(photo):
    images = np.stack([photo, photo.T])
    assert GradientHistogramTransformer().get_params()["azimuthal_harmonics"] == 0
    rings = GradientHistogramTransformer(layout="rings").fit_transform(images)
    with_az = GradientHistogramTransformer(layout="rings", azimuthal_harmonics=2,
                                           azimuthal_bins=6).fit_transform(images)
    per_scale = 108 + 2 * 3 * 6 + 2 * 3 * 6 * 2
    assert with_az.shape == (2, 3 * per_scale)
    for s in range(3):
        np.testing.assert_array_equal(with_az[:, s * per_scale:s * per_scale + 108],
                                      rings[:, s * 108:(s + 1) * 108])


def test_extreme_intensities_scale_the_columns_as_the_rings(photo):
    common = dict(layout="rings", azimuthal_harmonics=2)
    for normalize, power in (("pixels", 1.0), ("sqrt", 0.5), ("l2", 0.0)):
        base = gradient_histogram(photo / 256, normalize=normalize, **common).histogram
        huge = gradient_histogram(photo * 2.0 ** 1000, normalize=normalize, **common).histogram
        np.testing.assert_allclose(huge, base * 2.0 ** (1008 * power), rtol=1e-12,
                                   atol=1e-12 * np.abs(base).max() * 2.0 ** (1008 * power))


def test_flat_images_give_zeros_not_nan():
    for normalize in ("pixels", "sqrt", "l1", "l2", "hellinger", False):
        row = gradient_histogram(np.ones((9, 9)), layout="rings", azimuthal_harmonics=3,
                                 azimuthal_bins=8, normalize=normalize).histogram
        assert row.shape == (3 * 36 + 3 * 3 * 8 + 3 * 3 * 8 * 2,)
        assert not np.isnan(row).any() and not row.any()


def test_feature_names():
    transformer = GradientHistogramTransformer(layout="rings", azimuthal_harmonics=2,
                                               n_rings=2, sigma=1.0, angle_bins=4,
                                               azimuthal_bins=4,
                                               azimuthal_invariants="ring_pairs")
    names = list(transformer.fit(np.zeros((1, 9, 9))).get_feature_names_out())
    assert names[:8] == [f"ring{r}_angle_{a:07.3f}" for r in (0, 1) for a in (0, 90, 180, 270)]
    assert names[8:12] == [f"ring0_az1_angle_{a:07.3f}_abs" for a in (0, 90, 180, 270)]
    assert names[-4:] == ["ring0_ring1_az1_real", "ring0_ring1_az1_imag",
                          "ring0_ring1_az2_real", "ring0_ring1_az2_imag"]
    assert len(names) == 8 + 2 * 2 * 4 + 2 * 2
    assert transformer.transform(np.zeros((1, 9, 9))).shape == (1, len(names))
    transformer.set_params(azimuthal_invariants="bin_pairs")
    names = list(transformer.get_feature_names_out())
    assert names[-3:] == ["ring0_ring1_az2_angle_180.000_imag",
                          "ring0_ring1_az2_angle_270.000_real",
                          "ring0_ring1_az2_angle_270.000_imag"]
    assert len(names) == 8 + 2 * 2 * 4 + 2 * 4 * 2
    transformer.set_params(azimuthal_invariants="magnitudes", sigma=(1.0, 2.0))
    names = list(transformer.get_feature_names_out())
    assert len(names) == 2 * (8 + 2 * 2 * 4) and names[-1] == "sigma2_ring1_az2_angle_270.000_abs"


@pytest.mark.parametrize("params, error, message", [
    (dict(azimuthal_harmonics=2), ValueError, "layout='rings'"),
    (dict(azimuthal_harmonics=2, layout="grid"), ValueError, "layout='rings'"),
    (dict(azimuthal_harmonics=-1, layout="rings"), ValueError, "azimuthal_harmonics"),
    (dict(azimuthal_harmonics=True, layout="rings"), TypeError, "azimuthal_harmonics"),
    (dict(azimuthal_harmonics=2, layout="rings", azimuthal_bins=0), ValueError,
     "azimuthal_bins"),
    (dict(azimuthal_harmonics=2, layout="rings", azimuthal_bins=7, unidirectional=True),
     ValueError, "even"),
    (dict(azimuthal_harmonics=2, layout="rings", azimuthal_invariants="phases"), ValueError,
     "azimuthal_invariants"),
])
def test_bad_values_are_refused_with_what_to_do(params, error, message):
    with pytest.raises(error, match=message):
        gradient_histogram(np.zeros((8, 8)), **params)
    with pytest.raises(error, match=message):
        GradientHistogramTransformer(**params).fit(np.zeros((2, 8, 8)))


def test_zero_is_accepted_with_every_layout():
    for layout in ("global", "grid"):
        row = gradient_histogram(np.eye(8), layout=layout, azimuthal_harmonics=0).histogram
        assert np.array_equal(row, gradient_histogram(np.eye(8), layout=layout).histogram)


def test_the_command_s_flags(capsys):
    args = build_parser().parse_args(["extract", "x", "-o", "y.csv", "--layout", "rings",
                                      "--azimuthal-harmonics", "3", "--azimuthal-bins", "6",
                                      "--azimuthal-invariants", "ring_pairs"])
    options = histogram_options(args)
    assert (options.azimuthal_harmonics, options.azimuthal_bins,
            options.azimuthal_invariants) == (3, 6, "ring_pairs")
    args = build_parser().parse_args(["extract", "x", "-o", "y.csv", "--azimuthal-harmonics",
                                      "2"])
    with pytest.raises(ValueError, match="layout='rings'"):
        histogram_options(args)
    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    assert "--azimuthal-harmonics" in capsys.readouterr().out


def test_grid_search_over_the_harmonics():
    rng = np.random.default_rng(0)
    # Two classes whose ring histograms match: a bar through the centre, or
    # the same bar's halves crossed (the same gradients, arranged otherwise).
    images, labels = [], []
    for i in range(24):
        image = np.zeros((21, 21))
        if i % 2:
            image[9:12, 3:18] = 1.0
        else:
            image[3:10, 9:12] = 1.0
            image[9:12, 10:18] = 1.0
        images.append(np.rot90(image, i % 4) + 0.01 * rng.random((21, 21)))
        labels.append(i % 2)
    pipeline = make_pipeline(GradientHistogramTransformer(layout="rings"), LinearSVC())
    search = GridSearchCV(pipeline, {"gradienthistogramtransformer__azimuthal_harmonics":
                                     [0, 2]}, cv=3, error_score="raise")
    search.fit(np.stack(images), labels)
    assert search.best_params_["gradienthistogramtransformer__azimuthal_harmonics"] in (0, 2)
    assert search.cv_results_["mean_test_score"].shape == (2,)


def test_tables_record_the_azimuthal_options_only_when_on():
    # --resume compares these records: tables with other harmonics never mix.
    from gradhist_sklearn._cli._tables import stored_options
    from gradhist_sklearn._options import HistogramOptions

    rings = stored_options(HistogramOptions(layout="rings"))
    assert not any(key.startswith("azimuthal") for key in rings)
    stored = stored_options(HistogramOptions(layout="rings", azimuthal_harmonics=3,
                                             azimuthal_invariants="ring_pairs"))
    assert {key: stored[key] for key in stored if key.startswith("azimuthal")} == {
        "azimuthal_harmonics": 3, "azimuthal_bins": 4, "azimuthal_invariants": "ring_pairs"}
