"""Probabilities: scales fitted on rows the encoder did not fit, rows that
sum to 1 and an order that follows the scores (1-D y), label probabilities
that agree with ``predict`` (2-D y)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MinMaxClassifier(random_state=0, **params).fit(X, y)


@pytest.fixture(scope="module")
def noisy():
    # 10 % of the labels flipped: no model is sure of every row
    X, y = make_classification(n_samples=1500, n_features=10, n_informative=6,
                               n_classes=3, flip_y=0.1, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


def test_held_out_rows_set_the_confidence(noisy):
    """The softmax scale comes from the rows held out for early stopping: on
    new rows, the mean top probability is close to the accuracy; fitted on
    the training rows (no held-out rows), it is overconfident."""
    X, y, X_new, y_new = noisy
    gaps = {}
    for early_stopping in (True, False):
        clf = _fit(X, y, early_stopping=early_stopping, max_iter=60)
        P = clf.predict_proba(X_new)
        gaps[early_stopping] = P.max(axis=1).mean() - clf.score(X_new, y_new)
    assert abs(gaps[True]) < 0.05
    assert gaps[False] > gaps[True] + 0.02


def test_probabilities_follow_the_scores(noisy):
    X, y, X_new, _ = noisy
    clf = _fit(X, y, max_iter=20)
    P, S = clf.predict_proba(X_new), clf.decision_function(X_new)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # within each row, the same order as the scores
    np.testing.assert_array_equal(np.argsort(P, axis=1, kind="stable"),
                                  np.argsort(S, axis=1, kind="stable"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_indicator_probabilities_are_calibrated_and_agree_with_predict(seed):
    # rows without any label carry no pull, and are left out of training and
    # of the scales alike: every row has one here
    X, Y = make_multilabel_classification(n_samples=1500, n_features=20, n_classes=6,
                                          allow_unlabeled=False, random_state=seed)
    clf = _fit(X[:1000], Y[:1000], max_iter=60)
    P = clf.predict_proba(X[1000:])
    assert ((P > 0) & (P < 1)).all()
    # the mean probability of each label is near its rate on new rows (the
    # probabilities follow the label sets, which run a little over the true
    # counts on these six labels: 0.04 to 0.05 on average, 0.13 at most)
    gap = np.abs(P.mean(axis=0) - Y[1000:].mean(axis=0))
    assert gap.mean() < 0.07 and gap.max() < 0.15
    # a label is predicted exactly where its probability is at least 0.5, as
    # in MLPClassifier and the one-vs-rest models
    np.testing.assert_array_equal(clf.predict(X[1000:]), (P >= 0.5).astype(Y.dtype))
