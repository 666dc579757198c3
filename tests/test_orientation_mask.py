"""The orientation-range mask: the contract's orientation mask."""

import numpy as np
import pytest
from skimage import data, filters, measure

from gradhist_sklearn import image_gradients, orientation_mask


def test_mask_matches_its_definition():
    image = data.camera()[::4, ::4]
    mask = orientation_mask(image, 30, 60, operator="scharr")
    gx, gy = image_gradients(image, operator="scharr")
    folded = np.degrees(np.arctan2(gy, gx)) % 180
    expected = (folded >= 30) & (folded <= 60) & (np.hypot(gx, gy) > 0)
    assert mask.dtype == np.uint8
    assert set(np.unique(mask)) <= {0, 255}
    np.testing.assert_array_equal(mask == 255, expected)


def test_coins_mask_is_densest_on_left_and_right_borders():
    coins = data.coins()
    mask = orientation_mask(coins) == 255
    labels = measure.label(coins > filters.threshold_otsu(coins))
    side = top = 0
    for region in measure.regionprops(labels):
        if region.area < 300:  # specks, not coins
            continue
        cy, cx = region.centroid
        r0, c0, r1, c1 = region.bbox
        rows, cols = np.nonzero(mask[max(r0 - 3, 0):r1 + 3, max(c0 - 3, 0):c1 + 3])
        dy, dx = rows + max(r0 - 3, 0) - cy, cols + max(c0 - 3, 0) - cx
        side += np.count_nonzero(np.abs(dx) > 2 * np.abs(dy))
        top += np.count_nonzero(np.abs(dy) > 2 * np.abs(dx))
    assert side > 3 * top > 0


def test_flat_pixels_are_never_in_the_mask():
    assert not orientation_mask(np.zeros((5, 5)), 0, 180).any()


@pytest.mark.parametrize("lower, upper, message", [(10, 5, "must not exceed"),
                                                   (np.nan, 5, "finite")])
def test_bad_bounds(lower, upper, message):
    with pytest.raises(ValueError, match=message):
        orientation_mask(np.zeros((5, 5)), lower, upper)
