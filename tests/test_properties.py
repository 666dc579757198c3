"""Property-based tests: exact relations that must hold for every image.

Each property follows from the contract (docs/contract.rst) and is checked over
random images, sizes, dtypes and parameters drawn by hypothesis. Tolerances
are derived, not tuned: float64 relations that are exact in real arithmetic
get a few ulps of the histogram's total mass; float32 gets 1e-5 of the
largest gradient the image could produce (its largest pixel times the
operator's gain), the scale at which float32 rounds; and wherever the
rotation-invariant shift is involved, the tolerance grows as the histogram's
centre of mass approaches zero, where its direction is undefined.

The number of examples comes from the hypothesis profile (tests/conftest.py).
"""

import math
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
from _harmonics import harmonic_sums, reference_turn
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from joblib import parallel_config

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients
from gradhist_sklearn._gradients import OPERATOR_NAMES
from gradhist_sklearn._options import HistogramOptions

#: About 1/3 of the profile's examples, for the tests that do most work per example.
FEWER = max(5, settings().max_examples // 3)

RAW = dict(rotation_invariant=False, normalize=False)


# -- strategies ------------------------------------------------------------------------


def pixels_of(dtype, bound=1000):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(int(info.min), -bound), min(int(info.max), bound))
    return st.floats(-bound, bound, width=8 * dtype.itemsize, allow_subnormal=False)


@st.composite
def images(draw, dtypes=(np.uint8, np.uint16, np.int16, np.float32, np.float64, np.bool_),
           max_side=16, min_side=1, integer_valued=False):
    """A 2-D image of a random dtype, shape and content."""
    height = draw(st.integers(min_side, max_side))
    width = draw(st.integers(min_side, max_side))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if integer_valued and dtype.kind == "f":
        elements = st.integers(-1000, 1000).map(float)
    else:
        elements = pixels_of(dtype)
    return draw(hnp.arrays(dtype, (height, width), elements=elements))


operators = st.sampled_from(OPERATOR_NAMES)
bins_divisible_by_4 = st.sampled_from([4, 8, 12, 16, 36, 72, 360])
even_bins = st.sampled_from([2, 4, 6, 10, 18, 36, 90, 360])


# -- helpers ---------------------------------------------------------------------------


def gain(operator):
    """Largest |gx| per unit of pixel magnitude: the L1 norm of the gx kernel.

    Measured as the response to a unit impulse, so it holds for any operator.
    """
    impulse = np.zeros((11, 11))
    impulse[5, 5] = 1.0
    gx, _ = image_gradients(impulse, operator=operator)
    return float(np.abs(gx).sum())


def rounding_scale(image, operator, n_pixels):
    """Absolute error a sum of ``n_pixels`` magnitudes may honestly carry.

    Rounding is relative to the image's largest pixel, not to each gradient:
    a gradient far below it (say 1e-276 next to a pixel of 1) is not
    resolved, and a few ulps of the largest gradient per pixel is the scale.
    """
    eps = np.finfo(np.float32 if image.dtype == np.float32 else np.float64).eps
    largest = float(np.abs(image.astype(np.float64)).max())
    return 4 * eps * largest * gain(operator) * n_pixels + 1e-300


def magnitude_sum(image, operator, mask=None):
    gx, gy = image_gradients(image, operator=operator)
    magnitude = np.hypot(gx.astype(np.float64), gy.astype(np.float64))
    return magnitude.sum() if mask is None else magnitude[mask].sum()


def resultant(histogram):
    """Length of the histogram's centre-of-mass vector (the contract's centre of mass)."""
    histogram = np.asarray(histogram, dtype=np.float64)
    phases = 2 * np.pi * np.arange(len(histogram)) / len(histogram)
    return math.hypot((histogram * np.cos(phases)).sum(), (histogram * np.sin(phases)).sum())


def shifted_tolerance(raw, bin_error):
    """How far the rotation-invariant histogram can move when each bin of the
    unshifted histogram ``raw`` is uncertain by ``bin_error``.

    The centre of mass moves by at most ``n * bin_error / R`` radians (R its
    length); the fractional shift moves with it, and each output bin changes
    by at most the shift error times the largest step between adjacent bins.
    Returns None when R is within the error: the direction is then undefined
    and only the total mass can be compared.
    """
    n = len(raw)
    noise = n * bin_error
    length = resultant(raw)
    if length <= 4 * noise:
        return None
    shift_error_bins = noise / (length - noise) * n / (2 * np.pi)
    steepest = np.abs(np.diff(np.r_[raw, raw[:1]])).max()
    return bin_error + shift_error_bins * steepest * 1.01


def rebinned_tolerance(image, params, raw, bin_error):
    """:func:`shifted_tolerance` for the methods that bin the pixels again
    at an angle taken from the pixels' harmonics: ``centre_of_mass_rebin``
    (the first harmonic's direction) and ``dominant_harmonic`` (the chosen
    harmonic's). That angle moves by at most ``noise / (k |c_k|)`` radians,
    and each pixel's vote with it. None when the angle is undefined within
    the noise: a vanishing harmonic, or (``dominant_harmonic``) one of the
    rule's decisions taken by less than the noise (ties: mirror-symmetric
    images, equal harmonics), where any of the candidate angles may win."""
    gx, gy = image_gradients(image, operator=params["operator"])
    c = harmonic_sums(gx, gy, params.get("unidirectional", False))
    n = len(raw)
    noise = n * bin_error
    if params["invariance"] == "dominant_harmonic":
        _, margin, k = reference_turn(c)
    else:
        margin, k = np.inf, 1
    if k == 0 or margin <= 4 * noise or k * abs(c[k]) <= 4 * noise:
        return None
    shift_error_bins = noise / (k * abs(c[k]) - noise) * n / (2 * np.pi)
    return bin_error + shift_error_bins * 2 * np.abs(raw).max() * 1.01


_CENTRE_OF_MASS = object()


def assert_same_rotation_invariant(got, expected, raw, bin_error, tolerance=_CENTRE_OF_MASS):
    """Same mass; the same bins too, to ``tolerance`` (by default
    :func:`shifted_tolerance`'s), unless it is None (alignment undefined)."""
    if tolerance is _CENTRE_OF_MASS:
        tolerance = shifted_tolerance(raw, bin_error)
    note(f"shifted tolerance {tolerance}")
    np.testing.assert_allclose(got.sum(), expected.sum(), rtol=1e-9,
                               atol=len(raw) * bin_error)
    if tolerance is not None:
        np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)


def float64_bin_error(histogram):
    """A few ulps of the total mass: what rounding can move between bins."""
    return 1e-12 * (float(np.abs(histogram).sum()) + 1e-300)


# -- mass conservation ----------------------------------------------------------------------


@given(image=images(), operator=operators, angle_bins=st.integers(1, 400),
       unidirectional=st.booleans(), rotation_invariant=st.booleans())
def test_mass_is_conserved(image, operator, angle_bins, unidirectional, rotation_invariant):
    assume(not (unidirectional and angle_bins % 2))
    params = dict(angle_bins=angle_bins, unidirectional=unidirectional, operator=operator,
                  rotation_invariant=rotation_invariant)
    total = magnitude_sum(image, operator)
    rtol = 1e-5 if image.dtype == np.float32 else 1e-12
    raw = gradient_histogram(image, normalize=False, **params).histogram
    assert raw.shape == ((angle_bins // 2,) if unidirectional else (angle_bins,))
    assert (raw >= -1e-9 * total).all()
    atol = rounding_scale(image, operator, image.size)
    np.testing.assert_allclose(raw.sum(), total, rtol=rtol, atol=atol)
    mean = gradient_histogram(image, normalize=True, **params).histogram
    np.testing.assert_allclose(mean.sum(), total / image.size, rtol=rtol,
                               atol=atol / image.size)


def test_gradients_far_below_the_image_scale_are_not_resolved():
    # Found by the property tests: a masked pixel whose gradient is 1e-276
    # next to a pixel of 1. Squaring 1e-276 underflows, so the histogram
    # counts it as 0: an absolute error far below the image's rounding scale
    # (1e-16 of its largest pixel), hence the tolerance in rounding_scale().
    tiny = 4.29912347e-277
    image = np.array([[0.0, tiny, 1.0], [tiny, tiny, tiny]])
    mask = np.zeros(image.shape, dtype=bool)
    mask[0, 0] = True
    raw = gradient_histogram(image, mask=mask, operator="sobel", **RAW).histogram
    assert np.isfinite(raw).all()
    exact = magnitude_sum(image, "sobel", mask)
    assert 0 < exact < 1e-270
    assert abs(raw.sum() - exact) <= rounding_scale(image, "sobel", 1)


@given(image=images(min_side=2), operator=operators, data=st.data())
def test_mass_in_a_mask_is_the_masked_magnitude(image, operator, data):
    mask = data.draw(hnp.arrays(bool, image.shape))
    assume(mask.any())
    raw = gradient_histogram(image, operator=operator, mask=mask, **RAW).histogram
    rtol = 1e-5 if image.dtype == np.float32 else 1e-12
    atol = rounding_scale(image, operator, mask.sum())
    np.testing.assert_allclose(raw.sum(), magnitude_sum(image, operator, mask), rtol=rtol,
                               atol=atol)
    normalized = gradient_histogram(image, operator=operator, mask=mask).histogram
    np.testing.assert_allclose(normalized.sum(), raw.sum() / mask.sum(), rtol=rtol,
                               atol=atol / mask.sum())


# -- quarter turns and flips (the contract) ------------------------------------------------------


@given(image=images(), operator=operators, angle_bins=bins_divisible_by_4,
       turns=st.integers(1, 3), unidirectional=st.booleans())
def test_quarter_turn_rolls_the_histogram(image, operator, angle_bins, turns, unidirectional):
    params = dict(angle_bins=angle_bins, operator=operator, unidirectional=unidirectional)
    image = image.astype(np.float64)  # float64: the relation is exact up to ulps
    before = gradient_histogram(image, **params, **RAW).histogram
    after = gradient_histogram(np.rot90(image, turns), **params, **RAW).histogram
    # np.rot90 turns by -90 degrees in image coordinates: bin i -> i - B/4.
    expected = np.roll(before, -turns * angle_bins // 4)
    np.testing.assert_allclose(after, expected, rtol=0, atol=float64_bin_error(before))


@given(image=images(), operator=operators, angle_bins=even_bins)
def test_left_right_flip_mirrors_bins_about_90_degrees(image, operator, angle_bins):
    image = image.astype(np.float64)
    params = dict(angle_bins=angle_bins, operator=operator, **RAW)
    before = gradient_histogram(image, **params).histogram
    after = gradient_histogram(image[:, ::-1], **params).histogram
    index = (angle_bins // 2 - np.arange(angle_bins)) % angle_bins  # theta -> 180 - theta
    np.testing.assert_allclose(after, before[index], rtol=0, atol=float64_bin_error(before))


@given(image=images(), operator=operators, angle_bins=st.integers(1, 72))
def test_up_down_flip_negates_angles(image, operator, angle_bins):
    image = image.astype(np.float64)
    params = dict(angle_bins=angle_bins, operator=operator, **RAW)
    before = gradient_histogram(image, **params).histogram
    after = gradient_histogram(image[::-1], **params).histogram
    index = -np.arange(angle_bins) % angle_bins  # theta -> -theta
    np.testing.assert_allclose(after, before[index], rtol=0, atol=float64_bin_error(before))


aligning = st.sampled_from(["dominant_harmonic", "centre_of_mass_rebin"])


def tolerance_of(image, params, raw):
    """The output's tolerance for the re-binning method ``params`` names."""
    return rebinned_tolerance(image, params, raw, float64_bin_error(raw))


@given(image=images(), operator=operators, angle_bins=bins_divisible_by_4,
       turns=st.integers(1, 3), unidirectional=st.booleans(), invariance=aligning)
def test_rotation_invariant_output_ignores_quarter_turns(image, operator, angle_bins, turns,
                                                         unidirectional, invariance):
    image = image.astype(np.float64)
    params = dict(angle_bins=angle_bins, operator=operator, unidirectional=unidirectional,
                  invariance=invariance)
    raw = gradient_histogram(image, **params, **RAW).histogram
    before = gradient_histogram(image, **params, normalize=False)
    after = gradient_histogram(np.rot90(image, turns), **params, normalize=False)
    assert_same_rotation_invariant(after.histogram, before.histogram, raw,
                                   float64_bin_error(raw), tolerance_of(image, params, raw))
    if shifted_tolerance(raw, float64_bin_error(raw)) is not None:
        period = 180.0 if unidirectional else 360.0
        turned = (before.main_orientation - 90.0 * turns) % period
        gap = abs((after.main_orientation - turned + period / 2) % period - period / 2)
        # The centre of mass moves by at most noise / (R - noise) radians.
        noise = len(raw) * float64_bin_error(raw)
        drift = noise / (resultant(raw) - noise) * period / (2 * np.pi)
        assert gap < max(1e-6, 2 * drift)


@given(image=images(), operator=operators, angle_bins=even_bins,
       flip=st.sampled_from(["lr", "ud"]), invariance=aligning)
def test_rotation_invariant_output_is_reversed_by_a_flip(image, operator, angle_bins, flip,
                                                         invariance):
    image = image.astype(np.float64)
    params = dict(angle_bins=angle_bins, operator=operator, normalize=False,
                  invariance=invariance)
    raw = gradient_histogram(image, rotation_invariant=False, **params).histogram
    before = gradient_histogram(image, **params).histogram
    flipped = image[:, ::-1] if flip == "lr" else image[::-1]
    after = gradient_histogram(flipped, **params).histogram
    reversed_ = before[-np.arange(angle_bins) % angle_bins]  # bin j -> bin -j
    assert_same_rotation_invariant(after, reversed_, raw, float64_bin_error(raw),
                                   tolerance_of(image, params, raw))


# -- intensity scale and offset ----------------------------------------------------------------


@given(image=images(dtypes=(np.float64, np.int16, np.uint8), integer_valued=True),
       operator=operators, angle_bins=even_bins, scale=st.integers(1, 1000),
       offset=st.integers(-10**6, 10**6), normalize=st.booleans())
def test_scale_and_offset(image, operator, angle_bins, scale, offset, normalize):
    # Integer pixels, scale and offset keep a * I + b exact in float64.
    base = image.astype(np.float64)
    params = dict(angle_bins=angle_bins, operator=operator, normalize=normalize)
    raw = gradient_histogram(base, rotation_invariant=False, **params).histogram
    brighter = gradient_histogram(scale * base + offset, rotation_invariant=False, **params)
    np.testing.assert_allclose(brighter.histogram, scale * raw, rtol=1e-12,
                               atol=float64_bin_error(scale * raw))
    # A negative scale swaps dark and bright: every gradient turns by 180 degrees.
    inverted = gradient_histogram(offset - scale * base, rotation_invariant=False, **params)
    np.testing.assert_allclose(inverted.histogram, scale * np.roll(raw, angle_bins // 2),
                               rtol=1e-12, atol=float64_bin_error(scale * raw))
    # Rotation-invariant output: scaled, and blind to the inversion.
    invariant = gradient_histogram(base, **params).histogram
    for other in (scale * base + offset, offset - scale * base):
        assert_same_rotation_invariant(gradient_histogram(other, **params).histogram,
                                       scale * invariant, scale * raw,
                                       float64_bin_error(scale * raw))


@given(image=images(dtypes=(np.float64,), integer_valued=True), operator=operators,
       exponent=st.integers(-1000, 1000))
def test_power_of_two_scale_anywhere_in_the_float64_range(image, operator, exponent):
    # Small integers times 2**k are exact for every k in range: the histogram is
    # the same times 2**k, also where the pixels are subnormal or near 1e300.
    small = np.clip(image, -15, 15)
    reference = gradient_histogram(small, operator=operator).histogram
    result = gradient_histogram(np.ldexp(small, exponent), operator=operator).histogram
    assert np.isfinite(result).all()
    expected = np.ldexp(reference, exponent)
    np.testing.assert_allclose(result, expected, rtol=1e-9,
                               atol=np.ldexp(float64_bin_error(reference), exponent)
                               + 2.0**-1060)


# -- float32 against float64 ---------------------------------------------------------------------


@given(image=images(dtypes=(np.float32,)), operator=operators,
       angle_bins=st.sampled_from([4, 8, 36, 360]), scale=st.sampled_from([1e-3, 1.0, 1e6]),
       normalize=st.booleans())
def test_float32_matches_float64(image, operator, angle_bins, scale, normalize):
    single = (image * np.float32(scale)).astype(np.float32)
    double = single.astype(np.float64)  # the very same pixel values
    params = dict(angle_bins=angle_bins, operator=operator, normalize=normalize)
    # float32 rounds relative to the largest gradient the image can produce,
    # not relative to each bin: a bin near zero is as uncertain as a full one.
    scale_of_rounding = float(np.abs(double).max()) * gain(operator)
    if not normalize:
        scale_of_rounding *= image.size
    bin_error = 1e-5 * scale_of_rounding
    raw32 = gradient_histogram(single, rotation_invariant=False, **params).histogram
    raw64 = gradient_histogram(double, rotation_invariant=False, **params).histogram
    assert raw32.dtype == np.float64  # the default dtype, whatever the pixels'
    np.testing.assert_allclose(raw32, raw64, rtol=1e-5, atol=bin_error)
    got = gradient_histogram(single, **params)
    expected = gradient_histogram(double, **params)
    assert got.histogram.dtype == np.float64
    assert_same_rotation_invariant(got.histogram.astype(np.float64), expected.histogram,
                                   raw64, bin_error)


# -- the transformer: same numbers whatever the route ---------------------------------------------


@st.composite
def batches(draw, min_images=1):
    n = draw(st.integers(min_images, 6))
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    dtype = draw(st.sampled_from([np.uint8, np.uint16]))  # what PNG files store exactly
    return draw(hnp.arrays(dtype, (n, height, width), elements=pixels_of(dtype, 65535)))


@settings(max_examples=FEWER)
@given(stack=batches(), n_jobs=st.sampled_from([1, 2, 3, -1]),
       pixels_per_chunk=st.sampled_from([1, 7, 64, 2**20]),
       params=st.fixed_dictionaries({
           "angle_bins": st.sampled_from([4, 12, 36]),
           "operator": operators,
           "include_orientation": st.booleans(),
           "rotation_invariant": st.booleans(),
           # the function's defaults and the transformer's
           "sigma": st.sampled_from([1.0, (0.5, 1.0, 2.0)]),
           "normalize": st.sampled_from([True, "sqrt"]),
           "layout": st.sampled_from(["global", "grid"]),
       }))
def test_every_input_form_n_jobs_and_chunk_size_agree(stack, n_jobs, pixels_per_chunk, params):
    from gradhist_sklearn import _batch

    n, height, width = stack.shape
    function_params = {name: value for name, value in params.items()
                       if name != "include_orientation"}
    options = HistogramOptions(**params)

    def expected(images):
        rows = []
        for image in images:
            result = gradient_histogram(image, **function_params)
            orientation = []
            if params["include_orientation"]:  # each scale's, after all the values
                for sigma in options.scales:
                    one = gradient_histogram(image, **{**function_params, "sigma": sigma})
                    orientation += [one.main_orientation, one.orientation_strength]
            rows.append(np.r_[result.histogram, orientation])
        return np.stack(rows)

    reference = expected(stack)
    colour = np.repeat(stack[..., None], 3, axis=-1)
    colour[..., 1] //= 2
    with tempfile.TemporaryDirectory() as folder:
        from skimage import io

        paths = []
        for i, image in enumerate(stack):
            paths.append(str(Path(folder) / f"{i}.png"))
            io.imsave(paths[-1], image, check_contrast=False)
        forms = {
            "stack": (stack, {}),
            "list": (list(stack), {}),
            "tuple of lists": (tuple(image.tolist() for image in stack), {}),
            "rows": (stack.reshape(n, -1), {"image_shape": (height, width)}),
            "paths": (paths, {}),
            "colour": (colour, {}),
        }
        with mock.patch.object(_batch, "PIXELS_PER_CHUNK", pixels_per_chunk), \
                parallel_config(backend="threading"):
            for name, (X, extra) in forms.items():
                transformer = GradientHistogramTransformer(n_jobs=n_jobs, **params, **extra)
                got = transformer.fit_transform(X)
                note(name)
                np.testing.assert_array_equal(got, expected(X) if name == "colour"
                                              else reference)


@settings(max_examples=FEWER)
@given(stack=batches(min_images=2), data=st.data(),
       layout=st.sampled_from(["global", "rings", "grid"]), unidirectional=st.booleans())
def test_rows_do_not_depend_on_their_batch(stack, data, layout, unidirectional):
    # Two non-empty parts, so each is a different batch from the whole.
    split = data.draw(st.integers(1, len(stack) - 1), label="split")
    transformer = GradientHistogramTransformer(include_orientation=True, layout=layout,
                                               unidirectional=unidirectional).fit(stack)
    whole = transformer.transform(stack)
    parts = [transformer.transform(part) for part in (stack[:split], stack[split:])]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


@given(image=images(dtypes=(np.float64,)), operator=operators)
def test_gain_bounds_every_gradient(image, operator):
    # The float32 tolerance above rests on this bound.
    gx, gy = image_gradients(image, operator=operator)
    bound = gain(operator) * float(np.abs(image).max()) * (1 + 1e-12)
    assert np.abs(gx).max() <= bound and np.abs(gy).max() <= bound
