"""Behaviour of MinMaxClassifier that users rely on."""

import pickle
import random
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
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


def test_one_d_targets(blobs, fitted):
    X, y = blobs
    clf = fitted
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert (clf.predict(X) == y).mean() > 0.95
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    scores = clf.decision_function(X)
    assert scores.shape == (300, 3)
    np.testing.assert_array_equal(clf.classes_[scores.argmax(1)], clf.predict(X))
    np.testing.assert_array_equal(proba.argmax(1), scores.argmax(1))
    M = clf.predict_multilabel(X)
    assert M.shape == (300, 3) and set(np.unique(M)) <= {0, 1}
    assert clf.transform(X).shape == (300, clf.class_embeddings_.shape[1])
    assert clf.n_features_in_ == 5 and clf.n_iter_ == len(clf.loss_curve_)
    assert clf.score(X, y) > 0.95


def test_binary_decision_function_is_signed(blobs):
    X, y = blobs
    keep = y != "cat"
    clf = MinMaxClassifier(random_state=0).fit(X[keep], y[keep])
    d = clf.decision_function(X[keep])
    assert d.shape == (keep.sum(),)
    np.testing.assert_array_equal(clf.classes_[(d > 0).astype(int)], clf.predict(X[keep]))
    assert clf.predict_multilabel(X[keep]).shape == (keep.sum(), 2)


def test_two_d_indicator_targets(multilabel):
    X, Y = multilabel
    clf = MinMaxClassifier(random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    P = clf.predict(X)
    assert P.shape == Y.shape and P.dtype == Y.dtype
    proba = clf.predict_proba(X)
    assert ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(proba > 0.5, P.astype(bool))
    np.testing.assert_array_equal(clf.predict_multilabel(X), P)
    assert (P == Y).mean() > 0.8


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


def test_same_random_state_same_model(blobs):
    X, y = blobs
    a = MinMaxClassifier(random_state=3, max_iter=20).fit(X, y)
    b = MinMaxClassifier(random_state=3, max_iter=20).fit(X, y)
    for wa, wb in zip(a.coefs_ + [a.class_embeddings_], b.coefs_ + [b.class_embeddings_]):
        np.testing.assert_array_equal(wa, wb)
    c = MinMaxClassifier(random_state=4, max_iter=20).fit(X, y)
    assert not np.array_equal(a.class_embeddings_, c.class_embeddings_)


def test_fit_leaves_global_random_state_alone(blobs):
    import keras
    import tensorflow as tf

    X, y = blobs
    np.random.seed(1)
    random.seed(1)
    tf.random.set_seed(1)
    keras.utils.set_random_seed(1)
    expected = (np.random.rand(), random.random(), float(tf.random.uniform(())))
    np.random.seed(1)
    random.seed(1)
    tf.random.set_seed(1)
    keras.utils.set_random_seed(1)
    MinMaxClassifier(max_iter=5).fit(X, y)  # random_state=None too
    MinMaxClassifier(random_state=0, max_iter=5).fit(X, y)
    got = (np.random.rand(), random.random(), float(tf.random.uniform(())))
    assert got == expected


def test_row_order_and_integer_weights(blobs):
    X, y = blobs
    est = MinMaxClassifier(random_state=0, max_iter=30)
    ref = clone(est).fit(X, y)
    order = np.random.RandomState(0).permutation(len(X))
    shuffled = clone(est).fit(X[order], y[order])
    np.testing.assert_array_equal(ref.decision_function(X), shuffled.decision_function(X))
    w = np.random.RandomState(1).randint(0, 3, len(X))
    weighted = clone(est).fit(X, y, sample_weight=w)
    repeated = clone(est).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_array_equal(weighted.decision_function(X),
                                  repeated.decision_function(X))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_is_not_densified(blobs, fmt, monkeypatch):
    X, y = blobs
    Xs = sp.random(300, 2000, density=0.01, format=fmt, random_state=0)
    Xs = sp.hstack([sp.csr_matrix(X), Xs], format=fmt)

    def refuse(*args, **kwargs):
        raise AssertionError("the whole sparse matrix was densified")

    for cls in (sp.csr_matrix, sp.csc_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    clf = MinMaxClassifier(random_state=0).fit(Xs, y)
    assert (clf.predict(Xs) == y).mean() > 0.95
    monkeypatch.undo()
    dense = MinMaxClassifier(random_state=0).fit(Xs.toarray(), y)
    assert (dense.predict(Xs.toarray()) == clf.predict(Xs)).mean() > 0.95


def test_pickle_and_joblib_round_trips_are_exact(blobs, fitted, tmp_path):
    X, _ = blobs
    restored = pickle.loads(pickle.dumps(fitted))
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    for method in ("predict", "predict_proba", "decision_function",
                   "predict_multilabel", "transform"):
        expected = getattr(fitted, method)(X)
        np.testing.assert_array_equal(getattr(restored, method)(X), expected)
        np.testing.assert_array_equal(getattr(loaded, method)(X), expected)


def _run(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, check=True).stdout


def test_import_does_not_import_tensorflow():
    out = _run("""
        import sys, sklearn_minmax
        print('tensorflow' in sys.modules, 'keras' in sys.modules)
    """)
    assert out.split() == ["False", "False"]


def test_unpickled_model_predicts_without_tensorflow(blobs, fitted, tmp_path):
    X, _ = blobs
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", fitted.predict_proba(X))
    out = _run(f"""
        import pickle, sys, numpy as np
        clf = pickle.loads(open({str(path)!r}, 'rb').read())
        X = np.load({str(tmp_path / 'X.npy')!r})
        same = np.array_equal(clf.predict_proba(X), np.load({str(tmp_path / 'expected.npy')!r}))
        clf.predict(X); clf.predict_multilabel(X); clf.transform(X)
        print(same, 'tensorflow' in sys.modules)
    """)
    assert out.split() == ["True", "False"]


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
    cloned = clone(grid.best_estimator_)
    assert cloned.get_params()["minmaxclassifier__n_components"] in (8, 16)
    assert not hasattr(cloned[-1], "classes_")


def test_convergence_warning_when_max_iter_reached(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        MinMaxClassifier(random_state=0, max_iter=2).fit(X, y)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros(300), "at least 2 classes"),
        (np.arange(600).reshape(300, 2) % 3, "indicator"),
        (np.linspace(0, 1, 300), "Unknown label type"),
    ],
)
def test_bad_targets_get_clear_errors(blobs, y, match):
    with pytest.raises(ValueError, match=match):
        MinMaxClassifier().fit(blobs[0], y)


def test_divergence_raises_and_leaves_estimator_unfitted(blobs):
    X, y = blobs
    clf = MinMaxClassifier(learning_rate=1e12, random_state=0, max_iter=20)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        clf.fit(X * 1e18, y)
    assert not hasattr(clf, "coefs_")


def test_pickle_from_another_version_warns_with_both_versions(fitted):
    import sklearn_minmax

    data = pickle.dumps(fitted)
    assert pickle.loads(data).__dict__.get("_sklearn_minmax_version") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(data)  # same version: silent
    old = data.replace(sklearn_minmax.__version__.encode(), b"0.0.1")
    with pytest.warns(UserWarning, match=rf"sklearn_minmax 0\.0\.1 with "
                                          rf"sklearn_minmax {sklearn_minmax.__version__}"):
        pickle.loads(old)
