"""A user-supplied Keras encoder: images and text, persistence."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier

keras = pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def images():
    X, y = load_digits(return_X_y=True)
    return (X[:600] / 16.0).reshape(-1, 8, 8, 1).astype(np.float32), y[:600]


def conv_encoder():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(16),
    ])


def test_keras_model_on_images(images):
    X, y = images
    encoder = conv_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    clf = MinMaxClassifier(encoder=encoder, max_iter=60, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.transform(X).shape == (600, 16)
    assert clf.class_embeddings_.shape == (10, 16)
    assert clf.predict_multilabel(X).shape == (600, 10)
    # the estimator's parameter is left as given
    for w, b in zip(encoder.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert clf.encoder_ is not encoder


def test_keras_encoder_pickles_in_keras_format(images, tmp_path):
    X, y = images
    clf = MinMaxClassifier(encoder=conv_encoder(), max_iter=2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X),
                               rtol=1e-6)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_builder_function_on_raw_text():
    topics = {0: "goal match team score league", 1: "stock market price bank trade"}
    rng = np.random.RandomState(0)
    docs, y = [], []
    for i in range(200):
        words = topics[i % 2].split()
        docs.append(" ".join(rng.choice(words, 6)))
        y.append(i % 2)
    docs, y = np.array(docs), np.array(y)

    def build(input_shape):
        vectorize = keras.layers.TextVectorization(output_mode="multi_hot")
        vectorize.adapt(docs)
        return keras.Sequential([keras.Input(input_shape, dtype="string"), vectorize,
                                 keras.layers.Dense(8)])

    clf = MinMaxClassifier(encoder=build, learning_rate=0.01, max_iter=100,
                           random_state=0).fit(docs, y)
    assert clf.score(docs, y) == 1.0
    mixed = np.array(["goal team market price bank score"])
    assert clf.predict_multilabel(mixed).sum() >= 1


def test_early_stopping_with_a_keras_encoder(images):
    X, y = images
    clf = MinMaxClassifier(encoder=conv_encoder(), early_stopping=True, max_iter=40,
                           n_iter_no_change=3, random_state=0).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_builder_must_return_a_keras_model(images):
    X, y = images
    with pytest.raises(TypeError, match="encoder must be a keras.Model"):
        MinMaxClassifier(encoder=lambda shape: "not a model").fit(X, y)


def test_partial_fit_with_a_keras_encoder_continues_adam(images):
    X, y = images
    X, y = X[:200], y[:200]
    clf = MinMaxClassifier(encoder=conv_encoder(), batch_size=50, random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.partial_fit(X, y)
    # one optimizer across calls: its step count continues (4 batches a call),
    # so Adam's bias correction does not restart with every chunk
    assert int(clf._optimizer_state[0]) == 8
    curve = clf.loss_curve_
    clf.partial_fit(X, y)
    assert clf.loss_curve_[:2] == curve and clf.loss_curve_[2] < curve[0]
