"""Sparse X: used without densifying, and stored zeros change nothing."""

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import (
    PREDICT_METHODS,
    assert_finite_model,
    assert_same_model,
    make,
    three_blobs,
    with_explicit_zeros,
)
from sklearn.datasets import make_blobs

from sklearn_minmax import MinMaxClassifier

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_is_not_densified(fmt, monkeypatch):
    X, y = make_blobs(n_samples=300, centers=3, n_features=5, random_state=0)
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


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_fit_with_explicit_zeros_gives_the_same_model(fmt):
    Xs = sp.random(60, 8, density=0.4, random_state=0, format="csr")
    y = np.arange(60) % 3
    Xz = with_explicit_zeros(Xs).asformat(fmt)
    a = make().fit(Xs.asformat(fmt), y)
    b = make().fit(Xz, y)
    assert_finite_model(b)
    assert_same_model(a, b)
    np.testing.assert_array_equal(a.decision_function(Xs), b.decision_function(Xs))
    np.testing.assert_array_equal(a.decision_function(Xs), b.decision_function(Xz))


def test_csr_and_csc_give_the_same_model():
    Xs = sp.random(60, 8, density=0.4, random_state=0, format="csr")
    y = np.arange(60) % 3
    assert_same_model(make().fit(Xs, y), make().fit(Xs.tocsc(), y))


def test_predictions_with_explicit_zeros_are_exact():
    X, y = three_blobs()
    fitted = make().fit(X, y)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    Xz = with_explicit_zeros(Xs)
    dense = Xs.toarray()
    for method in PREDICT_METHODS:
        a = getattr(fitted, method)(Xs)
        np.testing.assert_array_equal(a, getattr(fitted, method)(Xz), err_msg=method)
        np.testing.assert_array_equal(a, getattr(fitted, method)(Xz.tocsc()),
                                      err_msg=method)
        # and what the dense matrix gives, to rounding
        b = getattr(fitted, method)(dense)
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=method)
        else:
            np.testing.assert_array_equal(a, b, err_msg=method)
