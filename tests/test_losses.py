"""Tensor-level tests of the min-max loss (sklearn_minmax.losses)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
from sklearn_minmax import losses  # noqa: E402
from sklearn_minmax.layers import ClassEmbedding  # noqa: E402

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


@pytest.mark.parametrize("fill", [1.0, 0.0], ids=["identical", "zero"])
@pytest.mark.parametrize("metric", METRICS)
def test_gradients_finite_at_identical_and_zero_class_embeddings(metric, fill):
    e = np.full((3, 5), fill, np.float32)
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


def _two_blobs():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-3, 1, (100, 2)), rng.normal(3, 1, (100, 2))]).astype(
        np.float32)
    return X, np.repeat([0, 1], 100)


def _keras_dual_encoder(metric="cosine"):
    return keras.Sequential([
        keras.Input((2,)), keras.layers.Dense(16, "relu"), keras.layers.Dense(8),
        ClassEmbedding(2, metric=metric, name="classes")])


@pytest.mark.slow
@pytest.mark.parametrize("metric", METRICS)
def test_minmax_loss_trains_a_plain_keras_model(metric):
    X, y = _two_blobs()
    keras.utils.set_random_seed(0)
    model = _keras_dual_encoder(metric)
    model.compile(keras.optimizers.Adam(0.01), loss=losses.MinMaxLoss(metric))
    history = model.fit(X, y, epochs=8, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert (model.predict(X, verbose=0).argmax(axis=1) == y).mean() > 0.95


@pytest.mark.parametrize("metric", METRICS)
def test_layer_and_loss_add_up_to_minmax_loss(metric):
    """ClassEmbedding's push plus MinMaxLoss's mean pull is minmax_loss."""
    rng = np.random.RandomState(0)
    z = rng.standard_normal((6, 5)).astype(np.float32)
    tags = np.array([0, 2, 1, 1, 0, 2])
    layer = ClassEmbedding(3, metric=metric, push_weight=0.7)
    scores = layer(z, training=True)
    total = float(losses.MinMaxLoss(metric)(tags, scores)) + float(sum(layer.losses))
    expected = losses.minmax_loss(z, tags, layer.embeddings, metric=metric,
                                  push_weight=0.7)
    assert total == pytest.approx(float(expected), rel=1e-5)


def test_minmax_loss_is_per_example_and_weighs_examples():
    rng = np.random.RandomState(0)
    scores = tf.constant(rng.uniform(-1, 1, (4, 3)), tf.float32)
    loss = losses.MinMaxLoss(reduction=None)
    per_example = loss(np.array([0, 1, 2, 0]), scores).numpy()
    np.testing.assert_allclose(per_example, 1 - scores.numpy()[range(4), [0, 1, 2, 0]],
                               rtol=1e-6)
    # padded tags (-1) add nothing; two tags add both pulls
    two = loss(np.array([[0, 1], [1, -1], [2, -1], [0, -1]]), scores).numpy()
    np.testing.assert_allclose(two[0], 2 - scores.numpy()[0, 0] - scores.numpy()[0, 1],
                               rtol=1e-6)
    np.testing.assert_allclose(two[1:], per_example[1:], rtol=1e-6)
    weighted = losses.MinMaxLoss()(np.array([0, 1, 2, 0]), scores,
                                   sample_weight=np.array([1.0, 0.0, 0.0, 0.0]))
    assert float(weighted) == pytest.approx(per_example[0] / 4, rel=1e-6)


def test_minmax_loss_config_round_trip():
    loss = losses.MinMaxLoss("euclidean", max_norm=2.0, name="pull")
    again = losses.MinMaxLoss.from_config(loss.get_config())
    assert (again.metric, again.max_norm, again.name) == ("euclidean", 2.0, "pull")
    revived = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(revived, losses.MinMaxLoss) and revived.metric == "euclidean"


def test_compiled_model_saves_and_loads(tmp_path):
    X, y = _two_blobs()
    keras.utils.set_random_seed(0)
    model = _keras_dual_encoder("kl")
    model.compile("adam", loss=losses.MinMaxLoss("kl"))
    model.fit(X, y, epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
    assert isinstance(loaded.loss, losses.MinMaxLoss) and loaded.loss.metric == "kl"
    assert loaded.get_layer("classes").metric == "kl"
    loaded.fit(X, y, epochs=1, verbose=0)  # trains on after loading
