"""What ``fit`` and the prediction methods accept, and how they refuse the rest.

Invalid input gets a scikit-learn style ``ValueError`` or ``TypeError`` whose
message names the problem, never a TensorFlow exception, and leaves the
estimator unfitted. Extreme but valid input gives a model whose fitted arrays
and outputs are all finite.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import (
    PREDICT_METHODS,
    SMALL,
    assert_finite_model,
    assert_not_tensorflow,
    assert_same_model,
    assert_unfitted,
    make,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted(small_blobs):
    return make().fit(*small_blobs)


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


def _numeric_frame(X):
    return pd.DataFrame({"a": X[:, 0], "b": np.round(X[:, 1] * 10).astype(np.int64),
                         "c": X[:, 2].astype(np.float32)})


def _objects(X):
    out = np.empty(X.shape, dtype=object)
    out[...] = object()
    return out


def _objects_with_none(X):
    out = X.astype(object)
    out[3, 1] = None
    return out


def _big_ints(X):
    return (np.round(X * 10).astype(np.int64) + 2**62).astype(np.int64)


def _big_uints(X):
    return (np.round(X * 10) + 20).astype(np.uint64) + np.uint64(2**63)


# --------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------
# (id, X builder, y builder, exception, regex the message must match)
FIT_ERRORS = [
    ("nan", _with(np.nan), None, ValueError, r"X contains NaN"),
    ("posinf", _with(np.inf), None, ValueError, r"X contains infinity"),
    ("neginf", _with(-np.inf), None, ValueError, r"X contains infinity"),
    ("empty", lambda X: X[:0], lambda y: y[:0], ValueError, r"0 sample"),
    ("zero_features", lambda X: X[:, :0], None, ValueError, r"0 feature"),
    ("one_sample", lambda X: X[:1], lambda y: y[:1], ValueError,
     r"at least 2 classes"),
    ("one_class", None, lambda y: np.full(len(y), y[0]), ValueError,
     r"at least 2 classes"),
    ("length_mismatch", None, lambda y: y[:-1], ValueError,
     r"inconsistent numbers of samples"),
    ("X_1d", lambda X: X[:, 0], None, ValueError, r"Expected 2D array"),
    ("X_3d", lambda X: X[:, :, None], None, ValueError, r"dim 3"),
    ("strings", lambda X: np.where(X > 0, "pos", "neg"), None, ValueError,
     r"could not convert string to float"),
    ("objects", _objects, None, TypeError, r"not 'object'"),
    # None in an object array is read as a missing value
    ("object_none", _objects_with_none, None, ValueError, r"X contains NaN"),
    ("complex", lambda X: X + 1j, None, ValueError, r"Complex data not supported"),
    ("y_nan", None, lambda y: np.where(np.arange(len(y)) == 3, np.nan,
                                       np.arange(len(y)) % 3), ValueError,
     r"y contains NaN"),
    ("y_continuous", None, lambda y: np.linspace(0, 1, len(y)), ValueError,
     r"Unknown label type: continuous"),
    ("y_2d_continuous", None,
     lambda y: np.random.RandomState(0).rand(len(y), 3), ValueError,
     r"Unknown label type: continuous-multioutput"),
    ("y_2d_multiclass", None, lambda y: np.arange(2 * len(y)).reshape(-1, 2) % 3,
     ValueError, r"indicator"),
    ("dataframe_category", _category_frame, None, ValueError,
     r"non-numeric columns \['c'\]"),
    ("dataframe_string", _string_frame, None, ValueError,
     r"non-numeric columns \['c'\]"),
]


@pytest.mark.parametrize("build_X, build_y, error, match",
                         [case[1:] for case in FIT_ERRORS],
                         ids=[case[0] for case in FIT_ERRORS])
def test_fit_rejects_invalid_input(small_blobs, build_X, build_y, error, match):
    X, y = small_blobs
    X = build_X(X) if build_X else X
    y = build_y(y) if build_y else y
    clf = make(max_iter=5)
    with pytest.raises(error, match=match) as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)


# (id, X builder, builder of the float64 X it must be the same model as, or None)
FIT_OK = [
    ("scale_1e30", lambda X: X * 1e30, None),
    ("scale_1e-30", lambda X: X * 1e-30, None),
    # the model trains in float32: float64 input is cast to it
    ("float32_1e30", lambda X: (X * 1e30).astype(np.float32), lambda X: X * 1e30),
    ("int64_near_2**62", _big_ints, lambda X: _big_ints(X).astype(np.float64)),
    ("uint64_near_2**63", _big_uints, lambda X: _big_uints(X).astype(np.float64)),
    ("int32", lambda X: np.round(X * 10).astype(np.int32), lambda X: np.round(X * 10)),
    ("numeric_strings", lambda X: X.astype(str), lambda X: X),
    ("object_floats", lambda X: X.astype(object), lambda X: X),
]


@pytest.mark.parametrize("build_X, build_same", [c[1:] for c in FIT_OK],
                         ids=[c[0] for c in FIT_OK])
def test_fit_accepts_extreme_but_valid_input(small_blobs, build_X, build_same):
    X, y = small_blobs
    X = build_X(X)
    clf = make(max_iter=5).fit(X, y)
    assert_finite_model(clf)
    for method in PREDICT_METHODS:
        out = np.asarray(getattr(clf, method)(X))
        assert out.shape[0] == 60
        if out.dtype.kind == "f":
            assert np.all(np.isfinite(out)), method
    assert set(clf.predict(X)) <= set(clf.classes_)
    if build_same is not None:
        assert_same_model(clf, make(max_iter=5).fit(build_same(small_blobs[0]), y))


@pytest.mark.parametrize("scale", [1e39, -1e39, 1e300])
def test_fit_float32_overflow_is_a_clear_error(small_blobs, scale):
    """Values that overflow float32 (training precision) are rejected up
    front with a ValueError naming X, rather than trained to NaN/inf."""
    X, y = small_blobs
    X = X.copy()
    X[5, 0] = scale
    clf = make(max_iter=5)
    with pytest.raises(ValueError, match=r"X has values beyond the float32 range") as info:
        clf.fit(X, y)
    assert_not_tensorflow(info.value)
    assert_unfitted(clf)


def test_dataframe_gives_the_model_and_predictions_of_its_array(small_blobs):
    X, y = small_blobs
    frame = _numeric_frame(X)
    dense = frame.to_numpy(np.float64)
    a = make().fit(frame, y)
    b = make().fit(dense, y)
    assert list(a.feature_names_in_) == ["a", "b", "c"]
    assert_finite_model(a)
    assert_same_model(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # X has no feature names
        for method in PREDICT_METHODS:
            np.testing.assert_array_equal(getattr(a, method)(frame),
                                          getattr(a, method)(dense), err_msg=method)
    with pytest.raises(ValueError, match="feature names"):
        a.predict(frame[["b", "a", "c"]])


# --------------------------------------------------------------------------
# the prediction methods of a fitted model
# --------------------------------------------------------------------------
PREDICT_ERRORS = [
    ("nan", _with(np.nan), ValueError, r"X contains NaN"),
    ("posinf", _with(np.inf), ValueError, r"X contains infinity"),
    ("neginf", _with(-np.inf), ValueError, r"X contains infinity"),
    ("empty", lambda X: X[:0], ValueError, r"0 sample"),
    ("zero_features", lambda X: X[:, :0], ValueError, r"0 feature"),
    ("wrong_n_features", lambda X: X[:, :2], ValueError, r"2 features.*expecting 3"),
    ("X_1d", lambda X: X[:, 0], ValueError, r"Expected 2D array"),
    ("X_3d", lambda X: X[:, :, None], ValueError, r"dim 3"),
    ("strings", lambda X: np.where(X > 0, "pos", "neg"), ValueError,
     r"could not convert string to float"),
    ("objects", _objects, TypeError, r"not 'object'"),
    ("object_none", _objects_with_none, ValueError, r"X contains NaN"),
    ("complex", lambda X: X + 1j, ValueError, r"Complex data not supported"),
    ("dataframe_category", _category_frame, ValueError, r"non-numeric columns \['c'\]"),
    ("dataframe_string", _string_frame, ValueError, r"non-numeric columns \['c'\]"),
]


@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("build_X, error, match", [c[1:] for c in PREDICT_ERRORS],
                         ids=[c[0] for c in PREDICT_ERRORS])
def test_predict_rejects_invalid_input(small_blobs, fitted, method, build_X, error, match):
    X, _ = small_blobs
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
]  # values beyond the float32 range: test_frictions.py


@pytest.mark.parametrize("build_X", [c[1] for c in PREDICT_OK],
                         ids=[c[0] for c in PREDICT_OK])
def test_predict_accepts_extreme_but_valid_input(small_blobs, fitted, build_X):
    """Finite output of the right shape, built on finite scores: a NaN score
    would make ``predict`` an argmax over NaN, i.e. silently ``classes_[0]``."""
    X = build_X(small_blobs[0])
    n, k = X.shape[0], len(fitted.classes_)
    scores = fitted.decision_function(X)
    assert scores.shape == (n, k) and np.all(np.isfinite(scores))
    pred = fitted.predict(X)
    np.testing.assert_array_equal(pred, fitted.classes_[scores.argmax(axis=1)])
    proba = fitted.predict_proba(X)
    assert proba.shape == (n, k) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    multi = fitted.predict_multilabel(X)
    assert multi.shape == (n, k) and set(np.unique(multi)) <= {0, 1}
    # the best class is always among the predicted labels
    assert np.all(multi[np.arange(n), scores.argmax(axis=1)] == 1)


# float32_max left out: embeddings come in the dtype of X, and whether those of
# the largest float32 values fit in float32 depends on the fitted weights
@pytest.mark.parametrize("build_X", [c[1] for c in PREDICT_OK if c[0] != "float32_max"],
                         ids=[c[0] for c in PREDICT_OK if c[0] != "float32_max"])
def test_transform_of_extreme_but_valid_input(small_blobs, fitted, build_X):
    X = build_X(small_blobs[0])
    Z = fitted.transform(X)
    assert Z.shape == (X.shape[0], SMALL["n_components"])
    assert Z.dtype == (np.float32 if X.dtype == np.float32 else np.float64)
    assert np.all(np.isfinite(Z))
