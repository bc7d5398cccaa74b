"""Small models, data and assertions shared by the test modules."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_minmax import MinMaxClassifier

PREDICT_METHODS = [
    "predict", "predict_proba", "decision_function", "predict_multilabel", "transform",
]
SMALL = dict(max_iter=10, hidden_layer_sizes=(8,), n_components=4, random_state=0)


def make(**params):
    """A small, fast MinMaxClassifier (``SMALL``, updated with ``params``)."""
    return MinMaxClassifier(**{**SMALL, **params})


def three_blobs():
    """60 samples, 3 features, 3 well separated classes with string labels."""
    rng = np.random.RandomState(0)
    centers = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]])
    y = np.arange(60) % 3
    X = centers[y] + rng.randn(60, 3)
    return X, np.array(["ant", "bee", "cat"])[y]


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


def with_explicit_zeros(X, fraction=0.5, seed=0):
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
    order = rng.permutation(len(rows))
    out = sp.csr_matrix((vals[order], (rows[order], cols[order])), shape=X.shape)
    out.has_canonical_format = False
    assert out.nnz > X.nnz and (out != X).nnz == 0
    return out
