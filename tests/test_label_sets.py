"""One membership rule for the same information, whatever its encoding, and
label sets through scikit-learn's composition (Pipeline, searches,
cross-validation) by a 2-D indicator of the tags."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer, StandardScaler

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_single_positive
from sklearn_minmax.metrics import tag_roc_auc_scorer


@pytest.fixture(scope="module")
def single_tags():
    X, y, Y = make_single_positive(n_samples=900, n_classes=4, random_state=0)
    return X, y, Y


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_one_tag_per_row_as_labels_or_indicator_gives_the_same_sets(single_tags):
    X, y, _ = single_tags
    a = _fit(MinMaxClassifier(max_iter=30, random_state=0), X, y)
    b = _fit(MinMaxClassifier(max_iter=30, random_state=0), X, np.eye(4, dtype=int)[y])
    np.testing.assert_array_equal(a.predict_multilabel(X), b.predict(X))
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X))


def test_indicator_probabilities_agree_with_the_sets(single_tags):
    X, y, _ = single_tags
    clf = _fit(MinMaxClassifier(max_iter=30, random_state=0), X, np.eye(4, dtype=int)[y])
    np.testing.assert_array_equal(clf.predict(X), clf.predict_proba(X) >= 0.5)


def test_pipeline_and_search_predict_the_label_sets(single_tags):
    X, y, Y = single_tags
    tags = MultiLabelBinarizer().fit_transform(y[:, None])  # the tags as an indicator
    alone = _fit(MinMaxClassifier(max_iter=30, random_state=0),
                 StandardScaler().fit_transform(X), y)
    pipe = _fit(make_pipeline(StandardScaler(),
                              MinMaxClassifier(max_iter=30, random_state=0)), X, tags)
    np.testing.assert_array_equal(pipe.predict(X),
                                  alone.predict_multilabel(StandardScaler().fit_transform(X)))
    search = _fit(GridSearchCV(pipe, {"minmaxclassifier__push_weight": [0.5, 1.0]},
                               scoring=tag_roc_auc_scorer, cv=2), X, tags)
    sets = search.predict(X)
    assert sets.shape == Y.shape and f1_score(Y, sets, average="micro") > 0.6
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(search)).predict(X), sets)


def test_cross_validation_gives_label_sets(single_tags):
    X, y, Y = single_tags
    tags = np.eye(4, dtype=int)[y]
    pipe = make_pipeline(StandardScaler(), MinMaxClassifier(max_iter=20, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sets = cross_val_predict(pipe, X, tags, cv=2)
        scores = cross_validate(pipe, X, tags, cv=2, scoring=tag_roc_auc_scorer)
    assert sets.shape == Y.shape and f1_score(Y, sets, average="micro") > 0.6
    assert (scores["test_score"] > 0.5).all()


def test_many_classes_get_a_linear_encoder():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(400, 5)), np.arange(400) % 120
    few = _fit(MinMaxClassifier(max_iter=2, random_state=0), X, y % 10)
    many = _fit(MinMaxClassifier(max_iter=2, random_state=0), X, y)
    assert len(few.coefs_) == 2 and few.coefs_[0].shape == (5, 100)
    assert len(many.coefs_) == 1 and many.coefs_[0].shape == (5, 120)
