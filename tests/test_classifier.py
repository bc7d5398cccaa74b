"""Behaviour of MinMaxClassifier that users rely on: its outputs for 1-D and
2-D targets, the decision thresholds, and its place in scikit-learn tools."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=3, n_features=5, random_state=0)
    return X, np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return MinMaxClassifier(random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    return StandardScaler().fit_transform(X), Y


def _cosine(Z, E):
    return (Z / np.linalg.norm(Z, axis=1, keepdims=True)) @ (
        E / np.linalg.norm(E, axis=1, keepdims=True)).T


def test_one_d_targets(blobs, fitted):
    X, y = blobs
    clf = fitted
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert (clf.predict(X) == y).mean() > 0.95
    assert clf.score(X, y) > 0.95
    scores = clf.decision_function(X)
    # the scores are the cosine of each embedding with each class embedding
    Z = clf.transform(X)
    assert Z.shape == (300, clf.class_embeddings_.shape[1])
    np.testing.assert_allclose(scores, _cosine(Z, clf.class_embeddings_), atol=1e-12)
    best = scores.argmax(axis=1)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[best])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), best)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    # the best class is always among the predicted labels
    M = clf.predict_multilabel(X)
    assert set(np.unique(M)) <= {0, 1}
    assert np.all(M[np.arange(300), best] == 1)
    assert clf.n_features_in_ == 5 and clf.n_iter_ == len(clf.loss_curve_)


def test_binary_decision_function_is_signed(blobs):
    X, y = blobs
    keep = y != "cat"
    clf = MinMaxClassifier(random_state=0).fit(X[keep], y[keep])
    d = clf.decision_function(X[keep])
    assert d.shape == (keep.sum(),)
    pred = clf.predict(X[keep])
    np.testing.assert_array_equal(clf.classes_[(d > 0).astype(int)], pred)
    assert (pred == y[keep]).mean() > 0.95
    M = clf.predict_multilabel(X[keep])
    assert M.shape == (keep.sum(), 2)
    assert np.all(M[np.arange(keep.sum()), (d > 0).astype(int)] == 1)


def test_two_d_indicator_targets(multilabel):
    X, Y = multilabel
    clf = MinMaxClassifier(random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    P = clf.predict(X)
    assert P.shape == Y.shape and P.dtype == Y.dtype
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba > 0) & (proba < 1)).all()
    # per label, the rows predicted to have it are the more probable ones
    for c in range(4):
        assert proba[P[:, c] == 1, c].min() >= proba[P[:, c] == 0, c].max()
    np.testing.assert_array_equal(clf.predict_multilabel(X), P)
    assert f1_score(Y, P, average="micro") > 0.75


def test_thresholds_are_derived_and_overridable(blobs, fitted):
    X, y = blobs
    t = fitted.thresholds_
    assert t.shape == (3,) and np.isfinite(t).all() and (t <= 0.5).all()
    # 1-D y: a class is predicted where its share of the sample (its cosine
    # over the best class's) reaches its threshold
    S = fitted.decision_function(X)
    share = S / S.max(axis=1, keepdims=True)
    P = fitted.predict_multilabel(X)
    np.testing.assert_array_equal(P, share >= t)
    # three separated blobs: every sample gets its own class, and only it
    np.testing.assert_array_equal(P.argmax(1), np.searchsorted(fitted.classes_, y))
    assert (P.sum(axis=1) == 1).mean() > 0.95
    # a given threshold applies to the scores themselves
    clf = clone(fitted).set_params(threshold=0.2).fit(X, y)
    np.testing.assert_array_equal(clf.thresholds_, np.full(3, 0.2))
    np.testing.assert_array_equal(clf.predict_multilabel(X),
                                  clf.decision_function(X) >= 0.2)
    everything = clone(fitted).set_params(threshold=-1.0).fit(X, y)
    assert everything.predict_multilabel(X).all()


@pytest.mark.slow
def test_import_does_not_import_tensorflow():
    out = subprocess.run([sys.executable, "-c",
                          "import sys, sklearn_minmax\n"
                          "print('tensorflow' in sys.modules, 'keras' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.slow
def test_fit_imports_tensorflow_but_not_keras_which_still_works_after():
    # the built-in encoder trains on TensorFlow alone; Keras, whose import
    # TensorFlow's own would otherwise run, is imported by what uses it
    script = (
        "import sys, numpy as np\n"
        "from sklearn_minmax import MinMaxClassifier\n"
        "X = np.random.RandomState(0).normal(size=(60, 3)); y = np.arange(60) % 3\n"
        "MinMaxClassifier(max_iter=2, random_state=0).fit(X, y)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
        "import keras\n"
        "import tensorflow as tf\n"
        "from tensorflow.keras import layers\n"
        "print(layers.Dense is keras.layers.Dense is tf.keras.layers.Dense)\n"
        "enc = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])\n"
        "clf = MinMaxClassifier(encoder=enc, max_iter=2, random_state=0).fit(X, y)\n"
        "print(clf.predict(X).shape == (60,))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["True", "False", "True", "True"]


@pytest.mark.slow
def test_pipeline_grid_search_parallel(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), MinMaxClassifier(random_state=0, max_iter=30))
    grid = GridSearchCV(pipe, {"minmaxclassifier__n_components": [8, 16]}, cv=3,
                        n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert grid.best_score_ > 0.9
    assert (grid.predict(X) == y).mean() > 0.9
    best = grid.best_params_["minmaxclassifier__n_components"]
    assert grid.best_estimator_[-1].transform(X).shape == (300, best)
    cloned = clone(grid.best_estimator_)
    assert cloned.get_params()["minmaxclassifier__n_components"] == best
    assert not hasattr(cloned[-1], "classes_")


def test_convergence_warning_when_max_iter_reached(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        MinMaxClassifier(random_state=0, max_iter=2).fit(X, y)
