"""Keras layers of the min-max loss (TensorFlow backend)."""

# SPDX-License-Identifier: BSD-3-Clause

# isort: off
from ._backend import tf  # first: TensorFlow, imported quietly
import keras
# isort: on

from . import losses
from ._metric_registry import metric_of

__all__ = ["ClassEmbedding", "load_model"]


@keras.saving.register_keras_serializable(package="sklearn_minmax")
class ClassEmbedding(keras.layers.Layer):
    """A table of learned class embeddings that scores samples against it.

    Takes sample embeddings ``f(x)`` of shape ``(batch, d)`` and returns each
    sample's score for each class, shape ``(batch, n_classes)``, higher
    meaning more likely: the scores of
    :meth:`sklearn_minmax.MinMaxClassifier.decision_function`. In training it
    adds the push of the min-max loss, ``push_weight * (n_classes - 1) *
    push_loss``, as a layer loss; with :class:`sklearn_minmax.losses.MinMaxLoss`
    on its output, a model trains on the whole min-max loss.

    Parameters
    ----------
    n_classes : int
        Number of classes (rows of the table).
    metric : {"cosine", "euclidean", "manhattan", "kl"}, default="cosine"
        See :mod:`sklearn_minmax.losses`.
    max_norm : float, default=None
        Norm bound of the class embeddings; None uses the metric's default.
    push_weight : float, default=0.5
        Weight of the push term.
    embeddings_initializer : str or keras.initializers.Initializer, default="random_normal"
        Initializer of the table.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Attributes
    ----------
    embeddings : keras.Variable of shape (n_classes, d)
        The raw class embeddings (``class_embeddings_`` of the estimator).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minmax.layers import ClassEmbedding
    >>> layer = ClassEmbedding(3)
    >>> layer(np.ones((2, 4), dtype="float32")).shape
    TensorShape([2, 3])
    """

    def __init__(self, n_classes, metric="cosine", max_norm=None, push_weight=0.5,
                 embeddings_initializer="random_normal", **kwargs):
        super().__init__(**kwargs)
        metric_of(metric)  # a ValueError for an unknown metric
        self.n_classes, self.metric = int(n_classes), metric
        self.max_norm, self.push_weight = max_norm, push_weight
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.n_classes, input_shape[-1]), name="embeddings",
            initializer=self.embeddings_initializer)

    def call(self, inputs, training=None):
        z = losses.sample_space(tf.cast(inputs, self.compute_dtype), self.metric)
        e = losses.class_space(tf.convert_to_tensor(self.embeddings), self.metric,
                               self.max_norm)
        if training:
            push = losses.push_loss(e, self.metric, self.max_norm)
            self.add_loss(self.push_weight * (self.n_classes - 1) * push)
        return metric_of(self.metric).tf_scores(z, e)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.n_classes)

    def get_config(self):
        config = super().get_config()
        config.update(
            n_classes=self.n_classes, metric=self.metric, max_norm=self.max_norm,
            push_weight=self.push_weight,
            embeddings_initializer=keras.initializers.serialize(
                self.embeddings_initializer))
        return config


def load_model(filepath, **kwargs):
    """Load a Keras model that holds a :class:`ClassEmbedding`, such as one
    from :meth:`sklearn_minmax.MinMaxClassifier.to_keras` saved with
    ``model.save("model.keras")``, in any process.

    ``keras.saving.load_model`` alone finds :class:`ClassEmbedding` only
    once this module has been imported; this call imports it and passes
    the layer by name.

    Parameters
    ----------
    filepath : str or path-like
        The ``.keras`` file.
    **kwargs
        Passed to ``keras.saving.load_model``.

    Returns
    -------
    model : keras.Model
        The loaded model.
    """
    custom = {"ClassEmbedding": ClassEmbedding, **kwargs.pop("custom_objects", {})}
    return keras.saving.load_model(filepath, custom_objects=custom, **kwargs)
