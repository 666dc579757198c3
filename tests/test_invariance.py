"""Rotation-invariance methods and the derivative-of-Gaussian operator.

The contract pinned here (the contract's centre of mass, extended to every method): exact
invariance under np.rot90, the flip rule, the Fourier magnitude's
invariance to every circular shift, and the centre of mass landing within
half a bin of 0 with the sum unchanged.
"""

import numpy as np
import pytest
from _harmonics import as_sums, harmonic_sums, reference_turn
from _images import FUNCTION_DEFAULTS, default_rows
from scipy import ndimage as ndi
from skimage import data
from sklearn.utils.estimator_checks import parametrize_with_checks

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients
from gradhist_sklearn._invariance import (
    INVARIANCE_METHODS,
    centre_of_mass_turns,
    make_invariant,
    peak_positions,
)

SHIFTING = [m for m in INVARIANCE_METHODS if m != "dft_magnitude"]


@pytest.fixture(scope="module")
def camera():
    return data.camera()[100:228, 200:360]


def circular_distance(a, b, period):
    d = np.mod(np.asarray(a) - b, period)
    return np.minimum(d, period - d)


# -- exact symmetries: quarter turns and flips, every method ------------------


@pytest.mark.parametrize("invariance", INVARIANCE_METHODS)
@pytest.mark.parametrize("operator", ["gaussian", "sobel"])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("bins", [8, 36])
def test_quarter_turns_leave_every_method_unchanged(camera, invariance, operator,
                                                    unidirectional, bins):
    kwargs = dict(angle_bins=bins, unidirectional=unidirectional, operator=operator,
                  invariance=invariance)
    reference = gradient_histogram(camera, **kwargs).histogram
    for k in (1, 2, 3):
        turned = gradient_histogram(np.rot90(camera, k), **kwargs).histogram
        np.testing.assert_allclose(turned, reference, rtol=1e-9,
                                   atol=1e-12 * reference.sum())


@pytest.mark.parametrize("invariance", INVARIANCE_METHODS)
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_flips_reverse_the_aligned_histogram(camera, invariance, unidirectional, dtype):
    image = camera.astype(dtype)
    kwargs = dict(angle_bins=36, unidirectional=unidirectional, invariance=invariance)
    reference = gradient_histogram(image, **kwargs).histogram
    n = len(reference)
    rtol = 1e-4 if dtype == np.float32 else 1e-9
    for flipped in (image[:, ::-1], image[::-1]):
        after = gradient_histogram(flipped, **kwargs).histogram
        if invariance == "dft_magnitude":
            # Reversing a sequence conjugates its DFT: the magnitudes stay.
            expected = reference
        else:
            # A flip mirrors every angle, so the aligned histogram is reversed.
            expected = reference[(-np.arange(n)) % n]
        np.testing.assert_allclose(after, expected, rtol=rtol, atol=rtol * reference.sum())


# -- the Fourier magnitude ------------------------------------------------------


@pytest.mark.parametrize("n_bins", [1, 2, 7, 18, 36])
def test_dft_magnitude_is_invariant_to_every_circular_shift(n_bins):
    rng = np.random.default_rng(n_bins)
    histograms = rng.random((5, n_bins)) * rng.integers(1, 100, (5, 1))
    histograms[0] = 0.0
    reference = make_invariant(histograms, "dft_magnitude", centre_of_mass_turns(histograms))
    assert reference.shape == (5, n_bins // 2 + 1)
    np.testing.assert_allclose(reference[:, 0], histograms.sum(axis=1), rtol=1e-12)
    assert np.all(reference >= 0)
    for shift in range(n_bins):
        rolled = np.roll(histograms, shift, axis=1)
        got = make_invariant(rolled, "dft_magnitude", centre_of_mass_turns(rolled))
        np.testing.assert_allclose(got, reference, rtol=1e-12, atol=1e-12 * n_bins * 100)


def test_dft_magnitude_through_the_public_function(camera):
    plain = gradient_histogram(camera, rotation_invariant=False).histogram
    got = gradient_histogram(camera, invariance="dft_magnitude")
    np.testing.assert_allclose(got.histogram, np.abs(np.fft.rfft(plain)), rtol=1e-12)
    assert got.histogram.shape == (19,)
    uni = gradient_histogram(camera, unidirectional=True, invariance="dft_magnitude")
    assert uni.histogram.shape == (10,)


# -- centre of mass: within half a bin of 0, sum kept ---------------------------


def images_for_centre_tests():
    rng = np.random.default_rng(3)
    camera = data.camera()
    yield camera[::8, ::8]
    yield data.coins()[::4, ::4]
    for _ in range(6):
        top, left = rng.integers(0, 512 - 40, 2)
        yield camera[top:top + 40, left:left + 40]
    yield rng.random((20, 30)) * 255
    ramp = np.add.outer(np.arange(16.0), 0.3 * np.arange(16.0))  # one direction
    yield ramp


@pytest.mark.parametrize("invariance", ["centre_of_mass", "centre_of_mass_rebin"])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("bins", [4, 12, 36, 90])
def test_centre_of_mass_lands_on_bin_zero_and_sum_is_kept(invariance, unidirectional, bins):
    for image in images_for_centre_tests():
        kwargs = dict(angle_bins=bins, unidirectional=unidirectional)
        plain = gradient_histogram(image, rotation_invariant=False, **kwargs).histogram
        aligned = gradient_histogram(image, invariance=invariance, **kwargs).histogram
        assert aligned.sum() == pytest.approx(plain.sum(), rel=1e-12)
        assert np.all(aligned >= 0)
        n = len(aligned)
        centre = centre_of_mass_turns(aligned[np.newaxis])[0] * n  # in bins
        assert circular_distance(centre, 0.0, n) < 0.5


def circular_mean_degrees(image, unidirectional):
    """arg sum G exp(i theta) (doubled angles when unidirectional), from the
    gradients directly: the definition the re-binning method aligns on."""
    gx, gy = image_gradients(image, operator="gaussian")
    z = (gx + 1j * gy).ravel()
    if unidirectional:
        magnitude = np.abs(z)
        z = z[magnitude > 0] ** 2 / magnitude[magnitude > 0]
        return np.degrees(np.angle(z.sum())) / 2 % 180
    return np.degrees(np.angle(z.sum())) % 360


@pytest.mark.parametrize("unidirectional", [False, True])
def test_rebin_is_the_histogram_of_angles_minus_the_circular_mean(camera, unidirectional):
    # centre_of_mass_rebin bins theta - phi, phi the gradients' circular mean:
    # the plain histogram in a frame turned by phi.
    phi = circular_mean_degrees(camera, unidirectional)
    result = gradient_histogram(camera, unidirectional=unidirectional,
                                invariance="centre_of_mass_rebin")
    turned_frame = gradient_histogram(camera, unidirectional=unidirectional,
                                      rotation_invariant=False, frame=(0, 0, phi))
    np.testing.assert_allclose(result.histogram, turned_frame.histogram, rtol=1e-9,
                               atol=1e-12 * result.histogram.sum())
    # ... and phi is the contract's centre of mass up to the chord error of linear
    # voting, a small fraction of a bin (10 degrees full, 5 unidirectional).
    period = 180 if unidirectional else 360
    assert circular_distance(phi, result.main_orientation, period) < 0.1 * 10


def test_rebin_of_a_single_direction_is_a_single_bin():
    # One gradient direction: re-binning puts all the magnitude in bin 0,
    # where the spec's linear shift smears it over bins 35, 0 and 1.
    image = np.add.outer(np.sin(np.radians(23.0)) * np.arange(20.0),
                         np.cos(np.radians(23.0)) * np.arange(20.0))
    mask = np.zeros(image.shape, dtype=bool)
    mask[5:15, 5:15] = True  # away from the reflected borders
    kwargs = dict(operator="central", mask=mask, normalize=False)
    plain = gradient_histogram(image, rotation_invariant=False, **kwargs)
    assert plain.main_orientation == pytest.approx(23.0, abs=0.05)
    rebinned = gradient_histogram(image, **kwargs).histogram
    # phi misses 23 degrees only by the chord error of linear voting (well
    # under 0.01 degrees here), so bin 0 holds all but a sliver.
    assert rebinned[0] > 0.999 * plain.histogram.sum()
    linear = gradient_histogram(image, invariance="centre_of_mass", **kwargs).histogram
    assert linear[0] < 0.8 * plain.histogram.sum()


def test_spec_method_is_the_linear_shift(camera):
    # The contract's method: shift by phi / w bins, linear interpolation.
    plain = gradient_histogram(camera, rotation_invariant=False)
    got = gradient_histogram(camera, invariance="centre_of_mass").histogram
    h = plain.histogram
    shift = plain.main_orientation / 10.0
    k, f = int(np.floor(shift)), shift - np.floor(shift)
    expected = (1 - f) * np.roll(h, -k) + f * np.roll(h, -k - 1)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- the dominant peak ---------------------------------------------------------


@pytest.mark.parametrize("peak", [0.0, 3.3, 17.5, 35.8])
def test_peak_refinement_is_exact_on_a_parabola(peak):
    bins = np.arange(36)
    distance = (bins - peak + 18) % 36 - 18
    histogram = np.maximum(0.0, 100.0 - distance**2)  # a parabola near its top
    got = peak_positions(histogram[np.newaxis])[0]
    assert circular_distance(got, peak, 36) < 1e-9


def test_peak_method_puts_the_peak_on_bin_zero(camera):
    result = gradient_histogram(camera, invariance="peak").histogram
    plain = gradient_histogram(camera, rotation_invariant=False).histogram
    assert result.sum() == pytest.approx(plain.sum(), rel=1e-12)
    assert np.argmax(result) in (0, 1, 35)
    assert np.all(result >= 0)


def test_peak_of_zero_histogram_is_zero():
    assert peak_positions(np.zeros((2, 8))).tolist() == [0.0, 0.0]
    result = gradient_histogram(np.ones((5, 5)), invariance="peak")
    assert np.all(result.histogram == 0) and result.main_orientation == 0.0


# -- the derivative-of-Gaussian operator ----------------------------------------


@pytest.mark.parametrize("sigma", [0.01, 0.5, 1.0, 1.5, 3.0])
def test_gaussian_unit_ramp_gives_one(sigma):
    ramp = np.tile(np.arange(40.0), (40, 1))
    gx, gy = image_gradients(ramp, operator="gaussian", sigma=sigma)
    np.testing.assert_allclose(gx[20, 20], 1.0, rtol=1e-12)
    np.testing.assert_allclose(gy[20, 20], 0.0, atol=1e-12)
    np.testing.assert_allclose(image_gradients(ramp.T, operator="gaussian",
                                               sigma=sigma)[1][20, 20], 1.0, rtol=1e-12)


def test_tiny_sigma_is_half_the_central_difference(camera):
    gx, gy = image_gradients(camera, operator="gaussian", sigma=0.01)
    cx, cy = image_gradients(camera, operator="central")
    np.testing.assert_allclose(gx, cx / 2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, cy / 2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sigma", [0.8, 1.0, 2.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gaussian_matches_scipy_gaussian_derivative(camera, sigma, dtype):
    image = camera.astype(dtype)
    gx, gy = image_gradients(image, operator="gaussian", sigma=sigma)
    assert gx.dtype == dtype
    # scipy's derivative of Gaussian, scaled by its own response to a unit ramp.
    ramp = np.tile(np.arange(60.0), (60, 1))
    scale = ndi.gaussian_filter(ramp, sigma, order=(0, 1), mode="reflect")[30, 30]
    expected_x = ndi.gaussian_filter(image.astype(float), sigma, order=(0, 1),
                                     mode="reflect") / scale
    expected_y = ndi.gaussian_filter(image.astype(float), sigma, order=(1, 0),
                                     mode="reflect") / scale
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(gx, expected_x, rtol=rtol, atol=rtol * 255)
    np.testing.assert_allclose(gy, expected_y, rtol=rtol, atol=rtol * 255)


def test_gaussian_on_a_stack_filters_each_image_alone(camera):
    from gradhist_sklearn._gradients import stack_gradients

    stack = np.stack([camera, camera[::-1], camera * 0.5]).astype(float)
    gx, gy = stack_gradients(stack, "gaussian", 1.5)
    for i, image in enumerate(stack):
        one_x, one_y = image_gradients(image, operator="gaussian", sigma=1.5)
        np.testing.assert_allclose(gx[i], one_x, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(gy[i], one_y, rtol=1e-12, atol=1e-9)


# -- parameter checks and the transformer ---------------------------------------


@pytest.mark.parametrize("sigma, error", [(0, ValueError), (-1.0, ValueError),
                                          (np.nan, ValueError), (np.inf, ValueError),
                                          ("1", TypeError), (True, TypeError)])
def test_bad_sigma(sigma, error):
    with pytest.raises(error, match="sigma"):
        gradient_histogram(np.zeros((5, 5)), sigma=sigma)
    with pytest.raises(error, match="sigma"):
        image_gradients(np.zeros((5, 5)), operator="gaussian", sigma=sigma)


def test_bad_invariance_lists_choices():
    with pytest.raises(ValueError, match="'centre_of_mass_rebin'"):
        gradient_histogram(np.zeros((5, 5)), invariance="moments")
    with pytest.raises(ValueError, match="invariance"):
        GradientHistogramTransformer(invariance="moments").fit(np.zeros((2, 5, 5)))
    with pytest.raises(ValueError, match="sigma"):
        GradientHistogramTransformer(sigma=0.0).fit(np.zeros((2, 5, 5)))


@pytest.fixture(scope="module")
def patches():
    camera = data.camera()
    return np.stack([camera[r:r + 32, c:c + 40] for r, c in ((0, 0), (100, 300), (300, 50),
                                                               (400, 400), (250, 250))])


@pytest.mark.parametrize("invariance", INVARIANCE_METHODS)
@pytest.mark.parametrize("unidirectional", [False, True])
def test_transformer_rows_and_names(patches, invariance, unidirectional):
    common = dict(angle_bins=12, unidirectional=unidirectional, invariance=invariance,
                  sigma=1.2, normalize=True, layout="global")
    transformer = GradientHistogramTransformer(include_orientation=True, **common)
    rows = transformer.fit_transform(patches)
    names = transformer.get_feature_names_out()
    assert rows.shape == (len(patches), len(names))
    assert list(names[-2:]) == ["main_orientation", "orientation_strength"]
    n = 6 if unidirectional else 12
    if invariance == "dft_magnitude":
        assert list(names[:-2]) == [f"dft_magnitude_{k:02d}" for k in range(n // 2 + 1)]
    else:
        assert len(names) == n + 2 and names[0] == "angle_000.000"
        assert names[1] == "angle_030.000"  # 360 / 12 degrees a bin (folded: 180 / 6)
    for row, image in zip(rows, patches, strict=True):
        single = gradient_histogram(image, **common)
        np.testing.assert_array_equal(row[:-2], single.histogram)
        assert row[-2] == single.main_orientation
        assert row[-1] == single.orientation_strength


def test_transformer_dataframe_columns_for_dft(patches):
    pytest.importorskip("pandas")
    # The DFT magnitudes replace the bins of one global histogram.
    params = dict(invariance="dft_magnitude", layout="global")
    transformer = GradientHistogramTransformer(**params).set_output(transform="pandas")
    frame = transformer.fit_transform(patches)
    harmonics = [
        "dft_magnitude_00", "dft_magnitude_01", "dft_magnitude_02", "dft_magnitude_03",
        "dft_magnitude_04", "dft_magnitude_05", "dft_magnitude_06", "dft_magnitude_07",
        "dft_magnitude_08", "dft_magnitude_09", "dft_magnitude_10", "dft_magnitude_11",
        "dft_magnitude_12", "dft_magnitude_13", "dft_magnitude_14", "dft_magnitude_15",
        "dft_magnitude_16", "dft_magnitude_17", "dft_magnitude_18"]
    # 36 // 2 + 1 harmonics at each of the three default scales
    assert list(frame.columns) == [f"sigma{sigma}_{name}" for sigma in ("0.5", "1", "2")
                                   for name in harmonics]
    assert frame.shape == (len(patches), 3 * 19)
    np.testing.assert_array_equal(
        frame.to_numpy(), GradientHistogramTransformer(**params).fit_transform(patches))


def test_not_invariant_ignores_the_method(patches):
    for layout in ("grid", "global"):
        rows = [GradientHistogramTransformer(rotation_invariant=False, invariance=m,
                                             layout=layout).fit_transform(patches)
                for m in INVARIANCE_METHODS]
        for other in rows[1:]:
            np.testing.assert_array_equal(other, rows[0])
    transformer = GradientHistogramTransformer(rotation_invariant=False, layout="global",
                                               invariance="dft_magnitude").fit(patches)
    assert len(transformer.get_feature_names_out()) == 3 * 36  # bins, not harmonics
    assert transformer.get_feature_names_out()[1] == "sigma0.5_angle_010.000"


# scikit-learn's checks pass 2-D tables: each row is read as a one-pixel-high image, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@parametrize_with_checks(
    [
        GradientHistogramTransformer(invariance="dft_magnitude", include_orientation=True),
        GradientHistogramTransformer(angle_bins=8, invariance="peak", operator="gaussian",
                                     sigma=0.7, unidirectional=True),
    ]
)
def test_sklearn_compatible_with_other_methods(estimator, check):
    check(estimator)


@pytest.mark.parametrize("invariance", ["dominant_harmonic", "centre_of_mass_rebin"])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("angle", [3.7, 45.0, 123.4, -77.7])
def test_rebin_ignores_any_turn_of_the_angles(camera, invariance, unidirectional, angle):
    # A frame angle lowers every gradient angle by the same amount, fractional
    # included: the angles relative to their alignment angle do not change, so
    # the re-binned output must not either (up to rounding). This is the
    # exact fractional shift that interpolating a histogram cannot give.
    kwargs = dict(unidirectional=unidirectional, invariance=invariance)
    reference = gradient_histogram(camera, **kwargs).histogram
    turned = gradient_histogram(camera, frame=(0.0, 0.0, angle), **kwargs).histogram
    np.testing.assert_allclose(turned, reference, rtol=1e-9, atol=1e-12 * reference.sum())
    kwargs["invariance"] = "centre_of_mass"
    linear = gradient_histogram(camera, **kwargs).histogram
    linear_turned = gradient_histogram(camera, frame=(0.0, 0.0, angle), **kwargs).histogram
    assert not np.allclose(linear_turned, linear, rtol=1e-3)


def test_transformer_dft_on_a_ragged_list(patches):
    ragged = [patches[0], patches[1][:20], patches[2][:, :25]]
    got = GradientHistogramTransformer(invariance="dft_magnitude",
                                       **FUNCTION_DEFAULTS).fit_transform(ragged)
    assert got.shape == (3, 19)
    for row, image in zip(got, ragged, strict=True):
        np.testing.assert_array_equal(
            row, gradient_histogram(image, invariance="dft_magnitude").histogram)
    params = dict(invariance="dft_magnitude", layout="global")  # harmonics of one histogram
    got = GradientHistogramTransformer(**params).fit_transform(ragged)
    assert got.shape == (3, 3 * 19)
    np.testing.assert_array_equal(got, default_rows(ragged, **params))


# -- the dominant harmonic ------------------------------------------------------


@pytest.mark.parametrize("unidirectional", [False, True])
def test_pixel_harmonics_are_the_brute_force_sums(camera, unidirectional):
    # The library multiplies unit vectors; the reference takes exp(i k theta)
    # of each pixel's angle.
    from gradhist_sklearn._invariance import pixel_harmonics

    rng = np.random.default_rng(5)
    images = [camera, rng.random((9, 13)) * 255, np.zeros((4, 4))]
    for image in images:
        gx, gy = image_gradients(image, operator="gaussian")
        got = pixel_harmonics(gx.reshape(1, -1), gy.reshape(1, -1),
                              unidirectional=unidirectional)[0]
        expected = as_sums(harmonic_sums(gx, gy, unidirectional))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * expected[0] + 1e-300)


def random_harmonics(rng, n):
    """Sums of random gradient sets, some with a weak first harmonic."""
    for i in range(n):
        theta = rng.normal(rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 2.0), 60)
        if i % 3 == 0:  # both polarities: the first harmonic nearly cancels
            theta = np.r_[theta, theta[:50] + np.pi]
        magnitude = rng.random(theta.size)
        yield harmonic_sums(magnitude * np.cos(theta), magnitude * np.sin(theta))


def test_dominant_turn_follows_the_rule():
    # The compiled and the reference engines run dominant_harmonic_turn;
    # here it is held to the rule written out with complex numbers.
    from gradhist_sklearn._invariance import dominant_harmonic_turn

    rng = np.random.default_rng(11)
    chosen = set()
    for c in random_harmonics(rng, 400):
        expected, margin, k = reference_turn(c)
        if margin < 1e-9 * c[0].real:
            continue
        chosen.add(k)
        got = dominant_harmonic_turn(as_sums(c))
        assert circular_distance(got, expected, 1.0) < 1e-12
    assert chosen == {1, 2, 3, 4}  # every branch of the rule was exercised


def test_dominant_turn_special_cases():
    from gradhist_sklearn._invariance import dominant_harmonic_turn

    assert dominant_harmonic_turn(np.zeros(9)) == 0.0  # every harmonic vanishes
    # One direction, 100 degrees: every harmonic points there.
    c = harmonic_sums([np.cos(np.radians(100.0))], [np.sin(np.radians(100.0))])
    assert dominant_harmonic_turn(as_sums(c)) * 360 == pytest.approx(100.0)
    # Two opposite directions, the one at 30 degrees three times as strong:
    # the second harmonic wins, and the first picks 30 rather than 210.
    theta = np.radians([30.0, 210.0])
    c = harmonic_sums(np.array([3.0, 1.0]) * np.cos(theta), np.array([3.0, 1.0]) * np.sin(theta))
    assert abs(c[2]) > abs(c[1])
    assert dominant_harmonic_turn(as_sums(c)) * 360 == pytest.approx(30.0)


@pytest.mark.parametrize("unidirectional", [False, True])
def test_dominant_harmonic_bins_the_angles_less_phi(unidirectional):
    # The output is the plain histogram in a frame turned by phi, phi the
    # rule's angle from the brute-force sums: here a brick wall, whose first
    # harmonic nearly vanishes.
    brick = data.brick()[::4, ::4]
    gx, gy = image_gradients(brick, operator="gaussian")
    turn, margin, k = reference_turn(harmonic_sums(gx, gy, unidirectional))
    assert margin > 1e-6 * np.hypot(gx, gy).sum()
    period = 180.0 if unidirectional else 360.0
    got = gradient_histogram(brick, unidirectional=unidirectional)
    framed = gradient_histogram(brick, unidirectional=unidirectional, rotation_invariant=False,
                                frame=(0.0, 0.0, turn * period))
    np.testing.assert_allclose(got.histogram, framed.histogram, rtol=1e-9,
                               atol=1e-12 * got.histogram.sum())
    if not unidirectional:
        assert k == 2  # both polarities: the second harmonic leads


#: (direction in degrees, period in pixels, amplitude): cosines about the
#: image centre, so the image is point-symmetric and every odd harmonic of
#: its gradients is zero (up to rounding).
WAVES = [(0.0, 16.0, 60.0), (25.0, 23.0, 30.0), (70.0, 13.0, 20.0), (110.0, 29.0, 25.0),
         (150.0, 19.0, 15.0)]


def symmetric_pattern(angle, size=96):
    """:data:`WAVES` turned by ``angle`` degrees, sampled at the pixel centres
    (drawn turned rather than resampled, so only the operator and binning
    see the turn)."""
    rows, cols = np.indices((size, size), dtype=float)
    y = rows - (size - 1) / 2
    x = cols - (size - 1) / 2
    out = np.full((size, size), 128.0)
    for direction, period, amplitude in WAVES:
        a = np.radians(direction + angle)
        out += amplitude * np.cos(2 * np.pi * (x * np.cos(a) + y * np.sin(a)) / period)
    return out


def central_disc(size=96, radius=40):
    rows, cols = np.indices((size, size))
    centre = (size - 1) / 2
    return (rows - centre) ** 2 + (cols - centre) ** 2 <= radius**2


def test_stable_where_the_first_harmonic_vanishes():
    # Both edge polarities everywhere: the first harmonic (the centre of
    # mass) is rounding noise, so centre_of_mass_rebin aligns on noise and
    # its rows jump; the dominant harmonic (here the second) holds. Turned
    # by arbitrary angles, the rows stay within 4% (relative L1): about the
    # difference the turn itself makes to the gradients (the oracle, bins of
    # the unturned pattern at the true angle, is 1.7 to 2.7% here).
    disc = central_disc()
    gx, gy = image_gradients(symmetric_pattern(0.0), operator="gaussian")
    c = harmonic_sums(gx[disc], gy[disc])
    assert abs(c[1]) < 1e-12 * c[0].real and abs(c[2]) > 0.5 * c[0].real
    errors = {}
    for invariance in ("dominant_harmonic", "centre_of_mass_rebin"):
        reference = gradient_histogram(symmetric_pattern(0.0), mask=disc,
                                       invariance=invariance)
        assert reference.orientation_strength < 1e-12  # no main orientation
        errors[invariance] = []
        for angle in (0.5, 5.5, 17.3, 41.0, 103.7, 200.2, 311.9):
            row = gradient_histogram(symmetric_pattern(angle), mask=disc,
                                     invariance=invariance).histogram
            errors[invariance].append(np.abs(row - reference.histogram).sum()
                                      / reference.histogram.sum())
    assert max(errors["dominant_harmonic"]) < 0.04
    assert max(errors["centre_of_mass_rebin"]) > 0.2  # the failure this method removes


def test_the_turned_grid_is_stable_where_the_first_harmonic_vanishes():
    # The same pattern with the grid layout, which turns to the same
    # alignment angle: each cell's histogram holds within 5% (relative L1 of
    # the whole row; the cells also resample the pattern's position, which
    # the single histogram ignores), where the grid turned to the mean
    # direction jumps with it.
    disc = central_disc()
    for invariance, bound in (("dominant_harmonic", 0.05), ("centre_of_mass_rebin", None)):
        reference = gradient_histogram(symmetric_pattern(0.0), mask=disc, layout="grid",
                                       invariance=invariance).histogram
        errors = [np.abs(gradient_histogram(symmetric_pattern(angle), mask=disc, layout="grid",
                                            invariance=invariance).histogram - reference).sum()
                  / reference.sum() for angle in (0.5, 5.5, 17.3, 41.0, 103.7, 200.2, 311.9)]
        if bound is None:
            assert max(errors) > 0.2
        else:
            assert max(errors) < bound


# -- orientation strength -------------------------------------------------------------


def test_orientation_strength_of_a_ramp_and_a_stripe():
    ramp = np.add.outer(0.3 * np.arange(32.0), np.arange(32.0))  # one direction
    assert gradient_histogram(ramp).orientation_strength > 0.9
    stripe = np.zeros((32, 32))
    stripe[:, 12:20] = 200.0  # two equal, opposite edges
    assert gradient_histogram(stripe).orientation_strength < 0.1
    # Folding the two edges together makes them one direction.
    assert gradient_histogram(stripe, unidirectional=True).orientation_strength > 0.9
    assert gradient_histogram(np.full((5, 5), 3.0)).orientation_strength == 0.0


@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("invariance", INVARIANCE_METHODS)
def test_orientation_strength_is_the_mean_resultant_length(camera, unidirectional, invariance):
    # |sum h_i exp(i a_i)| / sum h_i of the plain histogram, written out,
    # whatever the invariance method (it is measured before it, as the main
    # orientation is).
    kwargs = dict(angle_bins=36, unidirectional=unidirectional)
    plain = gradient_histogram(camera, rotation_invariant=False, **kwargs).histogram
    angles = 2 * np.pi * np.arange(len(plain)) / len(plain)
    expected = abs((plain * np.exp(1j * angles)).sum()) / plain.sum()
    got = gradient_histogram(camera, invariance=invariance, **kwargs).orientation_strength
    assert 0.0 <= got <= 1.0
    assert got == pytest.approx(expected, rel=1e-12)


# -- rounding noise (the contract's "Rounding noise") ---------------------------


def test_noise_floor_and_above_noise():
    from gradhist_sklearn._invariance import EPSILON, above_noise, noise_floor

    assert EPSILON == np.finfo(np.float64).eps
    assert noise_floor(48.0, 7, 144.0) == 7 * 2.0**-52 * 192.0
    floor = noise_floor(1.0, 100)
    assert above_noise(floor, floor) == 0.0 and above_noise(2 * floor, floor) == 2 * floor
    assert above_noise(-2 * floor, floor) == -2 * floor
    # A negative residue becomes +0, so atan2 cannot flip across the cut.
    zero = above_noise(-0.5 * floor, floor)
    assert zero == 0.0 and np.copysign(1.0, zero) == 1.0
    assert np.arctan2(zero, -1.0) == np.pi
    values = np.array([-3 * floor, -floor, 0.0, floor, 3 * floor])
    got = above_noise(values, floor)
    assert got.tolist() == [-3 * floor, 0.0, 0.0, 0.0, 3 * floor]
    assert not np.signbit(got[1:4]).any()


def test_gradient_grains_are_taps_times_weight_times_largest_pixel():
    from gradhist_sklearn._gradients import operator_kernels
    from gradhist_sklearn._invariance import gradient_grains

    stack = np.array([[[0.0, -5.0], [2.0, 1.0]], [[3.0, 0.0], [0.0, 0.0]]])
    # Sobel: 3 taps, [-1, 0, 1] times [1, 2, 1] sums to 8 in absolute value.
    assert gradient_grains(stack, operator_kernels("sobel")).tolist() == [3 * 8 * 5.0,
                                                                          3 * 8 * 3.0]
    assert gradient_grains(stack.astype(np.uint8).clip(0), operator_kernels("central")) \
        .tolist() == [3 * 2 * 251.0, 3 * 2 * 3.0]  # -5 as uint8 is 251


def test_centre_of_mass_of_a_symmetric_histogram_is_zero():
    # Eight equal bins: in exact arithmetic the arrows cancel; in float64
    # sin(pi) is 1.2e-16, a residue that used to point anywhere.
    histograms = np.array([[1.0] * 8, [2.0, 1.0] * 4, [0.0] * 8])
    assert np.hypot(*_residue(histograms[0])) > 0  # rounding leaves something
    assert centre_of_mass_turns(histograms, 64).tolist() == [0.0, 0.0, 0.0]
    from gradhist_sklearn._invariance import orientation_strengths

    assert orientation_strengths(histograms, 64).tolist() == [0.0, 0.0, 0.0]
    # A real direction is kept: one bin a little heavier than its opposite.
    lopsided = np.array([[1.0 + 1e-9, 0, 0, 0, 1.0, 0, 0, 0]])
    assert centre_of_mass_turns(lopsided, 64)[0] == 0.0
    assert orientation_strengths(lopsided, 64)[0] == pytest.approx(1e-9 / 2, rel=1e-6)


def _residue(histogram):
    phases = 2 * np.pi * np.arange(len(histogram)) / len(histogram)
    return (histogram * np.sin(phases)).sum(), (histogram * np.cos(phases)).sum()


def test_peak_ties_within_the_noise_floor_go_to_the_lowest_bin():
    # A flat top of three equal bins (1, 2, 3): the lowest is the peak, and
    # with its neighbours (0.1 before, 0.3 after) the parabola puts it at
    # 1.5, whichever of the three rounding left a hair higher.
    top = np.array([0.1, 0.3, 0.3, 0.3, 0.1, 0.05, 0.05, 0.05])
    floor = 64 * 2.0**-52 * top.sum()  # noise_floor for an image of 64 pixels
    rng = np.random.default_rng(3)
    noisy = top + np.where(np.isin(np.arange(8), [1, 2, 3]),
                           rng.uniform(-0.4, 0.4, (20, 8)) * floor, 0.0)
    got = peak_positions(np.vstack([top, noisy]), 64)
    np.testing.assert_allclose(got, 1.5, atol=1e-9)
    clear = top.copy()
    clear[2] += 1e-6  # a real difference: bin 2 wins, the top is no longer flat
    assert peak_positions(clear[np.newaxis], 64)[0] == pytest.approx(2.0, abs=1e-4)


def test_dominant_turn_near_ties_go_to_the_lowest_candidate():
    from gradhist_sklearn._invariance import dominant_harmonic_turn

    # Four equal directions (a square's edges), 10 degrees off the axes: the
    # fourth harmonic is dominant and the other three vanish, so its four
    # candidates tie; residues of rounding in c_1 .. c_3 must not decide.
    theta = np.radians([10.0, 100.0, 190.0, 280.0])
    c = harmonic_sums(np.cos(theta), np.sin(theta))
    sums = as_sums(c)
    expected = dominant_harmonic_turn(sums, 4)
    assert expected * 360 == pytest.approx(10.0)
    # Residues below the floor (4 * eps * 4 = 3.6e-15) that, taken as they
    # are, would favour each of the other three candidates.
    for residue in ([-2e-15, 0, 0, 0, 0, 0], [0, -2e-15, 0, 0, 0, 0], [0, 2e-15, 0, 0, 0, 0],
                    [0, 0, -2e-15, 0, 0, 0]):
        moved = sums.copy()
        moved[1:7] += residue
        assert dominant_harmonic_turn(moved, 4) == expected
