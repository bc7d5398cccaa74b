"""The same ``random_state`` gives the same model, whatever ran before, the row
order, or the process; ``fit`` leaves every global random state alone."""

import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import SMALL, assert_same_model, fitted_arrays, make

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def test_same_random_state_same_model(small_blobs):
    X, y = small_blobs
    a = make(random_state=3).fit(X, y)
    assert_same_model(a, make(random_state=3).fit(X, y))
    other = make(random_state=4).fit(X, y)
    assert not np.array_equal(a.class_embeddings_, other.class_embeddings_)
    assert not np.array_equal(a.coefs_[0], other.coefs_[0])


def test_row_order_does_not_matter(small_blobs):
    X, y = small_blobs
    order = np.random.RandomState(0).permutation(len(X))
    assert_same_model(make().fit(X[order], y[order]), make().fit(X, y))


def test_fit_leaves_global_state_alone(small_blobs):
    import keras
    import tensorflow as tf

    X, y = small_blobs

    def seed_all():
        keras.utils.set_random_seed(1234)  # Python, numpy, TensorFlow, Keras
        tf.random.get_global_generator().reset_from_seed(1234)

    def draw():
        return (np.random.rand(4).tolist(), [random.random() for _ in range(4)],
                tf.random.get_global_generator().normal([4]).numpy().tolist(),
                tf.random.uniform([4]).numpy().tolist(),
                keras.ops.convert_to_numpy(keras.random.uniform((4,))).tolist())

    make(max_iter=2).fit(X, y)  # TensorFlow imported and its functions traced
    floatx, errstate = keras.config.floatx(), np.geterr()
    seed_all()
    expected = draw()
    seed_all()
    for random_state in (None, 0):
        make(random_state=random_state).fit(X, y).predict_proba(X)
    assert draw() == expected
    assert keras.config.floatx() == floatx
    assert np.geterr() == errstate


def _three_fits(small_blobs):
    X, y = small_blobs
    rng = np.random.RandomState(1)
    X2 = rng.randn(50, 3)
    y2 = rng.randint(0, 4, 50)
    return [
        (make(random_state=1), X, y),
        (make(random_state=2, hidden_layer_sizes=(5,)), X2, y2),  # same architecture
        (make(random_state=3, metric="euclidean"), X2 * 3, y2),   # another one
    ]


def test_fit_order_does_not_matter(small_blobs):
    forward = [clf.fit(X, y) for clf, X, y in _three_fits(small_blobs)]
    backward = [clf.fit(X, y) for clf, X, y in _three_fits(small_blobs)[::-1]][::-1]
    for a, b in zip(forward, backward):
        assert_same_model(a, b)


@pytest.mark.slow
def test_fit_alone_in_fresh_process_is_identical(small_blobs, tmp_path):
    """The first fit in a process (TensorFlow functions traced cold) gives the
    model a fit after other fits gives."""
    X, y = small_blobs
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
    subprocess.run([sys.executable, "-c", script], check=True, env=env)
    with np.load(tmp_path / "out.npz") as saved:
        alone = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    fits = _three_fits(small_blobs)
    for clf, Xo, yo in fits[::-1]:  # the first one is fitted last
        clf.fit(Xo, yo)
    for p, q in zip(fitted_arrays(fits[0][0]), alone, strict=True):
        assert p.tobytes() == q.tobytes(), np.abs(p - q).max()


@pytest.mark.parametrize("early_stopping", [True, False])
def test_runs_of_epochs_give_the_model_of_one_epoch_per_call(small_blobs, early_stopping,
                                                             capsys):
    """Without ``verbose`` epochs run several to a compiled call, which stops
    in the graph; with it, one per call. Both stop at the same epoch and give
    the same model, and leave the random state where the draws after training
    (the decision rule's subsample) find it."""
    X, y = small_blobs
    params = dict(max_iter=60, early_stopping=early_stopping, tol=1e-2,
                  n_iter_no_change=3)
    runs = make(**params).fit(X, y)
    one_by_one = make(verbose=1, **params).fit(X, y)
    assert 16 < runs.n_iter_ < 60 and runs.n_iter_ % 16  # stopped within a run
    assert_same_model(runs, one_by_one)
    assert runs.best_loss_ == one_by_one.best_loss_
    assert runs.validation_scores_ == one_by_one.validation_scores_
    assert f"Epoch {runs.n_iter_}," in capsys.readouterr().err
