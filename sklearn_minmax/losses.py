"""The min-max loss as plain TensorFlow, usable without scikit-learn.

The loss has two parts.

*Pull*: ``D(f(x), e_c)`` for every class ``c`` a sample is tagged with.

*Push*: a per-pair penalty that drives every pair of class embeddings to a
fixed target separation, summed over each class's pairs and averaged over
classes, ``(n_classes - 1) mean_{i != j} (s(e_i, e_j) - target)^2`` (with
sampled negatives, summed over each example's sampled classes). Unlike
the original "maximise the sum of pairwise distances", whose optimum for
three or more classes includes two antipodal groups of classes, a per-pair
target has a well-spread optimum for any number of classes: orthogonal class
vectors while ``n_classes <= n_components`` (a tight frame beyond that). The
target is never "as far as possible": for two classes it leaves room for a
point that is close to both, which is what multi-membership needs.

Per metric (``R`` is ``max_norm``; sample space / class space, pull, push):

- cosine: ``z/|z|``, ``e/|e|``; ``1 - cos(z, e)``; ``cos(e_i, e_j)^2``.
- euclidean: ``z``, ``e`` with ``|e|_2 <= R``; ``|z - e|_2^2 / R^2``;
  ``(|e_i - e_j|_2^2 / (2 R^2) - 1)^2``.
- manhattan: ``z/|z|_1``, ``e/R`` with ``|e|_1 <= R``; ``|z - e|_1^2``;
  ``(|e_i - e_j|_1^2 / 2 - 2)^2``.
- kl: ``log softmax(z)``, ``log softmax(e)`` with ``|e|_2 <= R``;
  ``KL(q_e || p_z)``; ``(JS(q_i, q_j) / log 2 - 1)^2``.

``KL(q_e || p_z)`` is taken in this direction because, summed over the
classes a sample is tagged with, it is minimised by the *mixture* of those
classes' distributions: a sample of two classes sits on their mixture, close
to both.

In Keras, the same loss is :class:`MinMaxLoss` on the scores of a
:class:`sklearn_minmax.layers.ClassEmbedding` layer, which holds the class
table and adds the push as a layer loss::

    import keras
    import numpy as np
    from sklearn_minmax.layers import ClassEmbedding
    from sklearn_minmax.losses import MinMaxLoss

    X = np.random.RandomState(0).normal(size=(300, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("int32") + (X[:, 1] > 0)   # one tag per sample
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(16),
                              ClassEmbedding(3)])
    model.compile("adam", loss=MinMaxLoss())
    model.fit(X, y, epochs=5, verbose=0)
    model.predict(X[:2], verbose=0)    # each sample's score for each class
"""

# SPDX-License-Identifier: BSD-3-Clause

# isort: off
from ._backend import tf  # first: TensorFlow, imported quietly
import keras
# isort: on

from . import _metric_registry
from ._loss_ops import (  # noqa: F401  (the public maths)
    class_space,
    minmax_loss,
    pair_penalty,
    pull_distance,
    push_loss,
    sample_negatives,
    sample_space,
    sampled_push_loss,
    similarity,
)

# The names of the metrics, and the norm bound of each when ``max_norm=None``.
METRICS = tuple(_metric_registry.METRICS)
DEFAULT_MAX_NORM = {name: entry.default_max_norm
                    for name, entry in _metric_registry.METRICS.items()}

__all__ = [
    "METRICS",
    "MinMaxLoss",
    "class_space",
    "minmax_loss",
    "pair_penalty",
    "pull_distance",
    "push_loss",
    "sample_space",
    "sampled_push_loss",
    "similarity",
]


@keras.saving.register_keras_serializable(package="sklearn_minmax")
class MinMaxLoss(keras.losses.Loss):
    """The pull of the min-max loss, as a Keras loss over class scores.

    ``y_pred`` holds each sample's score for each class, as a
    :class:`sklearn_minmax.layers.ClassEmbedding` layer outputs them (that
    layer holds the class table and adds the push as a layer loss, so that
    the model's total loss is :func:`minmax_loss`). ``y_true`` holds integer
    tags: shape ``(batch,)``, or ``(batch, k)`` with ``-1`` for no tag. The
    loss of an example is the sum of its pull distances to its tags (a
    function of the score alone: ``1 - cos`` for cosine, ``d**2 / R**2``
    for euclidean, ``d1**2`` for manhattan, ``KL`` for kl), one value per
    example, so Keras' ``sample_weight`` weighs examples.

    Parameters
    ----------
    metric : {"cosine", "euclidean", "manhattan", "kl"}, default="cosine"
        Must be the metric of the ``ClassEmbedding`` layer.
    max_norm : float, default=None
        The layer's ``max_norm`` (used by "euclidean"); None for the metric's
        default.
    name : str, default="minmax_loss"
    reduction : str, default="sum_over_batch_size"
        As in ``keras.losses.Loss``.
    dtype : str, default=None
        As in ``keras.losses.Loss``.

    Examples
    --------
    See the module's docstring, :mod:`sklearn_minmax.losses`.
    """

    def __init__(self, metric="cosine", max_norm=None, name="minmax_loss",
                 reduction="sum_over_batch_size", dtype=None):
        _metric_registry.metric_of(metric)  # a ValueError for an unknown metric
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.metric = metric
        self.max_norm = max_norm

    def call(self, y_true, y_pred):
        scores = tf.convert_to_tensor(y_pred)
        tags = tf.reshape(tf.cast(y_true, tf.int32), [tf.shape(scores)[0], -1])
        own = tf.gather(scores, tf.maximum(tags, 0), batch_dims=1)
        pull = _metric_registry.METRICS[self.metric].pull_from_score(own, self.max_norm)
        return tf.reduce_sum(tf.where(tags >= 0, pull, tf.zeros_like(pull)), axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(metric=self.metric, max_norm=self.max_norm)
        return config
