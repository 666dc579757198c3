"""Planning the work: chunks within a pixel budget, balanced between workers."""

import pytest

from gradhist_sklearn import _batch


@pytest.mark.parametrize("n_images, pixels_per_image, budget, min_chunks", [
    (0, 64, 1000, 1), (1, 10**6, 1000, 1), (10, 64, 1000, 1), (1797, 64, 2**20, 2),
    (400, 65536, 2**20, 2), (400, 65536, 2**20, 3), (3, 10, 10**9, 8), (20000, 65536, 2**20, 1)])
def test_plan_slices_respects_budget_and_balance(n_images, pixels_per_image, budget,
                                                 min_chunks):
    slices = _batch.plan_slices(n_images, pixels_per_image, budget, min_chunks)
    covered = [i for a, b in slices for i in range(a, b)]
    assert covered == list(range(n_images))
    sizes = [b - a for a, b in slices]
    assert all(s >= 1 for s in sizes)
    assert all(s * pixels_per_image <= budget or s == 1 for s in sizes)
    if sizes:
        assert max(sizes) - min(sizes) <= 1
    if min_chunks > 1 and n_images >= min_chunks:
        assert len(slices) % min_chunks == 0
