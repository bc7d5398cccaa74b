"""A fit that diverges, fails or is interrupted leaves the estimator as it was
before the call, and the next fit is unaffected."""

import sys

import numpy as np
import pytest
from helpers import (
    SMALL,
    assert_not_tensorflow,
    assert_same_model,
    assert_unfitted,
    make,
    three_blobs,
)

from sklearn_minmax._metric_registry import METRICS

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    return three_blobs()


@pytest.fixture(scope="module")
def reference(data):
    return make().fit(*data)


@pytest.mark.parametrize("metric", METRICS)
def test_divergence_is_a_clear_error(data, metric):
    """learning_rate=1e3 blows the weights up (the training loss grows by
    orders of magnitude); fit says so instead of returning a model."""
    X, y = data
    clf = make(metric=metric, learning_rate=1e3, max_iter=20)
    with pytest.raises(FloatingPointError, match=r"lower learning_rate \(now 1000\)") as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    # a ValueError too, as MLPClassifier raises for non-finite weights
    assert isinstance(info.value, ValueError)
    assert_unfitted(clf)


def test_refit_after_a_non_finite_loss_is_unaffected(data, reference):
    """A loss that becomes NaN: a clear error, the estimator unfitted, and
    the next fit gives the same model as if the failed one never ran."""
    X, y = data
    clf = make(learning_rate=1e9, max_iter=20)
    with pytest.raises(FloatingPointError, match="learning_rate") as info:
        clf.fit(X * 1e30, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)
    clf.set_params(learning_rate=reference.learning_rate, max_iter=SMALL["max_iter"])
    assert_same_model(clf.fit(X, y), reference)


def test_failed_refit_keeps_the_previous_model(data):
    """A refit that fails mid-training, after the new data's classes and
    number of features are known, leaves the previous model whole."""
    X, y = data
    clf = make().fit(X, y)
    before = clf.decision_function(X)
    clf.set_params(learning_rate=1e9, max_iter=20)
    with pytest.raises(FloatingPointError):
        clf.fit(np.c_[X, X] * 1e30, np.arange(60) % 4)  # new n_features, classes
    assert clf.n_features_in_ == 3
    np.testing.assert_array_equal(clf.classes_, ["ant", "bee", "cat"])
    np.testing.assert_array_equal(clf.decision_function(X), before)


class _InterruptedStderr:
    """A stderr whose ``epoch``-th verbose epoch line raises KeyboardInterrupt,
    as Ctrl-C during that epoch would."""

    def __init__(self, epoch):
        self.epoch, self.lines = epoch, []

    def write(self, text):
        if "loss = " in text:
            self.lines.append(text)
            if len(self.lines) == self.epoch:
                raise KeyboardInterrupt
        return len(text)

    def flush(self):
        pass


def _interrupted_fit(clf, X, y, monkeypatch):
    stderr = _InterruptedStderr(epoch=2)
    with monkeypatch.context() as m:
        m.setattr(sys, "stderr", stderr)
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    assert len(stderr.lines) == 2  # interrupted in the middle of training


def test_keyboard_interrupt_during_fit(data, reference, monkeypatch):
    X, y = data
    clf = make(verbose=1)
    _interrupted_fit(clf, X, y, monkeypatch)
    assert_unfitted(clf)
    # the next fit starts from scratch: no state of the aborted one
    assert_same_model(clf.set_params(verbose=0).fit(X, y), reference)
    # an interrupted refit leaves the previous model
    clf.set_params(verbose=1, random_state=1)
    _interrupted_fit(clf, X, y, monkeypatch)
    assert_same_model(clf, reference)
