"""Threads: concurrent predictions and fits give what serial calls give;
TensorFlow's thread pools follow ``OMP_NUM_THREADS`` (joblib's workers) and
do not spin where the library starts TensorFlow."""

import concurrent.futures
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
from helpers import PREDICT_METHODS, assert_same_model, make
from sklearn.exceptions import ConvergenceWarning

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def _all_predictions(clf, X):
    return {m: getattr(clf, m)(X) for m in PREDICT_METHODS}


def test_concurrent_predictions(small_blobs):
    X, y = small_blobs
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
def test_concurrent_fits(small_blobs, same_architecture):
    X, y = small_blobs
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


_POOLS = textwrap.dedent("""
    import numpy as np
    from joblib import Parallel, delayed
    from sklearn_minmax import MinMaxClassifier

    def pools(n_jobs):
        MinMaxClassifier(max_iter=2, random_state=0).fit(np.eye(6), np.arange(6) % 2)
        from sklearn_minmax._backend import tf
        threading = tf.config.threading
        return (threading.get_intra_op_parallelism_threads(),
                threading.get_inter_op_parallelism_threads())

    print(*pools(1), *Parallel(n_jobs=2)(delayed(pools)(2) for _ in range(2))[0])
""")

_SPINNING = textwrap.dedent("""
    import sys
    import numpy as np
    if sys.argv[1] == "user-first":
        import tensorflow
    from sklearn_minmax import MinMaxClassifier
    MinMaxClassifier(max_iter=2, random_state=0).fit(np.eye(6), np.arange(6) % 2)
    from tensorflow.python.eager import context
    print(context.context().config.experimental.disable_thread_spinning)
""")


@pytest.mark.slow
@pytest.mark.parametrize("who, expected", [("library", "True"), ("user-first", "False")])
def test_pools_do_not_spin_where_the_library_starts_tensorflow(who, expected):
    # spinning pool threads take the cores each small operation of a step
    # needs; a user who imported TensorFlow first keeps its configuration
    done = subprocess.run([sys.executable, "-c", _SPINNING, who], capture_output=True,
                          text=True, check=True)
    assert done.stdout.split()[-1] == expected


@pytest.mark.parametrize("env, expected", [
    ({}, "0 0"),                                   # TensorFlow's own default
    ({"OMP_NUM_THREADS": "1", "TF_NUM_INTEROP_THREADS": "2"}, "1 0"),
])
@pytest.mark.slow
def test_thread_pools_follow_omp_num_threads(env, expected):
    # joblib's workers get OMP_NUM_THREADS = cores // n_jobs unless it is set:
    # TensorFlow started there takes it, as numpy's BLAS does; the user's own
    # TensorFlow variables win
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                         "TF_NUM_INTEROP_THREADS")}
    done = subprocess.run([sys.executable, "-c", _POOLS], capture_output=True, text=True,
                          env={**base, **env}, check=True)
    out = done.stdout.split()
    assert " ".join(out[:2]) == expected
    assert out[2] == env.get("OMP_NUM_THREADS", str(max(os.cpu_count() // 2, 1)))


@pytest.mark.parametrize("value, expected", [("2", 2), ("0", None), ("auto", None),
                                             ("", None), (None, None)])
def test_thread_limit_reads_a_positive_count(monkeypatch, value, expected):
    from sklearn_minmax._backend import _thread_limit

    if value is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert _thread_limit() == expected
