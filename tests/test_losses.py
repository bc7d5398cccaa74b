"""Tensor-level tests of the min-max loss (sklearn_minmax.losses)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
from sklearn_minmax import losses  # noqa: E402

METRICS = losses.METRICS


def _grad(fn, *tensors):
    tensors = [tf.Variable(t, dtype=tf.float32) for t in tensors]
    with tf.GradientTape() as tape:
        value = fn(*tensors)
    return value, tape.gradient(value, tensors)


@pytest.mark.parametrize("metric", METRICS)
def test_pull_is_zero_with_finite_gradient_at_zero_distance(metric):
    e = np.random.RandomState(0).standard_normal((4, 6)).astype(np.float32)

    def pull(z, e):
        es = losses.class_space(e, metric)
        # the sample sits exactly on its class, in the metric's own space
        return tf.reduce_sum(losses.pull_distance(es, es, metric))

    value, grads = _grad(pull, e, e)
    np.testing.assert_allclose(float(value), 0.0, atol=1e-5)
    assert all(np.isfinite(g.numpy()).all() for g in grads if g is not None)


@pytest.mark.parametrize("metric", METRICS)
def test_gradients_finite_at_identical_and_zero_class_embeddings(metric):
    same = np.ones((3, 5), np.float32)
    zero = np.zeros((3, 5), np.float32)
    for e in (same, zero):
        value, (g,) = _grad(
            lambda e: losses.push_loss(losses.class_space(e, metric), metric), e
        )
        assert np.isfinite(float(value)) and np.isfinite(g.numpy()).all()


@pytest.mark.parametrize("metric", METRICS)
def test_gradients_finite_at_the_norm_bound(metric):
    rng = np.random.RandomState(0)
    e = rng.standard_normal((5, 8)).astype(np.float32)
    order = 1 if metric == "manhattan" else 2
    e /= np.linalg.norm(e, ord=order, axis=1, keepdims=True)
    e *= losses.DEFAULT_MAX_NORM[metric]
    z = rng.standard_normal((7, 8)).astype(np.float32)
    value, grads = _grad(
        lambda z, e: losses.minmax_loss(z, np.arange(7) % 5, e, metric=metric), z, e
    )
    assert np.isfinite(float(value))
    assert all(np.isfinite(g.numpy()).all() for g in grads)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_push_optimum_is_well_spread_not_two_groups(metric):
    """DESIGN flaw 2: two antipodal groups of classes must not be optimal."""
    R = losses.DEFAULT_MAX_NORM[metric]
    orthogonal = np.eye(4, 8, dtype=np.float32) * R
    two_groups = np.array([[R, 0], [R, 0], [-R, 0], [-R, 0]], np.float32)
    two_groups = np.pad(two_groups, ((0, 0), (0, 6)))

    def push(e):
        return float(losses.push_loss(losses.class_space(e, metric), metric))

    assert push(orthogonal) == pytest.approx(0.0, abs=1e-5)
    assert push(two_groups) > 0.5


def test_cosine_push_does_not_want_antipodal_pairs():
    """DESIGN flaw 1: with two classes, e0 = -e1 is penalised, not optimal."""
    antipodal = np.array([[1.0, 0.0], [-1.0, 0.0]], np.float32)
    orthogonal = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    push = lambda e: float(losses.push_loss(losses.class_space(e, "cosine"), "cosine"))  # noqa: E731
    assert push(antipodal) == pytest.approx(1.0)
    assert push(orthogonal) == pytest.approx(0.0, abs=1e-6)
    # a point between two orthogonal classes is close to both
    mid = losses.sample_space(tf.constant([[1.0, 1.0]]), "cosine")
    sims = losses.similarity(mid, losses.class_space(orthogonal, "cosine"), "cosine")
    np.testing.assert_allclose(sims.numpy(), [np.sqrt(0.5)] * 2, rtol=1e-5)


@pytest.mark.parametrize("metric", METRICS)
def test_sampled_push_matches_all_pairs_in_expectation(metric):
    rng = np.random.RandomState(0)
    e = losses.class_space(rng.standard_normal((6, 4)).astype(np.float32), metric)
    exact = float(losses.push_loss(e, metric))
    pos = tf.constant(np.repeat(np.arange(6), 4000), tf.int32)
    neg = losses.sample_negatives(pos, 6, 3, tf.constant([1, 2]))
    assert not np.any(neg.numpy() == pos.numpy()[:, None])
    sampled = float(tf.reduce_mean(losses.sampled_push_loss(e, pos, neg, metric)))
    assert sampled == pytest.approx(exact, rel=0.05)


def test_unknown_metric_is_a_value_error():
    with pytest.raises(ValueError, match="metric"):
        losses.pull_distance(tf.zeros((1, 2)), tf.zeros((1, 2)), "hamming")


def test_minmax_loss_trains_a_plain_keras_model():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-3, 1, (100, 2)), rng.normal(3, 1, (100, 2))]).astype(
        np.float32)
    y = np.repeat([0, 1], 100)
    keras.utils.set_random_seed(0)
    table = keras.layers.Embedding(2, 8)
    table.build((None,))
    encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, "relu"),
                                keras.layers.Dense(8), ])
    model = keras.Sequential([encoder])
    model.table = table  # track the class table as part of the model
    model.compile(keras.optimizers.Adam(0.01), loss=losses.MinMaxLoss(table.embeddings))
    history = model.fit(X, y, epochs=30, batch_size=50, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    z = losses.sample_space(model(X), "cosine")
    e = losses.class_space(table.embeddings, "cosine")
    pred = tf.argmax(losses.similarity(z[:, None, :], e[None], "cosine"), axis=1)
    assert (pred.numpy() == y).mean() > 0.95
