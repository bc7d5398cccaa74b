"""The numpy inference and the TensorFlow training compute the same maths,
and ``to_keras()`` gives the scores of ``decision_function``."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier, _inference
from sklearn_minmax._distances import DEFAULT_MAX_NORM, METRICS, pull_from_score
from sklearn_minmax.datasets import make_partial_tags

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
from sklearn_minmax import _training, losses  # noqa: E402


@pytest.fixture
def embeddings():
    rng = np.random.RandomState(0)
    # raw embeddings, classes beyond the norm bound included (clipped)
    return rng.standard_normal((50, 6)), 3 * rng.standard_normal((4, 6))


def _both_spaces(Z, E, metric):
    """numpy scores, and the mapped TensorFlow tensors, of the same pairs."""
    R = DEFAULT_MAX_NORM[metric]
    S_np = _inference.scores(Z, _inference.class_space(E, metric, R), metric)
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
    np.testing.assert_allclose(pull_from_score(S_np, metric, R), pull, rtol=1e-4,
                               atol=1e-4)
    # the paired form the decision rule uses: row i against class i % 4
    zs = _inference.sample_space(Z, metric)
    own = _inference.paired_similarity(
        zs, _inference.class_space(E, metric, R)[np.arange(50) % 4], metric)
    np.testing.assert_allclose(own, S_np[np.arange(50), np.arange(50) % 4], rtol=1e-10)


@pytest.mark.parametrize("metric", METRICS)
def test_encoders_agree(metric):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((20, 5)).astype(np.float32)
    coefs = [rng.standard_normal((5, 7)), rng.standard_normal((7, 3))]
    intercepts = [rng.standard_normal(7), rng.standard_normal(3)]
    for activation in ("relu", "tanh", "logistic", "identity"):
        Z_np = _inference.encode(coefs, intercepts, X, activation)
        Z_tf = _training.encode([tf.constant(W, tf.float32) for W in coefs],
                                [tf.constant(b, tf.float32) for b in intercepts],
                                tf.constant(X), activation).numpy()
        np.testing.assert_allclose(Z_np, Z_tf, rtol=1e-4, atol=1e-4)


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
