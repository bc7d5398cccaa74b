"""A user-supplied Keras encoder: images and text, persistence."""

import itertools
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
    # seeded initialisers: the same starting weights, hence the same fits, each run
    seeded = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, activation="relu", kernel_initializer=seeded(0)),
        keras.layers.Flatten(),
        keras.layers.Dense(16, kernel_initializer=seeded(1)),
    ])


@pytest.mark.slow
def test_keras_model_on_images(images):
    X, y = images
    encoder = conv_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    clf = MinMaxClassifier(encoder=encoder, max_iter=60, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    # the encoder's output is the embedding
    assert clf.transform(X).shape == (600, 16)
    assert clf.class_embeddings_.shape == (10, 16)
    pred = np.searchsorted(clf.classes_, clf.predict(X))
    assert np.all(clf.predict_multilabel(X)[np.arange(600), pred] == 1)
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


def _topic_documents(seed=0):
    """Documents on sport (class 0), on finance (class 1), and on the business
    of sport, which belong to both and are tagged with one of them: each
    distinct document of that topic is tagged 0 as often as 1."""
    sport = "goal match team score league coach pitch striker keeper derby".split()
    money = "stock market price bank trade bond yield fund equity broker".split()
    both = "sponsor stadium transfer wage broadcast".split()
    rng = np.random.RandomState(seed)
    pure = [" ".join(rng.choice(words, 4, replace=False))
            for words in (sport, money) for _ in range(100)]
    shared = [" ".join(words) for words in itertools.combinations(both, 4)] * 20
    docs = np.array(pure + shared)
    y = np.r_[np.zeros(100, int), np.ones(100, int), np.arange(100) % 2]
    Y = np.r_[np.tile([1, 0], (100, 1)), np.tile([0, 1], (100, 1)),
              np.ones((100, 2), int)]
    return docs, y, Y


@pytest.mark.slow
def test_builder_function_on_raw_text():
    docs, y, Y = _topic_documents()

    def build(input_shape):
        vectorize = keras.layers.TextVectorization(output_mode="multi_hot")
        vectorize.adapt(docs)
        dense = keras.layers.Dense(8, kernel_initializer=keras.initializers.GlorotUniform(0))
        return keras.Sequential([keras.Input(input_shape, dtype="string"), vectorize,
                                 dense])

    clf = MinMaxClassifier(encoder=build, learning_rate=0.01, max_iter=100,
                           random_state=0).fit(docs, y)
    assert clf.score(docs[:200], y[:200]) == 1.0
    P = clf.predict_multilabel(docs)
    exact = (P == Y).all(axis=1)
    # single-topic documents get their class alone, shared ones both
    assert exact[:200].mean() >= 0.95 and exact[200:].mean() >= 0.95
    pred = np.searchsorted(clf.classes_, clf.predict(docs))
    assert np.all(P[np.arange(len(docs)), pred] == 1)


@pytest.mark.slow
def test_early_stopping_with_a_keras_encoder_keeps_the_best_epoch(images):
    X, y = images
    params = dict(encoder=conv_encoder(), learning_rate=0.03, n_iter_no_change=3,
                  random_state=0)
    clf = MinMaxClassifier(max_iter=100, **params).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 100
    assert clf.best_validation_score_ == max(scores)
    # the kept weights are the best epoch's: a fit that ends at that epoch
    best = int(np.argmax(scores))
    assert best < clf.n_iter_ - 1  # the last epoch is not the best
    ends_at_best = MinMaxClassifier(max_iter=best + 1, **params).fit(X, y)
    assert ends_at_best.best_validation_score_ == scores[best]
    np.testing.assert_allclose(clf.class_embeddings_, ends_at_best.class_embeddings_,
                               rtol=1e-6)
    np.testing.assert_allclose(clf.transform(X), ends_at_best.transform(X), rtol=1e-6,
                               atol=1e-6)


def test_builder_must_return_a_keras_model(images):
    X, y = images
    with pytest.raises(TypeError, match="encoder must be a keras.Model"):
        MinMaxClassifier(encoder=lambda shape: "not a model").fit(X, y)


@pytest.mark.slow
def test_partial_fit_with_a_keras_encoder_continues_adam(images):
    """Two partial_fit calls are a two-epoch fit: one optimizer across calls,
    whose moments and step count carry over, so Adam's bias correction does
    not restart with every chunk (one batch an epoch, so the order of the
    rows in it does not matter)."""
    X, y = images
    X, y = X[:200], y[:200]
    encoder = conv_encoder()
    clf = MinMaxClassifier(encoder=encoder, batch_size=200, random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.partial_fit(X, y)
    two = MinMaxClassifier(encoder=encoder, batch_size=200, max_iter=2,
                           early_stopping=False, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.loss_curve_, two.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(clf.class_embeddings_, two.class_embeddings_,
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(clf.transform(X), two.transform(X), rtol=1e-5, atol=1e-6)
    curve = clf.loss_curve_
    clf.partial_fit(X, y)
    assert clf.loss_curve_[:2] == curve and clf.loss_curve_[2] < curve[0]


def dense_encoder(input_shape):
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(4)])


@pytest.fixture(scope="module")
def numeric():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((120, 5)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)


def test_numeric_input_gets_the_built_in_checks(numeric):
    X, y = numeric
    clf = MinMaxClassifier(encoder=dense_encoder, max_iter=2, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 5
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.predict(X[:, :3])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MinMaxClassifier(encoder=dense_encoder, max_iter=2).fit(bad, y)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        MinMaxClassifier(encoder=dense_encoder, max_iter=2).fit(X[:, 0], y)
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        MinMaxClassifier(encoder=dense_encoder, max_iter=2).fit(
            __import__("scipy.sparse").sparse.csr_matrix(X), y)
    assert not MinMaxClassifier(encoder=dense_encoder).__sklearn_tags__().input_tags.sparse
    objects = X.astype(object)  # numbers as objects are numbers
    MinMaxClassifier(encoder=dense_encoder, max_iter=2, random_state=0).fit(objects, y)


def test_an_encoder_of_the_wrong_output_shape_is_named(numeric):
    X, y = numeric

    def encoder(input_shape):
        return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(8),
                                 keras.layers.Reshape((4, 2))])

    with pytest.raises(ValueError, match=r"shape \(n_samples, n_components\).*\(1, 4, 2\)"):
        MinMaxClassifier(encoder=encoder, max_iter=2).fit(X, y)


@pytest.mark.slow
def test_to_keras_file_loads_in_a_fresh_process(numeric, tmp_path):
    import subprocess
    import sys

    X, y = numeric
    clf = MinMaxClassifier(max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "model.keras"
    clf.to_keras().save(path)
    np.save(tmp_path / "X.npy", X)
    code = ("import numpy as np, sys; from sklearn_minmax.layers import load_model; "
            f"m = load_model(r'{path}'); "
            f"np.save(r'{tmp_path / 'S.npy'}', m.predict(np.load(r'{tmp_path / 'X.npy'}'), "
            "verbose=0))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "S.npy"), clf.decision_function(X),
                               rtol=1e-4, atol=1e-5)
