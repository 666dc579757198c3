"""Fuzzing: random bytes at the reader, random arrays and parameters at the
functions and the transformer. Nothing may raise anything but the documented
``ValueError``/``TypeError`` (``ImageReadError`` is a ``ValueError``), raised
by this package's own checks (or scikit-learn's input validation), never from
deep inside numpy; no RuntimeWarning (overflow, invalid value) may be emitted;
and every result that comes back is finite, of the documented shape and dtype.

The budget is the hypothesis profile's: a short run in CI (``ci``), a long
one with ``GRADHIST_HYPOTHESIS_PROFILE=fuzz`` (see tests/conftest.py).
"""

import io
import itertools
import math
import os
import tempfile
import traceback
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradhist_sklearn import (
    GradientHistogramTransformer,
    ImageReadError,
    gradient_histogram,
    image_gradients,
    orientation_mask,
    read_image,
)
from gradhist_sklearn._gradients import OPERATOR_NAMES
from gradhist_sklearn._invariance import INVARIANCE_METHODS
from gradhist_sklearn._layouts import LAYOUTS
from gradhist_sklearn._validation import NORMALIZATIONS, max_abs_pixel

PACKAGE_DIR = os.path.dirname(os.path.abspath(__import__("gradhist_sklearn").__file__))
SKLEARN_VALIDATION = os.path.join("sklearn", "utils")


def assert_documented(exc):
    """The error is a ValueError/TypeError raised by a check, not by numpy's guts."""
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    origin = frames[-1].filename if frames else ""
    assert origin.startswith(PACKAGE_DIR) or SKLEARN_VALIDATION in origin, (
        f"{type(exc).__name__}: {exc} raised at {origin}"
    )
    assert str(exc).strip()


class expect_documented:
    """Context manager: swallow documented errors, fail on anything else."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("error", RuntimeWarning)
        self.error = None
        return self

    def __exit__(self, kind, exc, tb):
        self._warnings.__exit__(None, None, None)
        if exc is None:
            return False
        if isinstance(exc, (ValueError, TypeError)) and not isinstance(exc, RuntimeWarning):
            assert_documented(exc)
            self.error = exc
            note(f"refused: {type(exc).__name__}: {exc}")
            return True
        return False


# -- random arrays -------------------------------------------------------------------

DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128", "object",
    "U2", "S2", "datetime64[s]", "timedelta64[ms]", "V4",
]


@st.composite
def hostile_arrays(draw, max_dims=5, max_side=6):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side))
    if dtype.kind in "biufc" and dtype.itemsize <= 16 and dtype != np.longdouble:
        elements = hnp.from_dtype(dtype)  # includes NaN, inf, extremes, subnormals
        array = draw(hnp.arrays(dtype, shape, elements=elements))
    elif dtype.kind == "f":  # long double: from float64 values, scaled beyond its range
        base = draw(hnp.arrays(np.float64, shape))
        array = base.astype(dtype) * draw(st.sampled_from([1, 10.0**300]))
    elif dtype.kind == "O":
        values = st.one_of(st.none(), st.floats(), st.integers(), st.text(max_size=2),
                           st.dictionaries(st.text(max_size=1), st.integers(), max_size=1))
        array = np.empty(shape, dtype=object)
        for index in np.ndindex(shape):
            array[index] = draw(values)
    else:
        array = np.zeros(shape, dtype=dtype)
    return array


parameters = st.fixed_dictionaries({}, optional={
    "angle_bins": st.one_of(st.integers(-3, 400), st.floats(), st.text(max_size=3),
                            st.none(), st.booleans()),
    "unidirectional": st.one_of(st.booleans(), st.none(), st.just("yes")),
    "rotation_invariant": st.booleans(),
    "normalize": st.one_of(st.booleans(), st.sampled_from(NORMALIZATIONS), st.text(max_size=4),
                           st.none(), st.integers(-1, 2)),
    "operator": st.one_of(st.sampled_from(OPERATOR_NAMES), st.text(max_size=6), st.none()),
    "layout": st.one_of(st.sampled_from(LAYOUTS), st.text(max_size=4)),
    "frame": st.one_of(
        st.none(),
        st.tuples(st.floats(), st.floats()),
        st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(-720, 720)),
        hnp.arrays(np.float64, (3, 3), elements=st.floats(-2, 2)),
        st.text(max_size=3),
    ),
    "size": st.one_of(st.none(), st.tuples(st.floats(), st.floats()),
                      st.tuples(st.integers(-2, 8), st.integers(-2, 8)),
                      st.lists(st.floats(0, 8), max_size=3)),
})


#: The transformer's default scales (the function's default is one scale).
TRANSFORMER_SCALES = 3

#: The columns of the transformer's defaults: 3 x 3 cells of 36 bins at each
#: scale (the function's default is one histogram).
TRANSFORMER_COLUMNS = TRANSFORMER_SCALES * 9 * 36


def n_values(params, n_scales=1):
    """Length of the histogram ``params`` give (they are known to be valid):
    one block per scale of ``sigma`` (``n_scales`` when it is not given) and
    per ring or cell, of ``n_bins`` values or ``n_bins // 2 + 1`` DFT
    magnitudes (global layout only). Operators other than ``'gaussian'``
    have no scale: one block whatever ``sigma`` holds."""
    angle_bins = params.get("angle_bins", 36)
    n_bins = angle_bins // 2 if params.get("unidirectional", False) else angle_bins
    layout = params.get("layout", "global")
    if (layout == "global" and params.get("rotation_invariant", True)
            and params.get("invariance") == "dft_magnitude"):
        n_bins = n_bins // 2 + 1
    n_scales = scales_of(params, n_scales)
    n_blocks = {"global": 1, "rings": params.get("n_rings", 3),
                "grid": math.prod(params.get("grid_shape", (3, 3)))}[layout]
    return n_bins * n_blocks * n_scales


def scales_of(params, n_scales=1):
    """The number of scales ``params`` give (``n_scales`` when ``sigma`` is
    not given): operators other than ``'gaussian'`` have one."""
    sigma = params.get("sigma")
    if sigma is not None:
        n_scales = len(sigma) if isinstance(sigma, tuple) else 1
    if params.get("operator", "gaussian") != "gaussian":
        n_scales = 1  # only the Gaussian derivative has a scale
    return n_scales


def check_result(result, params, dtype_in):
    n_bins = n_values(params)
    assert result.histogram.shape == (n_bins,)
    assert result.histogram.dtype in (np.float32, np.float64)
    assert np.isfinite(result.histogram).all()
    assert (result.histogram >= -1e-6 * (np.abs(result.histogram).sum() + 1e-300)).all()
    period = 180.0 if params.get("unidirectional", False) else 360.0
    assert 0.0 <= result.main_orientation < period
    assert 0.0 <= result.orientation_strength <= 1.0


@given(image=hostile_arrays(), params=parameters)
def test_gradient_histogram_on_hostile_arrays(image, params):
    with expect_documented():
        result = gradient_histogram(image, **params)
        check_result(result, params, image.dtype)


@given(image=hostile_arrays(max_dims=3), mask=st.none() | hostile_arrays(max_dims=3),
       params=parameters)
def test_gradient_histogram_with_hostile_masks(image, mask, params):
    with expect_documented():
        result = gradient_histogram(image, mask=mask, **params)
        check_result(result, params, image.dtype)


@given(image=hostile_arrays(), operator=st.sampled_from(OPERATOR_NAMES))
def test_gradients_and_orientation_mask_on_hostile_arrays(image, operator):
    with expect_documented():
        gx, gy = image_gradients(image, operator=operator)
        assert np.isfinite(gx).all() and np.isfinite(gy).all()
    with expect_documented():
        mask = orientation_mask(image, operator=operator)
        assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}


transformer_parameters = st.fixed_dictionaries({}, optional={
    "angle_bins": st.one_of(st.integers(-3, 72), st.floats(), st.none(), st.booleans()),
    "unidirectional": st.booleans(),
    "include_orientation": st.booleans(),
    "image_shape": st.one_of(st.none(), st.tuples(st.integers(-1, 6), st.integers(-1, 6))),
    "size": st.one_of(st.none(), st.tuples(st.floats(-3, 9), st.floats(-3, 9))),
})


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@given(X=hostile_arrays(), form=st.sampled_from(["array", "list"]),
       params=transformer_parameters)
def test_transformer_on_hostile_arrays(X, form, params):
    if form == "list" and X.ndim >= 1:
        X = list(X)
    with expect_documented():
        rows = GradientHistogramTransformer(**params).fit_transform(X)
        assert rows.ndim == 2 and rows.shape[0] == len(X)
        assert np.isfinite(rows).all()
        assert rows.dtype in (np.float32, np.float64)


# Rows of a 2-D array on purpose: one-pixel-high images, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@given(items=st.lists(st.one_of(hostile_arrays(max_dims=4), st.none(), st.floats(),
                                st.text(max_size=3), st.lists(st.floats(), max_size=3)),
                      max_size=4))
def test_transformer_on_hostile_lists(items):
    with expect_documented():
        rows = GradientHistogramTransformer().fit_transform(items)
        assert rows.shape == (len(items), TRANSFORMER_COLUMNS) and np.isfinite(rows).all()


# -- legal inputs with extreme values ---------------------------------------------------
#
# Most examples of the hostile tests above are refused by a check before the
# result checks run (in the ci profile only a few of a hundred get through).
# These draw inputs the package must accept, valid shapes, dtypes and
# parameters, with hostile but legal values: magnitudes from subnormal to the
# largest accepted, constant images, one-pixel sides. Nearly every example then
# reaches the result checks.

LEGAL_DTYPES = ["bool", "uint8", "uint16", "float32", "float64"]

#: The only refusals a legal input can meet: a frame and size that miss every
#: pixel centre, and (normalize=False) a histogram of huge pixels that does
#: not fit in its floating type.
LEGAL_REFUSALS = ("holds no pixel", "exceeds the largest")


def legal_values(dtype):
    """Any pixel value the package accepts in an image of ``dtype``."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind == "u":
        return st.integers(0, int(np.iinfo(dtype).max))
    limit = max_abs_pixel(dtype)
    return st.floats(-limit, limit, width=8 * dtype.itemsize)


@st.composite
def legal_pixels(draw, dtype, shape):
    """Pixels of one image: anything legal, a constant, or one magnitude
    (huge, tiny, subnormal or any) for the whole image."""
    kind = draw(st.sampled_from(["any", "constant", "huge", "tiny", "subnormal", "scaled"]))
    if kind == "constant":
        return np.full(shape, draw(legal_values(dtype)), dtype=dtype)
    if dtype.kind != "f" or kind == "any":
        return draw(hnp.arrays(dtype, shape, elements=legal_values(dtype)))
    info = np.finfo(dtype)
    width = 8 * dtype.itemsize
    if kind == "subnormal":
        tiny = float(info.smallest_normal)
        return draw(hnp.arrays(dtype, shape, elements=st.floats(
            -tiny, tiny, width=width, exclude_min=True, exclude_max=True)))
    top = int(np.log2(max_abs_pixel(dtype))) - 1  # 2**top * [-1, 1] stays legal
    bottom = info.minexp - info.nmant  # the smallest subnormal is 2**bottom
    exponents = {"huge": (top - 40, top), "tiny": (bottom, info.minexp + 40),
                 "scaled": (bottom, top)}[kind]
    exponent = draw(st.integers(*exponents))
    unit = draw(hnp.arrays(dtype, shape, elements=st.floats(-1, 1, width=width)))
    return np.ldexp(unit, exponent).astype(dtype)


@st.composite
def legal_images(draw, n_images=None, max_side=8):
    """One legal image, or a stack of ``n_images`` of one shape and dtype."""
    dtype = np.dtype(draw(st.sampled_from(LEGAL_DTYPES)))
    shape = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    shape += draw(st.sampled_from([(), (), (), (3,), (4,)]))  # grey, RGB, RGBA
    if n_images is None:
        return draw(legal_pixels(dtype, shape))
    return np.stack([draw(legal_pixels(dtype, shape)) for _ in range(n_images)])


@st.composite
def legal_parameters(draw):
    unidirectional = draw(st.booleans())
    bins = st.integers(1, 36).map(lambda k: 2 * k) if unidirectional else st.integers(1, 72)
    params = {
        "angle_bins": draw(bins | st.just(360)),
        "unidirectional": unidirectional,
        "rotation_invariant": draw(st.booleans()),
        "normalize": draw(st.sampled_from([True, False, *NORMALIZATIONS])),
        "operator": draw(st.sampled_from(OPERATOR_NAMES)),
        "invariance": draw(st.sampled_from(INVARIANCE_METHODS)),
        "sigma": draw(st.floats(0.05, 8.0) | st.lists(
            st.floats(0.05, 8.0), min_size=1, max_size=3, unique=True).map(tuple)),
        "layout": draw(st.sampled_from(LAYOUTS)),
    }
    if params["layout"] == "rings":
        params["n_rings"] = draw(st.integers(1, 4))
    elif params["layout"] == "grid":
        params["grid_shape"] = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    if draw(st.integers(0, 3)) == 0:  # a region of interest, now and then
        params["frame"] = draw(st.tuples(st.floats(-3, 3), st.floats(-3, 3),
                                         st.floats(-720, 720)))
        params["size"] = draw(st.none() | st.tuples(st.floats(0.5, 12), st.floats(0.5, 12)))
    return params


def check_legal_refusal(context):
    """A legal input may only meet the refusals of LEGAL_REFUSALS."""
    if context.error is not None:
        assert any(reason in str(context.error) for reason in LEGAL_REFUSALS), (
            f"a legal input was refused: {context.error}")


@given(image=legal_images(), params=legal_parameters())
def test_gradient_histogram_on_legal_extremes(image, params):
    with expect_documented() as context:
        result = gradient_histogram(image, **params)
        check_result(result, params, image.dtype)
        assert result.histogram.dtype == np.float64  # the default dtype, whatever the pixels'
    check_legal_refusal(context)


@given(image=legal_images(max_side=6), data=st.data(), params=legal_parameters())
def test_gradient_histogram_with_legal_masks(image, data, params):
    mask = data.draw(hnp.arrays(np.bool_, image.shape[:2]), label="mask")
    mask.flat[data.draw(st.integers(0, mask.size - 1), label="kept")] = True
    with expect_documented() as context:
        result = gradient_histogram(image, mask=mask, **params)
        check_result(result, params, image.dtype)
    check_legal_refusal(context)


@settings(max_examples=max(10, settings().max_examples // 2))
@given(stack=st.integers(1, 4).flatmap(lambda n: legal_images(n_images=n)),
       form=st.sampled_from(["array", "list", "rows"]), params=legal_parameters(),
       include_orientation=st.booleans())
def test_transformer_on_legal_extremes(stack, form, params, include_orientation):
    X, extra = stack, {}
    if form == "list":
        X = list(stack)
    elif form == "rows" and stack.ndim == 3:  # flattened grey images
        X, extra = stack.reshape(len(stack), -1), {"image_shape": stack.shape[1:]}
    transformer = GradientHistogramTransformer(include_orientation=include_orientation,
                                               **params, **extra)
    with expect_documented() as context:
        rows = transformer.fit_transform(X)
        # The main orientation and its strength, scale after scale.
        n_orientations = 2 * scales_of(params) * include_orientation
        assert rows.shape == (len(stack), n_values(params) + n_orientations)
        assert rows.dtype == np.float64  # the default dtype, whatever the pixels'
        assert np.isfinite(rows).all()
        # Each row is the image's own, as gradient_histogram computes it.
        for row, image in zip(rows, stack, strict=True):
            result = gradient_histogram(image, **params)
            check_result(result, params, image.dtype)
            np.testing.assert_array_equal(row[:n_values(params)], result.histogram)
            if include_orientation:  # the function's are the first scale's
                first = n_values(params)
                assert row[first] == np.float64(result.main_orientation).astype(rows.dtype)
                assert row[first + 1] == np.float64(result.orientation_strength).astype(
                    rows.dtype)
    check_legal_refusal(context)


# -- the two engines on degenerate images -------------------------------------------
#
# Images whose gradients cancel by symmetry (discs, checkerboards, a single
# bright pixel), that have a single row or column, or no gradient at all:
# their harmonics, some blocks and some bins are rounding noise, which the
# two engines leave differently. The contract's noise rule (docs/contract.rst,
# "Rounding noise") makes them 0 in both, and near-ties in the alignment
# decisions go the same way, so the engines agree to 1e-9 on every option.


def _disc(side, radius):
    y, x = np.mgrid[:side, :side] - (side - 1) / 2
    return (x * x + y * y <= radius * radius).astype(np.float64)


def degenerate_images():
    """Named small images that are hard on the alignment decisions."""
    yy, xx = np.mgrid[:8, :8]
    ramp = np.tile(np.arange(8.0), (6, 1))
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1.0
    return {
        "zeros": np.zeros((6, 6)), "flat": np.full((5, 7), 3.0), "one pixel": np.array([[5.0]]),
        "one row": np.arange(7.0)[np.newaxis] ** 2, "one column": np.arange(7.0)[:, np.newaxis],
        "2x2": np.array([[0.0, 1.0], [1.0, 0.0]]), "disc 5": _disc(5, 1.6),
        "disc 17": _disc(17, 6.0), "ramp": ramp, "diagonal ramp": (xx + yy).astype(np.float64),
        "checkerboard": ((yy + xx) % 2).astype(np.float64),
        "checkerboard 2": ((yy // 2 + xx // 2) % 2).astype(np.float64), "impulse": impulse,
        "disc 1e300": _disc(9, 3.0) * 1e300, "ramp 1e-300": ramp * 1e-300,
    }


DEGENERATE = degenerate_images()
ENGINE_TOLERANCE = 1e-9


def engine_options(index, layout, invariance, unidirectional, normalize, full=False):
    """The options of one grid case. The operator, the scale and the number
    of bins cycle with ``index``, so the short grid meets every value of
    them with every layout and method; ``full`` is the grid case itself."""
    operator, sigma, angle_bins = full or [("gaussian", 1.0, 8), ("sobel", 1.0, 36),
                                           ("gaussian", 2.5, 36), ("central", 1.0, 8)][index % 4]
    return dict(layout=layout, rotation_invariant=invariance is not None,
                invariance=invariance or "dominant_harmonic", unidirectional=unidirectional,
                normalize=normalize, operator=operator, sigma=sigma, angle_bins=angle_bins)


def engines_disagreement(image, params):
    """None when both engines give ``image`` the same histogram and main
    orientation to ENGINE_TOLERANCE (relative to the largest value, the
    orientation on its circle), else what differs."""
    from gradhist_sklearn._histogram import stack_histograms
    from gradhist_sklearn._options import HistogramOptions

    results = [stack_histograms(image[np.newaxis],
                                HistogramOptions(engine=engine, include_orientation=True,
                                                 **params))
               for engine in ("plain", "numba")]
    (plain, plain_orientation), (fast, fast_orientation) = results
    scale = max(np.abs(plain).max(), np.abs(fast).max())
    worst = np.abs(plain - fast).max() / scale if scale > 0 else 0.0
    period = 180.0 if params["unidirectional"] else 360.0
    turn = abs(plain_orientation[0, 0] - fast_orientation[0, 0]) % period
    turn = min(turn, period - turn) / period
    strength = abs(plain_orientation[0, 1] - fast_orientation[0, 1])
    if max(worst, turn, strength) <= ENGINE_TOLERANCE:
        return None
    return (f"histogram {worst:.3g} apart (plain {plain[0]}, numba {fast[0]}); orientations "
            f"{plain_orientation[0]} and {fast_orientation[0]}")


GRID_NORMALIZATIONS = (False, *NORMALIZATIONS)
NO_INVARIANCE = (None, *INVARIANCE_METHODS)


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", list(DEGENERATE))
def test_engines_agree_on_degenerate_images(name):
    # Every layout, method, direction and normalisation (216 cases an
    # image); the operator, scale and number of bins cycle through four.
    pytest.importorskip("numba")
    grid = itertools.product(LAYOUTS, NO_INVARIANCE, (False, True), GRID_NORMALIZATIONS)
    failures = []
    for index, case in enumerate(grid):
        params = engine_options(index, *case)
        if (found := engines_disagreement(DEGENERATE[name], params)) is not None:
            failures.append(f"{params}: {found}")
    assert not failures, f"{len(failures)} cases disagree, first: {failures[0]}"


@pytest.mark.explicit_engines
@pytest.mark.skipif(os.environ.get("GRADHIST_HYPOTHESIS_PROFILE") != "fuzz",
                    reason="the full grid runs with GRADHIST_HYPOTHESIS_PROFILE=fuzz")
@pytest.mark.parametrize("name", list(DEGENERATE))
def test_engines_agree_on_degenerate_images_full_grid(name):
    # Every case of the short grid with every operator, scale and number of
    # bins: 24 times as many.
    pytest.importorskip("numba")
    kernels = itertools.product(OPERATOR_NAMES, (0.6, 1.0, 2.5), (8, 36, 360))
    grid = itertools.product(LAYOUTS, NO_INVARIANCE, (False, True), GRID_NORMALIZATIONS,
                             [k for k in kernels if k[0] == "gaussian" or k[1] == 1.0])
    failures = []
    for index, (*case, full) in enumerate(grid):
        params = engine_options(index, *case, full=full)
        if (found := engines_disagreement(DEGENERATE[name], params)) is not None:
            failures.append(f"{params}: {found}")
    assert not failures, f"{len(failures)} cases disagree, first: {failures[0]}"


@pytest.mark.explicit_engines
@pytest.mark.parametrize("name", list(DEGENERATE))
def test_engines_agree_on_the_azimuthal_harmonics_of_degenerate_images(name):
    # The rings' azimuthal sums and their invariants: every choice of
    # invariants and normalisation, invariant or not, in both directions.
    pytest.importorskip("numba")
    grid = itertools.product(("bin_pairs", "ring_pairs", "magnitudes"), GRID_NORMALIZATIONS,
                             (False, True), (False, True))
    failures = []
    for invariants, normalize, rotation_invariant, unidirectional in grid:
        params = dict(engine_options(0, "rings", "dominant_harmonic", unidirectional, normalize),
                      rotation_invariant=rotation_invariant, azimuthal_harmonics=3,
                      azimuthal_invariants=invariants)
        if (found := engines_disagreement(DEGENERATE[name], params)) is not None:
            failures.append(f"{params}: {found}")
    assert not failures, f"{len(failures)} cases disagree, first: {failures[0]}"


@st.composite
def degenerate_cases(draw):
    """A degenerate image, turned, flipped, scaled or offset, and options."""
    image = DEGENERATE[draw(st.sampled_from(sorted(DEGENERATE)))]
    image = np.rot90(image, draw(st.integers(0, 3)))
    if draw(st.booleans()):
        image = image[:, ::-1]
    if np.abs(image).max() < 1e200:  # the extremes stay as they are
        image = image * draw(st.sampled_from([1.0, -1.0, 255.0, 2.0**-40, 1e-300, 1e300]))
    unidirectional = draw(st.booleans())
    params = dict(
        layout=draw(st.sampled_from(LAYOUTS)),
        invariance=draw(st.sampled_from(NO_INVARIANCE)), unidirectional=unidirectional,
        normalize=draw(st.sampled_from(GRID_NORMALIZATIONS)),
        operator=draw(st.sampled_from(OPERATOR_NAMES)),
        sigma=draw(st.sampled_from([0.5, 1.0, 1.25, 2.5])),
        angle_bins=draw(st.sampled_from([4, 8, 12, 36, 72, 360])),
    )
    params["rotation_invariant"] = params["invariance"] is not None
    params["invariance"] = params["invariance"] or "dominant_harmonic"
    if params["layout"] == "rings":
        params["n_rings"] = draw(st.integers(1, 4))
    elif params["layout"] == "grid":
        params["grid_shape"] = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    return np.ascontiguousarray(image), params


@pytest.mark.explicit_engines
@given(case=degenerate_cases())
def test_engines_agree_on_turned_degenerate_images(case):
    pytest.importorskip("numba")
    image, params = case
    found = engines_disagreement(image, params)
    assert found is None, found


# -- random bytes at the reader -------------------------------------------------------


def _png_seeds():
    """Small valid PNG files of every common kind, as bytes."""
    from PIL import Image

    rng = np.random.default_rng(0)
    images = [
        Image.fromarray(rng.integers(0, 256, (5, 7), dtype=np.uint8), mode="L"),
        Image.fromarray(rng.integers(0, 65536, (4, 3), dtype=np.uint16)),
        Image.fromarray(rng.integers(0, 256, (6, 4, 3), dtype=np.uint8), mode="RGB"),
        Image.fromarray(rng.integers(0, 256, (3, 5, 4), dtype=np.uint8), mode="RGBA"),
        Image.fromarray(rng.integers(0, 256, (4, 4, 2), dtype=np.uint8), mode="LA"),
        Image.fromarray(rng.integers(0, 2, (8, 9), dtype=np.uint8) * 255).convert("1"),
        Image.fromarray(rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)).convert("P"),
    ]
    seeds = []
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        seeds.append(buffer.getvalue())
    return seeds


PNG_SEEDS = _png_seeds()


@st.composite
def mutated_files(draw):
    """Random bytes, or a valid PNG with some bytes flipped, cut or inserted."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=200))
    data = bytearray(draw(st.sampled_from(PNG_SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "header"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position:]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:  # width/height of the IHDR chunk (bytes 16..23)
            offset = draw(st.integers(16, 23))
            if offset < len(data):
                data[offset] = draw(st.integers(0, 255))
    return bytes(data)


def small_pillow_bomb_limit():
    """A corrupt header can claim an enormous image: keep Pillow's
    decompression-bomb guard well below its default, so that a fuzz run cannot
    allocate gigabytes."""
    from PIL import Image

    return mock.patch.object(Image, "MAX_IMAGE_PIXELS", 2**16)


@settings(max_examples=max(10, settings().max_examples))
@given(content=mutated_files(), suffix=st.sampled_from([".png", ".tif", ".jpg", ""]))
def test_reader_on_random_bytes(content, suffix):
    with tempfile.TemporaryDirectory() as folder, small_pillow_bomb_limit():
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the plugins' own deprecation chatter
            try:
                image = read_image(path)
            except ImageReadError as exc:
                assert str(path) in str(exc) and exc.path == str(path)
                return
        assert isinstance(image, np.ndarray)
        assert image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))
        with expect_documented():
            result = gradient_histogram(image)
            check_result(result, {}, image.dtype)
        with expect_documented():
            rows = GradientHistogramTransformer().fit_transform([str(path)])
            assert rows.shape == (1, TRANSFORMER_COLUMNS) and np.isfinite(rows).all()


def test_seeds_are_readable(tmp_path):
    # The mutations start from files the reader accepts.
    for i, content in enumerate(PNG_SEEDS):
        path = tmp_path / f"seed{i}.png"
        path.write_bytes(content)
        image = read_image(path)
        assert np.isfinite(gradient_histogram(image).histogram).all()
