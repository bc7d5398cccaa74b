"""Properties over random shapes, dtypes, label types and class counts."""

import warnings

import numpy as np
from helpers import assert_finite_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier

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
def test_fitted_model_and_outputs_agree(problem):
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

    scores = clf.decision_function(X)
    assert scores.shape == ((n,) if k == 2 else (n, k))
    assert np.all(np.isfinite(scores))
    best = (scores > 0).astype(int) if k == 2 else scores.argmax(axis=1)
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(pred, clf.classes_[best])
    proba = clf.predict_proba(X)
    assert proba.shape == (n, k)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # the predicted class has the highest probability
    np.testing.assert_array_equal(proba[np.arange(n), best], proba.max(axis=1))
    multi = clf.predict_multilabel(X)
    assert multi.shape == (n, k) and set(np.unique(multi)) <= {0, 1}
    # and is always among the predicted labels
    assert np.all(multi[np.arange(n), best] == 1)
    Z = clf.transform(X)
    assert Z.shape == (n, 4) and np.all(np.isfinite(Z))
    assert Z.dtype == (np.float32 if X.dtype == np.float32 else np.float64)
