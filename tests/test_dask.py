"""Dask: out-of-core training, distributed prediction and a distributed grid
search on a local cluster of worker processes give what the same work gives
in memory."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_minmax import MinMaxClassifier

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")
joblib = pytest.importorskip("joblib")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")]

# Small networks and few epochs: the file runs in well under a minute on two
# cores, most of it TensorFlow's import in each worker process.
PARAMS = dict(hidden_layer_sizes=(16,), n_components=8, batch_size=50,
              learning_rate=0.01, random_state=0)
CHUNK = 300  # rows per block of the dask arrays
PASSES = 5  # passes over the data of out-of-core training


@pytest.fixture(scope="module")
def client():
    """A client of a local cluster of two worker processes, started once.

    A first small fit on each worker, and one here meanwhile, imports
    TensorFlow in the three processes at once rather than one after the other
    as the tests reach them.
    """
    X, y = np.random.RandomState(0).randn(20, 10), np.arange(20) % 2
    first_fit = MinMaxClassifier(max_iter=1, **PARAMS).fit
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            fits = [client.submit(first_fit, X, y, workers=[worker], pure=False)
                    for worker in client.scheduler_info()["workers"]]
            first_fit(X, y)
            distributed.wait(fits)
            yield client


@pytest.fixture(scope="module")
def data():
    """1,600 samples of 4 classes (string labels), split 1,200 / 400."""
    X, y = make_classification(n_samples=1600, n_features=10, n_informative=6,
                               n_classes=4, n_clusters_per_class=1, class_sep=1.5,
                               random_state=0)
    y = np.array(["ant", "bee", "cat", "dog"])[y]
    return train_test_split(X, y, test_size=400, random_state=0)


def _workers_used(task_stream):
    return {task["worker"] for task in task_stream.data}


def test_incremental_passes_match_in_memory_partial_fit(client, data):
    X_train, X_test, y_train, y_test = data
    classes = np.unique(y_train)
    dX = da.from_array(X_train, chunks=(CHUNK, -1))
    dy = da.from_array(y_train, chunks=CHUNK)
    # Incremental calls partial_fit block by block on the workers, in a random
    # order of the blocks; each of its partial_fit calls is one pass.
    out_of_core = wrappers.Incremental(MinMaxClassifier(**PARAMS), random_state=0)
    in_memory = MinMaxClassifier(**PARAMS)
    with distributed.get_task_stream(client) as tasks:
        for _ in range(PASSES):
            out_of_core.partial_fit(dX, dy, classes=classes)
            in_memory.partial_fit(X_train, y_train, classes=classes)
    assert _workers_used(tasks) <= set(client.scheduler_info()["workers"])
    assert len(tasks.data) >= PASSES * dX.numblocks[0]

    fitted = out_of_core.estimator_
    np.testing.assert_array_equal(fitted.classes_, classes)
    # one epoch over one block per partial_fit call
    assert fitted.n_iter_ == PASSES * dX.numblocks[0]
    accuracy = fitted.score(X_test, y_test)
    expected = in_memory.score(X_test, y_test)
    assert expected > 0.6  # both models have learned something to compare
    assert abs(accuracy - expected) <= 0.03, (accuracy, expected)


def test_parallel_post_fit_predicts_as_in_memory(client, data):
    X_train, X_test, y_train, _ = data
    clf = MinMaxClassifier(max_iter=10, **PARAMS).fit(X_train, y_train)
    dX = da.from_array(X_test, chunks=(100, -1))
    distributed_clf = wrappers.ParallelPostFit(clf)
    with distributed.get_task_stream(client) as tasks:
        predicted = distributed_clf.predict(dX)
        proba = distributed_clf.predict_proba(dX)
        embedded = distributed_clf.transform(dX)
        predicted, proba, embedded = client.compute([predicted, proba, embedded],
                                                    sync=True)
    assert _workers_used(tasks)
    np.testing.assert_array_equal(predicted, clf.predict(X_test))
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), rtol=1e-12, atol=0)
    np.testing.assert_allclose(embedded, clf.transform(X_test), rtol=1e-12, atol=0)


def test_grid_search_on_the_cluster_matches_in_memory(client, data):
    X_train, _, y_train, _ = data
    estimator = MinMaxClassifier(max_iter=5, early_stopping=False, **PARAMS)
    grid = {"n_components": [2, 8], "push_weight": [0.0, 0.5]}
    in_memory = GridSearchCV(estimator, grid, cv=3).fit(X_train, y_train)
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_backend("dask"):
            on_cluster = GridSearchCV(estimator, grid, cv=3).fit(X_train, y_train)
    assert _workers_used(tasks)
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"],
                                  in_memory.cv_results_["mean_test_score"])
    assert on_cluster.best_params_ == in_memory.best_params_
