"""Threads: concurrent predictions and fits give what serial calls give."""

import concurrent.futures
import threading
import warnings

import numpy as np
import pytest
from helpers import PREDICT_METHODS, assert_same_model, make, three_blobs
from sklearn.exceptions import ConvergenceWarning

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    return three_blobs()


def _all_predictions(clf, X):
    return {m: getattr(clf, m)(X) for m in PREDICT_METHODS}


def test_concurrent_predictions(data):
    X, y = data
    fitted = make().fit(X, y)
    rng = np.random.RandomState(0)
    inputs = [X[rng.permutation(60)[:k]] for k in (1, 5, 17, 60, 33, 60, 2, 41)]
    serial = [_all_predictions(fitted, Xi) for Xi in inputs]
    barrier = threading.Barrier(8)

    def job(Xi):
        barrier.wait()
        return [_all_predictions(fitted, Xi) for _ in range(3)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(job, inputs))
    assert len(results) == len(serial) == 8
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
        assert len(parallel) == 2
        for a, b in zip(serial, parallel):
            assert_same_model(a, b)
