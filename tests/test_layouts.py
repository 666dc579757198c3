"""Spatial layouts (rings, grid), several scales and the normalisations:
against a brute-force reference written pixel by pixel, and exact
properties (mass, quarter turns, flips)."""

import math

import numpy as np
import pytest
from _harmonics import harmonic_sums, reference_turn
from _images import FUNCTION_DEFAULTS, default_rows
from skimage import data

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients


@pytest.fixture(scope="module")
def photo():
    return data.camera()[100:131, 200:231].astype(np.float64)  # 31 x 31, odd: a centre pixel


def brute_force(image, *, layout, angle_bins=12, n_rings=3, grid_shape=(3, 3), sigma=1.25,
                rotation_invariant=False, turn=0.0):
    """Every pixel's vote written out one by one, from the layout's definition."""
    gx, gy = image_gradients(image, operator="gaussian", sigma=sigma)
    height, width = image.shape
    n_blocks = n_rings if layout == "rings" else grid_shape[0] * grid_shape[1]
    out = np.zeros((n_blocks, angle_bins))
    radius = min(height, width) / 2
    for r in range(height):
        for c in range(width):
            du, dv = c + 0.5 - width / 2, r + 0.5 - height / 2
            magnitude = math.hypot(gx[r, c], gy[r, c])
            angle = math.degrees(math.atan2(gy[r, c], gx[r, c]))
            if layout == "rings":
                distance = math.hypot(du, dv)
                if distance >= radius:
                    continue
                votes = _linear(distance / radius * n_rings - 0.5, n_rings)
                if rotation_invariant:
                    if distance == 0:
                        for block, weight in votes:
                            out[block] += weight * magnitude / angle_bins
                        continue
                    angle -= math.degrees(math.atan2(dv, du))
            else:
                cos_t, sin_t = math.cos(math.radians(turn)), math.sin(math.radians(turn))
                du, dv = cos_t * du + sin_t * dv, cos_t * dv - sin_t * du
                rows, cols = grid_shape
                votes = [(i * cols + j, wi * wj)
                         for i, wi in _linear((dv / height + 0.5) * rows - 0.5, rows)
                         for j, wj in _linear((du / width + 0.5) * cols - 0.5, cols)]
                angle -= turn
            position = (angle / (360.0 / angle_bins)) % angle_bins
            lower = int(math.floor(position)) % angle_bins
            share = position - math.floor(position)
            for block, weight in votes:
                out[block, lower] += weight * magnitude * (1 - share)
                out[block, (lower + 1) % angle_bins] += weight * magnitude * share
    return out.ravel()


def _linear(position, n):
    position = min(max(position, 0.0), n - 1.0)
    lower = int(math.floor(position))
    upper = min(lower + 1, n - 1)
    share = position - lower
    return [(lower, 1 - share), (upper, share)]


@pytest.mark.parametrize("params", [
    dict(layout="rings"), dict(layout="rings", rotation_invariant=True),
    dict(layout="rings", n_rings=1), dict(layout="rings", n_rings=5, sigma=2.0),
    dict(layout="grid"), dict(layout="grid", grid_shape=(2, 4)),
])
def test_every_ring_and_cell_equals_the_brute_force_reference(photo, params):
    image = photo[:, :29] if params.get("grid_shape") == (2, 4) else photo
    expected = brute_force(image, **params)
    params = dict(params, rotation_invariant=params.get("rotation_invariant", False))
    got = gradient_histogram(image, angle_bins=12, normalize=False, **params).histogram
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-9 * expected.max())


def test_aligned_grid_equals_the_reference_turned_by_the_alignment_angle(photo):
    got = gradient_histogram(photo, angle_bins=12, normalize=False, layout="grid",
                             invariance="centre_of_mass_rebin")
    gx, gy = image_gradients(photo, operator="gaussian")
    turn = math.degrees(math.atan2(gy.sum(), gx.sum()))  # the gradients' mean direction
    expected = brute_force(photo, layout="grid", turn=turn)
    np.testing.assert_allclose(got.histogram, expected, rtol=1e-9, atol=1e-9 * expected.max())


def test_grid_turns_to_the_dominant_harmonic():
    # The default alignment: the grid and the angles turn by the rule's angle
    # from the brute-force harmonic sums (tests/_harmonics.py). A brick wall:
    # its first harmonic nearly vanishes, so the mean direction would be
    # noise; the second harmonic leads.
    brick = data.brick()[::4, ::4][:31, :31].astype(np.float64)
    gx, gy = image_gradients(brick, operator="gaussian")
    turn, margin, k = reference_turn(harmonic_sums(gx, gy))
    assert k == 2 and margin > 1e-6 * np.hypot(gx, gy).sum()
    got = gradient_histogram(brick, angle_bins=12, normalize=False, layout="grid")
    expected = brute_force(brick, layout="grid", turn=turn * 360.0)
    np.testing.assert_allclose(got.histogram, expected, rtol=1e-9, atol=1e-9 * expected.max())


@pytest.mark.parametrize("layout, invariant", [("rings", True), ("rings", False),
                                               ("grid", True), ("grid", False)])
def test_mass_is_kept(photo, layout, invariant):
    gx, gy = image_gradients(photo, operator="gaussian")
    magnitude = np.hypot(gx, gy)
    if layout == "rings":
        rows, cols = np.indices(photo.shape) + 0.5
        magnitude = magnitude[np.hypot(cols - 15.5, rows - 15.5) < 15.5]
    got = gradient_histogram(photo, layout=layout, rotation_invariant=invariant,
                             normalize=False).histogram
    np.testing.assert_allclose(got.sum(), magnitude.sum(), rtol=1e-12)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_quarter_turns_map_rings_and_cells_exactly(photo, turns):
    turned = np.rot90(photo, turns)  # counter-clockwise on screen: angles fall by 90
    common = dict(angle_bins=36, normalize=False)
    for layout in ("rings", "grid"):
        assert np.allclose(
            gradient_histogram(turned, layout=layout, **common).histogram,
            gradient_histogram(photo, layout=layout, **common).histogram, rtol=1e-10, atol=1e-9)
    # Rings measured from the x-axis: each ring's histogram rolls by 9 bins a turn.
    plain = gradient_histogram(photo, layout="rings", rotation_invariant=False, **common)
    rolled = gradient_histogram(turned, layout="rings", rotation_invariant=False, **common)
    expected = np.roll(plain.histogram.reshape(3, 36), -9 * turns, axis=1)
    np.testing.assert_allclose(rolled.histogram.reshape(3, 36), expected, rtol=1e-10,
                               atol=1e-9)
    # Grid cells move with the turn and their histograms roll.
    plain = gradient_histogram(photo, layout="grid", rotation_invariant=False, **common)
    moved = gradient_histogram(turned, layout="grid", rotation_invariant=False, **common)
    cells = np.rot90(plain.histogram.reshape(3, 3, 36), turns, axes=(0, 1))
    np.testing.assert_allclose(moved.histogram.reshape(3, 3, 36),
                               np.roll(cells, -9 * turns, axis=2), rtol=1e-10, atol=1e-9)


def test_left_right_flip_mirrors_invariant_rings(photo):
    # A flip reverses the angle measured from the radial direction.
    common = dict(angle_bins=36, normalize=False, layout="rings")
    plain = gradient_histogram(photo, **common).histogram.reshape(3, 36)
    flipped = gradient_histogram(photo[:, ::-1], **common).histogram.reshape(3, 36)
    np.testing.assert_allclose(flipped, np.roll(plain[:, ::-1], 1, axis=1), rtol=1e-10,
                               atol=1e-9)


def test_several_scales_are_blocks_of_single_scales(photo):
    both = gradient_histogram(photo, sigma=(1.0, 2.5), layout="rings").histogram
    one = gradient_histogram(photo, sigma=1.0, layout="rings").histogram
    two = gradient_histogram(photo, sigma=2.5, layout="rings").histogram
    np.testing.assert_array_equal(both, np.concatenate([one, two]))


@pytest.mark.parametrize("normalize", ["l1", "l2", "hellinger", "sqrt", "pixels"])
def test_normalisations(photo, normalize):
    raw = gradient_histogram(photo, layout="rings", normalize=False).histogram.reshape(3, 36)
    got = gradient_histogram(photo, layout="rings", normalize=normalize).histogram
    got = got.reshape(3, 36)
    counted = np.count_nonzero(np.hypot(*(np.indices(photo.shape) + 0.5 - 15.5)) < 15.5)
    expected = {
        "l1": raw / raw.sum(axis=1, keepdims=True),
        "l2": raw / np.linalg.norm(raw, axis=1, keepdims=True),
        "hellinger": np.sqrt(raw / raw.sum(axis=1, keepdims=True)),
        "sqrt": np.sqrt(raw / counted),
        "pixels": raw / counted,
    }[normalize]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("normalize", ["l1", "l2", "hellinger", "sqrt"])
def test_flat_blocks_stay_zero_and_rows_never_hold_nan(normalize):
    image = np.zeros((20, 20))
    image[:4] = 1.0  # edges in the top cells only
    rows = GradientHistogramTransformer(layout="grid", normalize=normalize,
                                        sigma=(1.0, 2.0)).fit_transform(image[None])
    assert np.isfinite(rows).all() and (rows == 0).any() and (rows > 0).any()


def test_hellinger_and_l1_do_not_depend_on_the_intensity_scale(photo):
    for normalize in ("l1", "hellinger", "l2"):
        a = gradient_histogram(photo, layout="grid", normalize=normalize).histogram
        b = gradient_histogram(photo * 1e-300, layout="grid", normalize=normalize).histogram
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_feature_names_say_scale_block_and_angle():
    transformer = GradientHistogramTransformer(layout="rings", n_rings=2, angle_bins=4,
                                               sigma=(0.5, 2), include_orientation=True)
    names = transformer.fit(np.zeros((1, 9, 9))).get_feature_names_out()
    assert list(names[:5]) == ["sigma0.5_ring0_angle_000.000", "sigma0.5_ring0_angle_090.000",
                               "sigma0.5_ring0_angle_180.000", "sigma0.5_ring0_angle_270.000",
                               "sigma0.5_ring1_angle_000.000"]
    assert list(names[-4:]) == ["sigma0.5_main_orientation", "sigma0.5_orientation_strength",
                                "sigma2_main_orientation", "sigma2_orientation_strength"]
    assert len(names) == 2 * 2 * 4 + 2 * 2
    grid = GradientHistogramTransformer(layout="grid", grid_shape=(1, 2), angle_bins=16,
                                        sigma=1.0)
    names = grid.fit(np.zeros((1, 9, 9))).get_feature_names_out()
    assert names[1] == "cell0_0_angle_022.500" and names[16] == "cell0_1_angle_000.000"
    assert len(names) == 2 * 16
    # The default three scales: every cell's names again after each sigma prefix.
    grid = GradientHistogramTransformer(layout="grid", grid_shape=(1, 2), angle_bins=16)
    names = grid.fit(np.zeros((1, 9, 9))).get_feature_names_out()
    assert len(names) == 3 * 2 * 16
    assert names[1] == "sigma0.5_cell0_0_angle_022.500"
    assert names[16] == "sigma0.5_cell0_1_angle_000.000"
    assert names[32] == "sigma1_cell0_0_angle_000.000"
    assert names[-1] == "sigma2_cell0_1_angle_337.500"


def test_rows_equal_the_function_for_every_layout(photo):
    stack = np.stack([photo, photo[::-1], photo.T])
    for params in (dict(layout="rings", sigma=(1.0, 2.0), normalize="hellinger"),
                   {**FUNCTION_DEFAULTS, "layout": "grid", "grid_shape": (2, 2),
                    "rotation_invariant": False},
                   {**FUNCTION_DEFAULTS, "layout": "grid"},
                   dict(layout="rings", n_rings=2, sigma=(0.5, 1.0, 2.0), normalize="sqrt")):
        rows = GradientHistogramTransformer(**params).fit_transform(stack)
        expected = [gradient_histogram(image, **params).histogram for image in stack]
        np.testing.assert_array_equal(rows, expected)
    # The default scales and square root, by their definition, for each
    # layout (the default grid's rows named or not).
    for layout, n_blocks in (("global", 1), ("rings", 3), ("grid", 9)):
        rows = GradientHistogramTransformer(layout=layout).fit_transform(stack)
        assert rows.shape == (3, 3 * n_blocks * 36)
        np.testing.assert_array_equal(rows, default_rows(stack, layout=layout))
    np.testing.assert_array_equal(GradientHistogramTransformer().fit_transform(stack), rows)


@pytest.mark.parametrize("params", [
    dict(layout="grid"), dict(layout="grid", unidirectional=True, angle_bins=16),
    dict(layout="grid", invariance="peak"), dict(layout="rings", include_orientation=True),
    dict(layout="grid", normalize=False, frame=(3, 4, 20), size=(20, 18)),
    dict(frame=(3, 4, 20), size=(20, 18)), dict(frame=(3, 4, 20), size=(20, 18), sigma=1.0),
])
def test_rows_do_not_depend_on_their_batch(photo, params):
    # Each image's alignment angle is summed over its own pixels in the same
    # order whatever the batch (the gradients a stack gathers from a grid or a
    # region of interest once summed in another order, changing the last
    # digits of aligned rows).
    stack = np.stack([photo, photo[::-1], photo.T, photo[:, ::-1]])
    transformer = GradientHistogramTransformer(**params)
    rows = transformer.fit_transform(stack)
    alone = np.concatenate([transformer.fit_transform(image[None]) for image in stack])
    np.testing.assert_array_equal(rows, alone)


def test_placements_are_remembered_read_only_and_recomputed_when_turned(photo):
    from gradhist_sklearn._layouts import grid_placement, ring_placement
    from gradhist_sklearn._options import HistogramOptions

    options = HistogramOptions(layout="rings")
    first = ring_placement(photo.shape, None, options)
    assert ring_placement(photo.shape, None, options) is first  # every chunk shares it
    assert not first.pixels.flags.writeable and not first.weights.flags.writeable
    region = np.ones(photo.shape, dtype=bool)
    region[15, 15] = False
    other = ring_placement(photo.shape, region, options)
    assert other is not first and len(other.pixels) == len(first.pixels) - 1
    grid = HistogramOptions(layout="grid")
    assert grid_placement(photo.shape, None, grid) is grid_placement(photo.shape, None, grid)
    assert grid_placement(photo.shape, None, grid, 30.0) is not \
        grid_placement(photo.shape, None, grid, 30.0)
