"""Robustness of MinMaxClassifier: hostile input, divergence, interruption,
global state, threads, and properties over random shapes and label types.

Every hostile input must get a scikit-learn style ``ValueError``/``TypeError``
whose message names the problem, or give a correct model whose fitted arrays
are all finite; never a TensorFlow exception.
"""

import concurrent.futures
import os
import random
import re
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_minmax import MinMaxClassifier

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # predicting from a DataFrame with a model fitted on an ndarray
    pytest.mark.filterwarnings("ignore:X has feature names:UserWarning"),
]

PREDICT_METHODS = [
    "predict", "predict_proba", "decision_function", "predict_multilabel", "transform",
]
SMALL = dict(max_iter=10, hidden_layer_sizes=(8,), n_components=4, random_state=0)


def make(**params):
    return MinMaxClassifier(**{**SMALL, **params})


def fitted_arrays(clf):
    return [*clf.coefs_, *clf.intercepts_, clf.class_embeddings_,
            np.asarray(clf.thresholds_)]


def assert_finite_model(clf):
    for a in fitted_arrays(clf):
        assert np.all(np.isfinite(a)), f"non-finite fitted array: {a}"
    assert np.all(np.isfinite(clf.loss_curve_))


def assert_same_model(a, b):
    """Bitwise identical fitted state."""
    arrays_a, arrays_b = fitted_arrays(a), fitted_arrays(b)
    assert len(arrays_a) == len(arrays_b)
    for p, q in zip(arrays_a, arrays_b):
        assert p.dtype == q.dtype and p.shape == q.shape
        assert p.tobytes() == q.tobytes(), np.abs(p - q).max()
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.classes_, b.classes_)


def assert_not_tensorflow(exc):
    """Neither the exception nor its visible cause/context comes from TF."""
    seen = exc
    while seen is not None:
        module = type(seen).__module__
        assert not module.startswith(("tensorflow", "keras")), (
            f"TensorFlow exception leaked: {type(seen).__module__}."
            f"{type(seen).__name__}: {seen}"
        )
        seen = seen.__cause__ or (None if seen.__suppress_context__
                                  else seen.__context__)


def assert_unfitted(clf):
    assert not hasattr(clf, "coefs_")
    assert not hasattr(clf, "class_embeddings_")
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((1, 3)))


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    centers = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]])
    y = np.arange(60) % 3
    X = centers[y] + rng.randn(60, 3)
    return X, np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return make().fit(X, y)


# --------------------------------------------------------------------------
# Hostile input to fit
# --------------------------------------------------------------------------
def _with(value):
    def build(X):
        X = X.copy()
        X[3, 1] = value
        return X
    return build


def _category_frame(X):
    return pd.DataFrame({"a": X[:, 0], "b": np.round(X[:, 1] * 10).astype(int),
                         "c": pd.Categorical(np.where(X[:, 2] > 1, "u", "v"))})


def _string_frame(X):
    return pd.DataFrame({"a": X[:, 0], "b": np.round(X[:, 1] * 10).astype(int),
                         "c": np.where(X[:, 2] > 1, "u", "v").astype(object)})


def _objects(X):
    out = np.empty(X.shape, dtype=object)
    out[...] = object()
    return out


def _objects_with_none(X):
    out = X.astype(object)
    out[3, 1] = None
    return out


# (id, X builder, y builder, exception, regex the message must match)
FIT_ERRORS = [
    ("nan", _with(np.nan), None, ValueError, r"X contains NaN"),
    ("posinf", _with(np.inf), None, ValueError, r"X contains infinity"),
    ("neginf", _with(-np.inf), None, ValueError, r"X contains infinity"),
    ("empty", lambda X: X[:0], lambda y: y[:0], ValueError, r"0 sample"),
    ("zero_features", lambda X: X[:, :0], None, ValueError, r"0 feature"),
    ("one_sample", lambda X: X[:1], lambda y: y[:1], ValueError,
     r"at least 2 classes|1 sample"),
    ("one_class", None, lambda y: np.full(len(y), y[0]), ValueError,
     r"at least 2 classes"),
    ("length_mismatch", None, lambda y: y[:-1], ValueError,
     r"inconsistent numbers of samples"),
    ("X_1d", lambda X: X[:, 0], None, ValueError, r"2D|2-dimensional"),
    ("X_3d", lambda X: X[:, :, None], None, ValueError, r"dim 3"),
    ("strings", lambda X: np.where(X > 0, "pos", "neg"), None, ValueError,
     r"string"),
    ("objects", _objects, None, TypeError, r"object"),
    ("object_none", _objects_with_none, None, (TypeError, ValueError),
     r"NoneType|NaN"),
    ("complex", lambda X: X + 1j, None, ValueError, r"[Cc]omplex"),
    ("y_nan", None, lambda y: np.where(np.arange(len(y)) == 3, np.nan,
                                       np.arange(len(y)) % 3), ValueError,
     r"y contains NaN"),
    ("y_continuous", None, lambda y: np.linspace(0, 1, len(y)), ValueError,
     r"continuous"),
    ("y_2d_continuous", None,
     lambda y: np.random.RandomState(0).rand(len(y), 3), ValueError,
     r"continuous"),
    ("dataframe_category", _category_frame, None, ValueError,
     r"non-numeric columns \['c'\]"),
    ("dataframe_string", _string_frame, None, ValueError, r"non-numeric columns"),
]


@pytest.mark.parametrize("build_X, build_y, error, match",
                         [case[1:] for case in FIT_ERRORS],
                         ids=[case[0] for case in FIT_ERRORS])
def test_fit_rejects_hostile_input(data, build_X, build_y, error, match):
    X, y = data
    X = build_X(X) if build_X else X
    y = build_y(y) if build_y else y
    clf = make(max_iter=5)
    with pytest.raises(error, match=match) as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)


def _big_ints(X):
    return (np.round(X * 10).astype(np.int64) + 2**62).astype(np.int64)


def _big_uints(X):
    return (np.round(X * 10) + 20).astype(np.uint64) + np.uint64(2**63)


def _numeric_frame(X):
    return pd.DataFrame({"a": X[:, 0], "b": np.round(X[:, 1] * 10).astype(np.int64),
                         "c": X[:, 2].astype(np.float32)})


def _sparse(X):
    return sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))


# (id, X builder): these must give a correct model with finite fitted arrays,
# or (for the extreme magnitudes) a clear ValueError naming X
FIT_OK = [
    ("scale_1e30", lambda X: X * 1e30),
    ("scale_1e-30", lambda X: X * 1e-30),
    ("float32_1e30", lambda X: (X * 1e30).astype(np.float32)),
    ("int64_near_2**62", _big_ints),
    ("uint64_near_2**63", _big_uints),
    ("int32", lambda X: np.round(X * 10).astype(np.int32)),
    ("numeric_strings", lambda X: X.astype(str)),
    ("object_floats", lambda X: X.astype(object)),
    ("dataframe_int_float", _numeric_frame),
    ("sparse_csr", _sparse),
    ("sparse_csc", lambda X: _sparse(X).tocsc()),
]


@pytest.mark.parametrize("build_X", [c[1] for c in FIT_OK], ids=[c[0] for c in FIT_OK])
def test_fit_extreme_but_valid_input(data, build_X):
    X, y = data
    X = build_X(X)
    clf = make(max_iter=5)
    try:
        clf.fit(X, y)
    except (ValueError, TypeError) as exc:
        assert_not_tensorflow(exc)
        assert re.search(r"\bX\b", str(exc)), f"error does not name X: {exc}"
        assert_unfitted(clf)
        return
    assert_finite_model(clf)
    for method in PREDICT_METHODS:
        out = np.asarray(getattr(clf, method)(X))
        assert out.shape[0] == 60
        if out.dtype.kind == "f":
            assert np.all(np.isfinite(out)), method
    assert set(clf.predict(X)) <= set(clf.classes_)


@pytest.mark.parametrize("scale", [1e39, -1e39, 1e300])
def test_fit_float32_overflow_is_a_clear_error(data, scale):
    """Values that overflow float32 (training precision) must be rejected up
    front with a ValueError naming X, not train to NaN/inf or die in TF."""
    X, y = data
    X = X.copy()
    X[5, 0] = scale
    clf = make(max_iter=5)
    with pytest.raises(ValueError) as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    message = str(info.value)
    assert re.search(r"\bX\b", message), message
    assert re.search(r"(?i)float32|too large|overflow|range", message), message
    assert_unfitted(clf)


def test_fit_dataframe_numeric_mix_matches_ndarray(data):
    X, y = data
    frame = _numeric_frame(X)
    a = make().fit(frame, y)
    b = make().fit(frame.to_numpy(dtype=np.float64), y)
    assert list(a.feature_names_in_) == ["a", "b", "c"]
    assert_finite_model(a)
    assert_same_model(a, b)
    np.testing.assert_array_equal(a.decision_function(frame),
                                  b.decision_function(frame.to_numpy(np.float64)))


def _with_explicit_zeros(X, fraction=0.5, seed=0):
    """The same matrix as ``X`` (CSR) with explicit zeros stored."""
    X = sp.csr_matrix(X)
    dense = X.toarray()
    rng = np.random.RandomState(seed)
    zr, zc = np.nonzero(dense == 0)
    keep = rng.rand(len(zr)) < fraction
    coo = X.tocoo()
    rows = np.r_[coo.row, zr[keep]]
    cols = np.r_[coo.col, zc[keep]]
    vals = np.r_[coo.data, np.zeros(keep.sum())]
    order = rng.permutation(len(rows))  # unsorted indices too
    out = sp.csr_matrix((vals[order], (rows[order], cols[order])), shape=X.shape)
    out.has_canonical_format = False
    assert out.nnz > X.nnz and (out != X).nnz == 0
    return out


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_fit_sparse_explicit_zeros_same_model(fmt):
    Xs = sp.random(60, 8, density=0.4, random_state=0, format="csr")
    y = np.arange(60) % 3
    Xz = _with_explicit_zeros(Xs).asformat(fmt)
    a = make().fit(Xs.asformat(fmt), y)
    b = make().fit(Xz, y)
    assert_finite_model(b)
    assert_same_model(a, b)
    np.testing.assert_array_equal(a.decision_function(Xs), b.decision_function(Xs))
    np.testing.assert_array_equal(a.decision_function(Xs), b.decision_function(Xz))


# --------------------------------------------------------------------------
# Hostile input to the prediction methods of a fitted model
# --------------------------------------------------------------------------
PREDICT_ERRORS = [
    ("nan", _with(np.nan), ValueError, r"X contains NaN"),
    ("posinf", _with(np.inf), ValueError, r"X contains infinity"),
    ("neginf", _with(-np.inf), ValueError, r"X contains infinity"),
    ("empty", lambda X: X[:0], ValueError, r"0 sample"),
    ("zero_features", lambda X: X[:, :0], ValueError, r"0 feature"),
    ("wrong_n_features", lambda X: X[:, :2], ValueError, r"2 features.*expecting 3"),
    ("X_1d", lambda X: X[:, 0], ValueError, r"2D|2-dimensional"),
    ("X_3d", lambda X: X[:, :, None], ValueError, r"dim 3"),
    ("strings", lambda X: np.where(X > 0, "pos", "neg"), ValueError, r"string"),
    ("objects", _objects, TypeError, r"object"),
    ("object_none", _objects_with_none, (TypeError, ValueError), r"NoneType|NaN"),
    ("complex", lambda X: X + 1j, ValueError, r"[Cc]omplex"),
    ("dataframe_category", _category_frame, ValueError, r"non-numeric columns \['c'\]"),
    ("dataframe_string", _string_frame, ValueError, r"non-numeric columns"),
]


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("build_X, error, match", [c[1:] for c in PREDICT_ERRORS],
                         ids=[c[0] for c in PREDICT_ERRORS])
def test_predict_rejects_hostile_input(data, fitted, method, build_X, error, match):
    X, _ = data
    with pytest.raises(error, match=match) as info:
        getattr(fitted, method)(build_X(X))
    assert_not_tensorflow(info.value)


PREDICT_OK = [
    ("one_sample", lambda X: X[:1]),
    ("one_sample_1e-30", lambda X: X[:1] * 1e-30),
    ("scale_1e30", lambda X: X * 1e30),
    ("scale_1e-30", lambda X: X * 1e-30),
    ("float32", lambda X: X.astype(np.float32)),
    ("float32_max", lambda X: np.full_like(X, np.finfo(np.float32).max, np.float32)),
    ("int64_near_2**62", _big_ints),
    ("uint64_near_2**63", _big_uints),
    ("bool", lambda X: X > 1),
    ("dataframe_int_float", _numeric_frame),
    ("sparse", _sparse),
    ("sparse_explicit_zeros", lambda X: _with_explicit_zeros(_sparse(X))),
    ("float64_beyond_float32_1e39", lambda X: X * 1e39),
    ("float64_1e300", lambda X: X * 1e300),
]


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("build_X", [c[1] for c in PREDICT_OK],
                         ids=[c[0] for c in PREDICT_OK])
def test_predict_extreme_but_valid_input(data, fitted, method, build_X):
    """Either a clear ValueError naming X, or finite output of the right shape
    built on finite embeddings (a NaN embedding makes ``predict`` an argmax
    over NaN, i.e. silently ``classes_[0]``)."""
    X, _ = data
    X = build_X(X)
    try:
        out = np.asarray(getattr(fitted, method)(X))
    except (ValueError, TypeError) as exc:
        assert_not_tensorflow(exc)
        assert re.search(r"\bX\b", str(exc)), f"error does not name X: {exc}"
        return
    n = X.shape[0]
    assert out.shape[0] == n
    if out.dtype.kind == "f":
        assert np.all(np.isfinite(out)), f"{method} gave non-finite output"
    try:
        Z = fitted.transform(X)
    except ValueError as exc:  # the embedding does not fit X's own dtype
        assert re.search(r"\bX\b", str(exc)), f"error does not name X: {exc}"
    else:
        assert np.all(np.isfinite(Z)), "non-finite embeddings"
    if method == "predict":
        assert set(out) <= set(fitted.classes_)
    if method == "predict_proba":
        np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_predict_sparse_explicit_zeros_exact(data, fitted):
    X, _ = data
    Xs = _sparse(X)
    Xz = _with_explicit_zeros(Xs)
    for method in PREDICT_METHODS:
        a = getattr(fitted, method)(Xs)
        np.testing.assert_array_equal(a, getattr(fitted, method)(Xz), err_msg=method)
        np.testing.assert_array_equal(a, getattr(fitted, method)(Xz.tocsc()),
                                      err_msg=method)


def test_predict_dataframe_matches_ndarray(data):
    X, y = data
    frame = _numeric_frame(X)
    clf = make().fit(frame, y)
    dense = frame.to_numpy(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no feature names
        for method in PREDICT_METHODS:
            np.testing.assert_array_equal(getattr(clf, method)(frame),
                                          getattr(clf, method)(dense), err_msg=method)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[["b", "a", "c"]])


# --------------------------------------------------------------------------
# Divergence and interruption
# --------------------------------------------------------------------------
def _trainer_key(clf, X):
    """Arguments of ``_training._trainer`` for a fit of ``clf`` on ``X``."""
    n_params = 2 * (len(clf.hidden_layer_sizes) + 1) + 1
    return (n_params, clf.activation, clf.metric, sp.issparse(X), False)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "manhattan", "kl"])
def test_divergence_huge_learning_rate(data, metric):
    """learning_rate=1e3 blows the weights up (the training loss grows by
    orders of magnitude); fit must say so instead of returning a model."""
    X, y = data
    clf = make(metric=metric, learning_rate=1e3, max_iter=20)
    with pytest.raises((FloatingPointError, ValueError), match="learning_rate") as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)


def test_divergence_huge_X_releases_trainer(data):
    """A loss that becomes NaN: clear error, unfitted, and the cached trainer
    is usable again (lock released, no stale state)."""
    from sklearn_minmax import _training

    X, y = data
    reference = make().fit(X, y)
    clf = make(learning_rate=1e9, max_iter=20)
    with pytest.raises((FloatingPointError, ValueError), match="learning_rate") as info:
        clf.fit(X * 1e30, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)
    trainer = _training._trainer(*_trainer_key(clf, X))
    assert not trainer.lock.locked()
    clf.set_params(learning_rate=reference.learning_rate, max_iter=SMALL["max_iter"])
    assert_same_model(clf.fit(X, y), reference)


def test_failed_refit_leaves_no_stale_model(data):
    """A refit that fails mid-training (after the new classes_ and
    n_features_in_ are known) must not leave the old model mixed with the new
    data's state."""
    X, y = data
    clf = make().fit(X, y)
    before = clf.decision_function(X)
    clf.set_params(learning_rate=1e9, max_iter=20)
    with pytest.raises((FloatingPointError, ValueError)):
        clf.fit(np.c_[X, X] * 1e30, np.arange(60) % 4)  # new n_features, classes
    if hasattr(clf, "coefs_"):  # old model kept: must be entirely the old one
        assert clf.n_features_in_ == 3 and len(clf.classes_) == 3
        np.testing.assert_array_equal(clf.decision_function(X), before)
    else:
        assert_unfitted(clf)


def test_keyboard_interrupt_during_fit(data, monkeypatch):
    from sklearn_minmax import _training

    X, y = data
    reference = make().fit(X, y)
    original = _training._trainer
    calls, trainers = [], []

    def patched_trainer(*args, **kwargs):
        trainer = original(*args, **kwargs)
        run_epoch = trainer.run_epoch

        def interrupting(*a, **k):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return run_epoch(*a, **k)

        monkeypatch.setattr(trainer, "run_epoch", interrupting)
        trainers.append(trainer)
        return trainer

    monkeypatch.setattr(_training, "_trainer", patched_trainer)
    clf = make()
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert len(calls) == 2
    monkeypatch.undo()
    assert_unfitted(clf)
    assert trainers and not any(t.lock.locked() for t in trainers)
    # the cached trainer works again and holds no state of the aborted fit
    assert_same_model(clf.fit(X, y), reference)


# --------------------------------------------------------------------------
# Global state and order independence
# --------------------------------------------------------------------------
def test_fit_leaves_global_state_alone(data):
    import keras
    import tensorflow as tf

    X, y = data

    def seed_all():
        np.random.seed(1234)
        random.seed(1234)
        tf.random.set_seed(1234)
        tf.random.get_global_generator().reset_from_seed(1234)

    def draw():
        return (np.random.rand(4).tolist(), [random.random() for _ in range(4)],
                tf.random.get_global_generator().normal([4]).numpy().tolist(),
                tf.random.uniform([4]).numpy().tolist())

    make(max_iter=2).fit(X, y)  # TensorFlow imported and function traced
    floatx, errstate = keras.config.floatx(), np.geterr()
    seed_all()
    expected = draw()
    seed_all()
    clf = make(random_state=None).fit(X, y)
    clf.predict_proba(X)
    assert draw() == expected
    assert keras.config.floatx() == floatx
    assert np.geterr() == errstate


def _order_estimators(data):
    X, y = data
    rng = np.random.RandomState(1)
    X2 = rng.randn(50, 3)
    y2 = rng.randint(0, 4, 50)
    return [
        (make(random_state=1), X, y),
        (make(random_state=2, hidden_layer_sizes=(5,)), X2, y2),  # same trainer
        (make(random_state=3, metric="euclidean"), X2 * 3, y2),   # another one
    ]


def test_fit_order_does_not_matter(data):
    forward = [clf.fit(X, y) for clf, X, y in _order_estimators(data)]
    backward = [clf.fit(X, y) for clf, X, y in _order_estimators(data)[::-1]][::-1]
    for a, b in zip(forward, backward):
        assert_same_model(a, b)


def test_fit_alone_in_fresh_process_is_identical(data, tmp_path):
    """First fit in a process (cold trace) == fit after other fits."""
    X, y = data
    np.savez(tmp_path / "data.npz", X=X, y=y)
    script = textwrap.dedent(f"""
        import numpy as np, warnings
        warnings.simplefilter("ignore")
        from sklearn_minmax import MinMaxClassifier
        d = np.load({str(tmp_path / "data.npz")!r})
        clf = MinMaxClassifier(**{SMALL!r}).set_params(random_state=1)
        clf.fit(d["X"], d["y"])
        arrays = [*clf.coefs_, *clf.intercepts_, clf.class_embeddings_,
                  np.asarray(clf.thresholds_)]
        np.savez({str(tmp_path / "out.npz")!r}, *arrays)
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=300)
    alone = np.load(tmp_path / "out.npz")
    alone = [alone[f"arr_{i}"] for i in range(len(alone.files))]
    for clf, Xo, yo in _order_estimators(data)[::-1]:  # A is fitted last
        clf.fit(Xo, yo)
    for p, q in zip(fitted_arrays(clf), alone, strict=True):
        assert p.tobytes() == q.tobytes(), np.abs(p - q).max()


# --------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------
def _all_predictions(clf, X):
    return {m: getattr(clf, m)(X) for m in PREDICT_METHODS}


def test_concurrent_predictions(data, fitted):
    X, _ = data
    rng = np.random.RandomState(0)
    inputs = [X[rng.permutation(60)[:k]] for k in (1, 5, 17, 60, 33, 60, 2, 41)]
    serial = [_all_predictions(fitted, Xi) for Xi in inputs]
    barrier = threading.Barrier(8)

    def job(Xi):
        barrier.wait()
        return [_all_predictions(fitted, Xi) for _ in range(3)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(job, inputs))
    for expected, repeats in zip(serial, results):
        for got in repeats:
            for m in PREDICT_METHODS:
                np.testing.assert_array_equal(got[m], expected[m], err_msg=m)


@pytest.mark.parametrize("same_architecture", [True, False],
                         ids=["shared_trainer", "separate_trainers"])
def test_concurrent_fits(data, same_architecture):
    X, y = data
    rng = np.random.RandomState(2)
    X2, y2 = rng.randn(45, 3), rng.randint(0, 2, 45)
    other = dict(random_state=5) if same_architecture else dict(
        random_state=5, activation="tanh", metric="manhattan")
    jobs = [(dict(random_state=4), X, y), (other, X2, y2)]
    serial = [make(**p).fit(Xj, yj) for p, Xj, yj in jobs]
    barrier = threading.Barrier(2)

    def job(args):
        p, Xj, yj = args
        clf = make(**p)
        barrier.wait()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return clf.fit(Xj, yj)

    for _ in range(2):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            parallel = list(pool.map(job, jobs))
        for a, b in zip(serial, parallel):
            assert_same_model(a, b)


# --------------------------------------------------------------------------
# Properties over shapes, dtypes, label types and class counts
# --------------------------------------------------------------------------
LABELS = {
    "int": np.array([3, -1, 10, 0, 42]),
    "str": np.array(["spam", "eggs", "a b", "é", "zz"]),
}


@st.composite
def problems(draw):
    n_classes = draw(st.integers(2, 5))
    n_samples = draw(st.integers(max(2, n_classes), 40))
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "int32"]))
    label_kind = draw(st.sampled_from(sorted(LABELS)))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    if dtype.startswith("int"):
        X = rng.randint(-10, 11, (n_samples, n_features)).astype(dtype)
    else:
        X = (rng.randn(n_samples, n_features) * 10 ** rng.uniform(-3, 3)).astype(dtype)
    codes = rng.permutation(np.arange(n_samples) % n_classes)  # every class present
    y = LABELS[label_kind][:n_classes][codes]
    return X, y


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_properties(problem):
    X, y = problem
    n, k = X.shape[0], len(np.unique(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MinMaxClassifier(max_iter=3, hidden_layer_sizes=(4,), n_components=4,
                               random_state=0).fit(X, y)
    assert_finite_model(clf)
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    assert clf.n_features_in_ == X.shape[1]
    assert [W.shape for W in clf.coefs_] == [(X.shape[1], 4), (4, 4)]
    assert clf.class_embeddings_.shape == (k, 4)
    assert clf.thresholds_.shape == (k,)

    pred = clf.predict(X)
    assert pred.shape == (n,) and set(pred) <= set(clf.classes_)
    assert pred.dtype == clf.classes_.dtype
    proba = clf.predict_proba(X)
    assert proba.shape == (n, k)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    scores = clf.decision_function(X)
    assert scores.shape == ((n,) if k == 2 else (n, k))
    assert np.all(np.isfinite(scores))
    multi = clf.predict_multilabel(X)
    assert multi.shape == (n, k) and set(np.unique(multi)) <= {0, 1}
    Z = clf.transform(X)
    assert Z.shape == (n, 4) and np.all(np.isfinite(Z))
    assert Z.dtype == (np.float32 if X.dtype == np.float32 else np.float64)
