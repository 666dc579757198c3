"""One home for scikit-learn's estimator checks."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import (
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    parametrize_with_checks,
)

from gradhist_sklearn import GradientHistogramTransformer


# scikit-learn's checks pass 2-D tables: each row is read as a one-pixel-high image, as warned.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@parametrize_with_checks(
    [
        GradientHistogramTransformer(),
        GradientHistogramTransformer(angle_bins=8, unidirectional=True, include_orientation=True,
                                     rotation_invariant=False, normalize=False),
        GradientHistogramTransformer(layout="rings"),
        GradientHistogramTransformer(layout="grid", grid_shape=(2, 2), rotation_invariant=False,
                                     normalize="hellinger"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# scikit-learn's checks pass 2-D tables: each row is read as a one-pixel-high image, as warned.
# They also fit on a DataFrame and transform an array, and the reverse, on purpose.
@pytest.mark.filterwarnings("ignore:X is 2-D:UserWarning")
@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.parametrize(
    "check",
    [check_set_output_transform, check_set_output_transform_pandas,
     check_transformer_get_feature_names_out],
)
def test_output_checks_outside_the_suite(check):
    check("GradientHistogramTransformer", GradientHistogramTransformer(include_orientation=True))


def test_grid_search_over_layout_n_rings_and_angle_bins_on_digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[::3], y[::3]
    grid = [{"layout": ["global"], "angle_bins": [8, 16]},
            {"layout": ["rings"], "n_rings": [1, 2], "angle_bins": [8, 16]}]
    prefixed = [{f"gradienthistogramtransformer__{name}": values for name, values in part.items()}
                for part in grid]
    pipeline = make_pipeline(GradientHistogramTransformer(image_shape=(8, 8)), SVC())
    search = GridSearchCV(pipeline, prefixed, cv=3).fit(X, y)
    candidates = list(ParameterGrid(prefixed))
    assert len(candidates) == 6 and len(search.cv_results_["params"]) == 6
    assert search.best_params_ in candidates
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and np.isfinite(search.cv_results_["std_test_score"]).all()
    # The parameters reach the transformer: the candidates do not all score
    # alike, and the refitted one has the columns its parameters give.
    assert len(set(np.round(scores, 12))) > 1
    best = {name.split("__")[1]: value for name, value in search.best_params_.items()}
    transformer = search.best_estimator_.named_steps["gradienthistogramtransformer"]
    blocks = best.get("n_rings", 1) if best["layout"] == "rings" else 1
    assert transformer.get_params()["layout"] == best["layout"]
    assert len(transformer.get_feature_names_out()) == 3 * blocks * best["angle_bins"]
    # Orientation histograms of digits carry real signal: far above chance (0.1).
    assert search.best_score_ > 0.5
