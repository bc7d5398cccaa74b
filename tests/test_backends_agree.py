"""The numpy inference and the TensorFlow training compute the same maths,
and ``to_keras()`` gives the scores of ``decision_function``."""

import dataclasses
import functools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier, _inference
from sklearn_minmax._metric_registry import METRICS
from sklearn_minmax.datasets import make_partial_tags

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
from sklearn_minmax import _mlp_training, _training, losses  # noqa: E402


@pytest.fixture
def embeddings():
    rng = np.random.RandomState(0)
    # raw embeddings, classes beyond the norm bound included (clipped)
    return rng.standard_normal((50, 6)), 3 * rng.standard_normal((4, 6))


def _both_spaces(Z, E, metric):
    """numpy scores, and the mapped TensorFlow tensors, of the same pairs."""
    R = METRICS[metric].default_max_norm
    S_np = _inference.scores(Z, METRICS[metric].class_space(E, R), metric)
    z = losses.sample_space(tf.constant(Z, tf.float32), metric)
    e = losses.class_space(tf.constant(E, tf.float32), metric, R)
    return S_np, z, e, R


@pytest.mark.parametrize("metric", METRICS)
def test_scores_agree(metric, embeddings):
    S_np, z, e, _ = _both_spaces(*embeddings, metric)
    S_tf = losses.similarity(z[:, None, :], e[None, :, :], metric).numpy()
    np.testing.assert_allclose(S_np, S_tf, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("metric", METRICS)
def test_pull_is_the_score_seen_from_training(metric, embeddings):
    """The loss's pull and the numpy score of the same pair agree."""
    Z, E = embeddings
    S_np, z, e, R = _both_spaces(Z, E, metric)
    pull = losses.pull_distance(z[:, None, :], e[None, :, :], metric, R).numpy()
    np.testing.assert_allclose(METRICS[metric].pull_from_score(S_np, R), pull,
                               rtol=1e-4, atol=1e-4)
    # the paired form the decision rule uses: row i against class i % 4
    zs = METRICS[metric].sample_space(Z)
    own = METRICS[metric].paired_similarity(
        zs, METRICS[metric].class_space(E, R)[np.arange(50) % 4])
    np.testing.assert_allclose(own, S_np[np.arange(50), np.arange(50) % 4], rtol=1e-10)


@pytest.mark.parametrize("metric", METRICS)
def test_encoders_agree(metric):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((20, 5)).astype(np.float32)
    coefs = [rng.standard_normal((5, 7)), rng.standard_normal((7, 3))]
    intercepts = [rng.standard_normal(7), rng.standard_normal(3)]
    for activation in ("relu", "tanh", "logistic", "identity"):
        Z_np = _inference.encode(coefs, intercepts, X, activation)
        Z_tf = _mlp_training.encode([tf.constant(W, tf.float32) for W in coefs],
                                [tf.constant(b, tf.float32) for b in intercepts],
                                tf.constant(X), activation).numpy()
        np.testing.assert_allclose(Z_np, Z_tf, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_tags, n_classes, n_negatives",
                         [(1, 1, None), (1, 2, None), (1, 6, None), (3, 6, None),
                          (1, 6, 2), (3, 6, 4)])
def test_closed_form_gradients_match_automatic_ones(activation, n_tags, n_classes,
                                                    n_negatives):
    """The cosine step's written-out gradients (the encoder and the loss, all
    pairs or sampled negatives) are TensorFlow's automatic ones, for every
    activation, padded multi-tag rows, sample weights and rows large enough
    to be rescaled."""
    from sklearn_minmax._loss_ops import (
        cosine_minmax_gradients,
        minmax_loss,
        sampled_cosine_minmax_gradients,
        unit_gram,
    )

    rng = np.random.RandomState(n_tags + n_classes)
    const = functools.partial(tf.constant, dtype=tf.float32)
    coefs = [const(rng.standard_normal((7, 11))), const(rng.standard_normal((11, 5)))]
    intercepts = [const(rng.standard_normal(11)), const(rng.standard_normal(5))]
    table = const(rng.standard_normal((n_classes, 5)))
    X = rng.standard_normal((40, 7))
    X[:3] *= 1e3
    tags = rng.randint(-1 if n_tags > 1 else 0, n_classes, size=(40, n_tags))
    tags[:, 0] = np.abs(tags[:, 0])
    mask, weight = const(tags >= 0), const(rng.uniform(0.1, 2, 40))
    tags, seed = tf.constant(tags, tf.int32), tf.constant([3, 4], tf.int32)
    params = [*coefs, *intercepts, table]
    with tf.GradientTape() as tape:
        tape.watch(params)
        z = _mlp_training.encode(coefs, intercepts, const(X), activation)
        loss = minmax_loss(z, tags, table, tag_mask=mask, sample_weight=weight,
                           push_weight=0.7, n_negatives=n_negatives, seed=seed)
    expected = [tf.convert_to_tensor(g) for g in tape.gradient(loss, params)]

    inputs, z = _mlp_training.forward(coefs, intercepts, const(X), activation)
    if n_negatives is None:
        closed_loss, dz, d_table = cosine_minmax_gradients(z, tags, mask, weight, table,
                                                           0.7)
    else:
        closed_loss, dz, d_table, rows, _ = sampled_cosine_minmax_gradients(
            z, tags, mask, weight, table, 0.7, n_negatives, seed, unit_gram(table))
        assert isinstance(d_table, tf.IndexedSlices)  # touched rows only
        # the table's gradient: the pull's, and the push over all pairs on
        # the touched rows (a sampled push is only the reported loss)
        with tf.GradientTape() as tape:
            tape.watch(table)
            full = minmax_loss(z, tags, table, tag_mask=mask, sample_weight=weight,
                               push_weight=0.7)
        touched = np.isin(np.arange(n_classes), rows.numpy())
        expected[-1] = tf.where(touched[:, None], tape.gradient(full, table), 0.0)
    d_table = tf.convert_to_tensor(d_table)
    d_coefs, d_intercepts = _mlp_training.backward(coefs, inputs, dz, activation)
    np.testing.assert_allclose(closed_loss.numpy(), loss.numpy(), rtol=1e-5)
    for got, want in zip([*d_coefs, *d_intercepts, d_table], expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4,
                                   atol=1e-5 * np.abs(want.numpy()).max())


def test_sampled_steps_keep_the_gram_matrix_of_the_table():
    """With sampled negatives, the push reads a running ``V^T V`` of the
    unit class vectors; after an epoch of lazy updates it is the table's."""
    from sklearn_minmax._loss_ops import unit_gram
    from sklearn_minmax._training_types import MLPWeights, TrainingRows

    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((300, 4)).astype(np.float32), rng.randint(0, 40, 300)
    clf = MinMaxClassifier(n_negatives=3, max_iter=1, random_state=0).fit(X, y)
    weights = MLPWeights(*[[np.asarray(a, np.float32) for a in part]
                           for part in (clf.coefs_, clf.intercepts_)],
                         np.asarray(clf.class_embeddings_, np.float32))
    config = dataclasses.replace(clf._training_config(True, len(X)), batch_size=32)
    trainer = _mlp_training._MLPTrainer(len(weights.coefs), "relu", "cosine", False, True)
    tags = np.searchsorted(clf.classes_, y)[:, None].astype(np.int32)
    data = _training.resident(TrainingRows(X, tags, np.ones(tags.shape), np.ones(len(X))),
                              tf.constant(X))
    trainer.load(weights, None)
    _training._epochs(trainer, data, config, np.random.RandomState(0), None)
    np.testing.assert_allclose(trainer.gram.numpy(), unit_gram(trainer.table).numpy(),
                               atol=1e-4)
    assert not np.allclose(trainer.table.numpy(), weights.class_embeddings)
    trainer.unload()


def _partial_tags():
    X, y, _, _ = make_partial_tags(n_samples=300, n_classes=3, random_state=0)
    return X, y


def _sparse_rows():
    import scipy.sparse as sp

    X = sp.random(300, 50, density=0.1, format="csr", random_state=0, dtype=np.float32)
    return X, np.random.RandomState(0).randint(0, 4, 300)


@pytest.mark.parametrize("data", [_partial_tags, _sparse_rows])
def test_closed_form_epoch_updates_as_the_automatic_one(data):
    """A compiled epoch of the cosine trainer (closed-form gradients; on
    sparse rows, the first layer's gradient on the features present) moves
    the weights as the automatic gradient's epoch does. (With sampled
    negatives the closed-form step pushes the touched classes from all
    others, not from the sampled ones: see the test above.)"""
    from sklearn_minmax._training_types import MLPWeights, TrainingRows

    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MinMaxClassifier(max_iter=20, random_state=0).fit(X, y)
    weights = MLPWeights(*[[np.asarray(a, np.float32) for a in part]
                           for part in (clf.coefs_, clf.intercepts_)],
                         np.asarray(clf.class_embeddings_, np.float32))
    # one epoch (incremental) of five batches
    config = dataclasses.replace(clf._training_config(True, X.shape[0]), batch_size=64)
    sparse, X_tensor = _mlp_training._as_tensors(X)
    out = []
    for closed_form in (True, False):
        trainer = _mlp_training._MLPTrainer(len(weights.coefs), "relu", "cosine", sparse,
                                            False)
        trainer.closed_form = closed_form
        tags = np.searchsorted(clf.classes_, y)[:, None].astype(np.int32)
        data = _training.resident(
            TrainingRows(X, tags, np.ones(tags.shape), np.ones(len(y))), X_tensor)
        out.append(_mlp_training.train_loaded(trainer, data, weights, None, config,
                                              np.random.RandomState(0))[0])
    for closed, automatic in zip(*[[*w.coefs, *w.intercepts, w.class_embeddings]
                                   for w in out]):
        np.testing.assert_allclose(closed, automatic, rtol=1e-4, atol=1e-6)
    assert not np.allclose(out[0].coefs[0], weights.coefs[0])


def _fit(**params):
    X, y, _, _ = make_partial_tags(n_samples=300, n_classes=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return X, MinMaxClassifier(max_iter=20, random_state=0, **params).fit(X, y)


@pytest.mark.parametrize("metric", METRICS)
def test_to_keras_gives_decision_function(metric):
    X, clf = _fit(metric=metric, hidden_layer_sizes=(16, 8), activation="tanh")
    model = clf.to_keras()
    assert isinstance(model, keras.Model)
    np.testing.assert_allclose(model.predict(X, verbose=0), clf.decision_function(X),
                               atol=1e-4)


def test_to_keras_with_a_keras_encoder_and_binary_scores():
    X, y, _, _ = make_partial_tags(n_samples=200, n_classes=2, random_state=0)

    def encoder(shape):
        return keras.Sequential([keras.Input(shape), keras.layers.Dense(8)])

    clf = MinMaxClassifier(encoder=encoder, max_iter=5, random_state=0).fit(X, y)
    S = clf.to_keras().predict(X, verbose=0)
    # two classes with 1-D y: decision_function is the difference of the columns
    np.testing.assert_allclose(S[:, 1] - S[:, 0], clf.decision_function(X), atol=1e-4)


def test_to_keras_fine_tunes_without_changing_the_estimator(tmp_path):
    X, clf = _fit()
    before = clf.decision_function(X)
    model = clf.to_keras()
    model.compile("adam", loss=losses.MinMaxLoss(clf.metric))
    model.fit(X, np.argmax(before, axis=1), epochs=1, verbose=0)
    np.testing.assert_array_equal(clf.decision_function(X), before)
    model.save(tmp_path / "dual.keras")
    loaded = keras.saving.load_model(tmp_path / "dual.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
