"""Keras models of the estimator: the user's encoder, cloned for a fit; its
embeddings; and the fitted dual encoder as one Keras model (``to_keras``)."""

# SPDX-License-Identifier: BSD-3-Clause

# isort: off
from ._backend import tf  # noqa: F401  (first: TensorFlow, imported quietly)
import keras
# isort: on
import numpy as np

from ._activations import ACTIVATIONS
from .layers import ClassEmbedding


def _clone(model, input_shape):
    """A copy of a Keras model, with its weights where it is built."""
    clone = keras.models.clone_model(model)
    if model.built:
        clone.build(model.input_shape if hasattr(model, "input_shape")
                    else (None, *input_shape))
        clone.set_weights(model.get_weights())
    return clone


def build_encoder(encoder, X):
    """The model a fit trains: a clone of ``encoder`` (a Keras model) or what
    ``encoder(X.shape[1:])`` builds; and the dimension of its embeddings."""
    if isinstance(encoder, keras.Model):
        model = _clone(encoder, X.shape[1:])
    else:
        model = encoder(X.shape[1:])
        if not isinstance(model, keras.Model):
            raise TypeError(
                "encoder must be a keras.Model or a function returning one from the "
                f"input shape; the function returned {type(model)}."
            )
    shape = tuple(model(X[:1]).shape)
    if len(shape) != 2:
        raise ValueError(
            "encoder must output embeddings of shape (n_samples, n_components); "
            f"for one sample of X it outputs shape {shape}. End it with a Dense "
            "layer (after a Flatten or a pooling layer where needed)."
        )
    return model, shape[1]


def embed(model, X):
    """Embeddings from a Keras encoder, as float64 rows."""
    if X.dtype.kind in "US":  # Keras takes text as Python strings
        X = X.astype(object)
    Z = model.predict(X, batch_size=1024, verbose=0)
    return np.asarray(Z, dtype=np.float64).reshape(len(Z), -1)


def _mlp(coefs, intercepts, activation):
    """The built-in encoder as a ``keras.Sequential`` of ``Dense`` layers."""
    layers = [keras.Input((coefs[0].shape[0],))]
    for i, W in enumerate(coefs):
        last = i == len(coefs) - 1
        layers.append(keras.layers.Dense(
            W.shape[1], activation=None if last else ACTIVATIONS[activation].keras))
    model = keras.Sequential(layers, name="encoder")
    model.set_weights([w.astype(np.float32) for pair in zip(coefs, intercepts)
                       for w in pair])
    return model


def dual_encoder(estimator):
    """The fitted feature encoder followed by a :class:`ClassEmbedding` layer
    holding the class table: its output is the scores of every class."""
    table = estimator.class_embeddings_
    head = ClassEmbedding(len(table), metric=estimator.metric,
                          max_norm=estimator._max_norm,
                          push_weight=estimator.push_weight, name="class_embedding")
    head.build((None, table.shape[1]))
    head.set_weights([table.astype(np.float32)])
    if estimator.encoder_ is None:
        encoder = _mlp(estimator.coefs_, estimator.intercepts_, estimator.activation)
    else:
        encoder = _clone(estimator.encoder_, None)
    model = keras.Sequential([encoder, head], name="dual_encoder")
    if getattr(encoder, "input_shape", None) is not None:
        model.build(encoder.input_shape)
    return model


def soft_assignment_model(coefs, intercepts, activation, merge):
    """The built-in encoder, a softmax over its outputs, and the fixed linear
    map ``merge`` (n_outputs, n_clusters) that sums them into clusters."""
    encoder = _mlp(coefs, intercepts, activation)
    head = keras.layers.Dense(merge.shape[1], use_bias=False, trainable=False,
                              name="merge")
    model = keras.Sequential([encoder, keras.layers.Softmax(), head],
                             name="soft_assignment")
    model.build((None, coefs[0].shape[0]))
    head.set_weights([merge.astype(np.float32)])
    return model
