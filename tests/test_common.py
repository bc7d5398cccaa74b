"""scikit-learn's estimator checks, with no skip and no expected failure."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_minmax import MinMaxClassifier


@parametrize_with_checks([MinMaxClassifier()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
