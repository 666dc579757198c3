"""One home for scikit-learn's estimator checks."""

import pytest
from sklearn.utils.estimator_checks import (
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    parametrize_with_checks,
)

from gradhist_sklearn import GradientHistogramTransformer


@parametrize_with_checks(
    [
        GradientHistogramTransformer(),
        GradientHistogramTransformer(angle_bins=8, unidirectional=True, include_orientation=True,
                                     rotation_invariant=False, normalize=False),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "check",
    [check_set_output_transform, check_set_output_transform_pandas,
     check_transformer_get_feature_names_out],
)
def test_output_checks_outside_the_suite(check):
    check("GradientHistogramTransformer", GradientHistogramTransformer(include_orientation=True))
