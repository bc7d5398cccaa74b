"""A fixed set of fits whose outputs are saved in ``data/regression_outputs.npz``.

``python tests/regression_cases.py`` rewrites the file from the current code;
``test_regression.py`` checks that the same ``random_state`` still gives the
same predictions. Regenerate it only for a change that is meant to change the
model, and say so in the change.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import make_multilabel_classification

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_partial_tags

PATH = Path(__file__).parent / "data" / "regression_outputs.npz"


def _blobs():
    X, y, _, _ = make_partial_tags(n_samples=300, n_classes=3, shared=((0, 1),),
                                   random_state=0)
    return X, y


def _indicator():
    X, Y = make_multilabel_classification(n_samples=300, n_features=10, n_classes=5,
                                          random_state=0)
    return X / X.std(0), Y


def _many_classes():
    rng = np.random.RandomState(1)
    centers = rng.normal(scale=4.0, size=(12, 5))
    y = rng.randint(12, size=400)
    return centers[y] + rng.normal(size=(400, 5)), y


def _keras_encoder(input_shape):
    import keras

    # seeded initialisers: a callable encoder's initial weights are its own
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Dense(16, activation="tanh",
                           kernel_initializer=keras.initializers.GlorotUniform(0)),
        keras.layers.Dense(8, kernel_initializer=keras.initializers.GlorotUniform(1)),
    ])


CASES = {
    "cosine_1d": (_blobs, {}),
    "euclidean_1d": (_blobs, {"metric": "euclidean"}),
    "manhattan_1d": (_blobs, {"metric": "manhattan"}),
    "kl_1d": (_blobs, {"metric": "kl"}),
    "cosine_2d": (_indicator, {}),
    "kl_2d": (_indicator, {"metric": "kl"}),
    "sampled_negatives": (_many_classes, {"n_negatives": 3}),
    "no_early_stopping": (_many_classes, {"early_stopping": False, "max_iter": 15}),
    "keras_encoder": (_blobs, {"encoder": _keras_encoder}),
}


def outputs(name):
    """The fitted outputs of one case, by method name."""
    data, params = CASES[name]
    X, y = data()
    clf = MinMaxClassifier(**{"max_iter": 40, "random_state": 0, **params}).fit(X, y)
    return {
        "predict": clf.predict(X),
        "predict_multilabel": clf.predict_multilabel(X),
        "decision_function": clf.decision_function(X),
        "predict_proba": clf.predict_proba(X),
        "transform": clf.transform(X),
    }


if __name__ == "__main__":
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    saved = {f"{name}/{method}": value for name in CASES
             for method, value in outputs(name).items()}
    np.savez_compressed(PATH, **saved)
    print(f"wrote {len(saved)} arrays to {PATH}")
