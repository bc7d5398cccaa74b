"""MinMaxClustering: what a user relies on, and scikit-learn's checks."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.datasets import make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import confusion_matrix
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_minmax import MinMaxClustering
from sklearn_minmax.datasets import make_separated_blobs

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# small settings for the fits of the tests
FAST = dict(n_init=1, max_iter=5, hidden_layer_sizes=(32,), random_state=0)


def matched_accuracy(y, labels):
    """Accuracy after pairing clusters with classes (Hungarian matching)."""
    C = confusion_matrix(y, labels)
    rows, cols = linear_sum_assignment(-C)
    return C[rows, cols].sum() / len(y)


def fit_quietly(estimator, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short test fits
        return estimator.fit(X)


@pytest.fixture(scope="module")
def blobs():
    """The post's experiment: 10 blobs of 100 points in 2-D, fitted with the
    default parameters but one restart of at most 15 epochs."""
    X, y = make_separated_blobs(random_state=0)
    return X, y, fit_quietly(MinMaxClustering(10, n_init=1, max_iter=15, random_state=0),
                             X)


@pytest.fixture(scope="module")
def three_blobs():
    X, y = make_separated_blobs(n_samples=120, n_clusters=3, random_state=1)
    return X, y


# every parameter at its default but n_clusters: scikit-learn's sparse-input
# check expects a predict_proba of 4 columns. Slow: the default restarts and
# epochs, fitted by each of the checks.
@pytest.mark.slow
@parametrize_with_checks([MinMaxClustering(4)])
def test_sklearn_compatible_clustering(estimator, check):
    check(estimator)


def test_recovers_the_posts_blobs(blobs):
    X, y, cl = blobs
    assert matched_accuracy(y, cl.labels_) >= 0.99


def test_predicts_new_points_without_refitting(blobs):
    X, y, cl = blobs
    np.testing.assert_array_equal(cl.predict(X), cl.labels_)
    # fresh points from the same blobs (same centres, other draws)
    X_new, y_new = make_separated_blobs(n_samples=500, random_state=0)
    C = confusion_matrix(y, cl.labels_)
    blob_of_cluster = dict(zip(*linear_sum_assignment(-C)[::-1]))
    predicted_blob = np.array([blob_of_cluster.get(c, -1) for c in cl.predict(X_new)])
    assert np.mean(predicted_blob == y_new) >= 0.98


def test_self_labelling_sharpens_the_clusters_without_moving_rows(three_blobs,
                                                                monkeypatch):
    """The pass after the merge raises each training row's assignment mass on
    its own cluster and keeps every row in the cluster it had."""
    import sklearn_minmax._clustering as clustering

    X, _ = three_blobs
    X = X + np.random.RandomState(0).normal(scale=2.0, size=X.shape)  # touching blobs
    tuned = fit_quietly(MinMaxClustering(3, **FAST), X)
    monkeypatch.setattr(clustering.MinMaxClustering, "_self_label",
                        lambda self, X, labels, groups, weights, rng: weights)
    plain = fit_quietly(MinMaxClustering(3, **FAST), X)
    np.testing.assert_array_equal(tuned.labels_, plain.labels_)
    rows = np.arange(len(X))
    own = tuned.predict_proba(X)[rows, tuned.labels_]
    before = plain.predict_proba(X)[rows, plain.labels_]
    assert np.mean(np.log(own)) > np.mean(np.log(before))


def test_predict_proba_is_a_soft_assignment(blobs):
    X, _, cl = blobs
    proba = cl.predict_proba(X[:50])
    assert proba.shape == (50, 10)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), cl.predict(X[:50]))


def test_fitted_state(blobs):
    X, _, cl = blobs
    assert cl.transform(X[:5]).shape == (5, cl.n_subclusters_)
    assert cl.subcluster_labels_.shape == (cl.n_subclusters_,)
    assert len(cl.loss_curve_) == cl.n_iter_ >= 1
    # clusters are numbered by decreasing size
    sizes = np.bincount(cl.labels_, minlength=10)
    assert (np.diff(sizes) <= 0).all()
    # loss_ is minus the score of the training data
    assert cl.score(X) == pytest.approx(-cl.loss_, rel=1e-5)


def test_separates_rings():
    """Rings (make_circles) are split into the inner and the outer ring,
    which a straight cut, KMeans' or the plain loss', cannot do."""
    X, y = make_circles(n_samples=300, factor=0.5, noise=0.05, random_state=0)
    cl = fit_quietly(MinMaxClustering(2, n_init=1, max_iter=15, random_state=0), X)
    assert matched_accuracy(y, cl.labels_) >= 0.95


def test_same_random_state_same_model_and_no_global_state(three_blobs):
    X, _ = three_blobs
    np_state = np.random.get_state()[1].copy()
    a = fit_quietly(MinMaxClustering(3, **FAST), X)
    b = fit_quietly(MinMaxClustering(3, **FAST), X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)


@pytest.mark.slow
def test_sparse_X_gives_the_clusters_of_dense_X(three_blobs):
    X, y = three_blobs
    dense = fit_quietly(MinMaxClustering(3, **FAST), X)
    sparse = fit_quietly(MinMaxClustering(3, **FAST), sp.csr_matrix(X))
    assert matched_accuracy(y, dense.labels_) == 1.0
    assert matched_accuracy(y, sparse.labels_) == 1.0
    np.testing.assert_array_equal(sparse.predict(sp.csr_matrix(X)), sparse.labels_)


def test_max_samples_trains_on_a_subset_and_labels_every_row(three_blobs):
    X, y = three_blobs
    cl = fit_quietly(MinMaxClustering(3, max_samples=60, **FAST), X)
    assert cl.labels_.shape == (len(X),)
    np.testing.assert_array_equal(cl.predict(X), cl.labels_)
    assert matched_accuracy(y, cl.labels_) >= 0.95


@pytest.mark.slow
def test_import_does_not_import_tensorflow():
    code = ("import sys\nfrom sklearn_minmax import MinMaxClustering\n"
            "MinMaxClustering(3).get_params()\nassert 'tensorflow' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_to_keras_outputs_predict_proba(three_blobs):
    X, _ = three_blobs
    cl = fit_quietly(MinMaxClustering(3, **FAST), X)
    model = cl.to_keras()
    np.testing.assert_allclose(model.predict(X, verbose=0), cl.predict_proba(X),
                               atol=1e-5)


@pytest.mark.parametrize("params, match", [
    (dict(n_clusters=200), "n_samples=120 should be >= n_clusters=200"),
    (dict(n_clusters=5, n_subclusters=3), "n_subclusters=3 should be >= n_clusters=5"),
    (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes must contain positive"),
    (dict(n_neighbors=0), "n_neighbors"),
    (dict(entropy_weight=-1.0), "entropy_weight"),
    (dict(n_clusters=5, max_samples=3), "max_samples=3 should be >= n_clusters=5"),
])
def test_bad_parameters_raise_clear_errors(three_blobs, params, match):
    X, _ = three_blobs
    with pytest.raises(ValueError, match=match):
        MinMaxClustering(**{**FAST, **params}).fit(X)


def test_fewer_clusters_than_asked_is_a_warning():
    # 12 rows, 10 clusters: the neighbour graph joins them, as KMeans warns
    # about duplicate points
    X, _ = make_separated_blobs(n_samples=12, n_clusters=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(\d\) found smaller "
                                                r"than n_clusters \(10\)"):
        cl = MinMaxClustering(10, **FAST).fit(X)
    assert len(np.unique(cl.labels_)) < 10


def test_bad_input_raises_clear_errors(three_blobs):
    X, _ = three_blobs
    with pytest.raises(ValueError, match="NaN"):
        MinMaxClustering(3, **FAST).fit(np.where(X > 5, np.nan, X))
    with pytest.raises(ValueError, match="float32 range"):
        MinMaxClustering(3, **FAST).fit(X * 1e39)
    cl = fit_quietly(MinMaxClustering(3, **FAST), X)
    with pytest.raises(ValueError, match="features"):
        cl.predict(X[:, :1])
    with pytest.raises(TypeError, match="n_clusters"):
        MinMaxClustering(n_clusters="3").fit(X)
