"""What travels between the scikit-learn layer and the training backend:
the training rows, the hyper-parameters, the weights, the optimizer state,
what training produced, and its errors. Plain numpy, named tuples and
dataclasses (no TensorFlow)."""

# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from ._metric_registry import max_norm_of

# batch_size="auto": this many minibatches per epoch, of a size in this range.
AUTO_BATCHES, AUTO_BATCH_RANGE = 10, (16, 200)
# hidden_layer_sizes="auto": this hidden layer up to as many classes as its
# width, a linear encoder beyond.
AUTO_HIDDEN = (100,)
# n_components=None: as many as the classes, in [32, AUTO_COMPONENTS]. At
# 1,000 classes (bench_many_labels.py, dense) 256 gave mAP 0.369 and P@1
# 0.743, 384 0.407 and 0.745, 512 0.415 and 0.713.
AUTO_COMPONENTS = 384


def hidden_layers(hidden_layer_sizes, n_classes):
    """The hidden layers in use: ``hidden_layer_sizes``, or for "auto"
    :data:`AUTO_HIDDEN` up to as many classes as its width, none beyond."""
    if isinstance(hidden_layer_sizes, str):  # "auto"
        return AUTO_HIDDEN if n_classes <= AUTO_HIDDEN[0] else ()
    return hidden_layer_sizes


class TrainingRows(NamedTuple):
    """Rows to train on, aligned.

    ``X``: the rows' features. ``tags`` (n_rows, k): the classes each row is
    tagged with, padded with -1. ``tag_weights`` (n_rows, k): the weight of
    each row's pull toward each of its tags (``class_weight``; 0 for
    padding). ``row_weights`` (n_rows,): the rows' sample weights, summed
    over merged duplicates. The same fields hold the tensors the compiled
    epochs read (the clustering trainers put each row's neighbours, or its
    cluster's subclusters, in ``tags``).
    """

    X: object
    tags: object
    tag_weights: object
    row_weights: object

    def take(self, rows):
        """The rows ``rows`` (indices) of every field."""
        return TrainingRows(*(field[rows] for field in self))


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of one call of the training backend.

    Built once per ``fit`` from the estimator's parameters
    (:meth:`of_classifier`), and packed into tensors in
    one place, by field name (``_training.pack_minmax_hyper``).
    """

    metric: str
    max_norm: float
    push_weight: float
    n_negatives: int | None
    activation: str
    alpha: float
    batch_size: int
    learning_rate: float
    beta_1: float
    beta_2: float
    epsilon: float
    max_iter: int
    tol: float
    n_iter_no_change: int
    verbose: int = 0

    @classmethod
    def of_classifier(cls, params, incremental, n_rows):
        """The config of a classifier's fit on ``n_rows`` rows, from its
        parameters ``params`` (``get_params()``): the norm bound and batch
        size resolved, one epoch for ``partial_fit``."""
        batch_size = params["batch_size"]
        if batch_size == "auto":
            batch_size = int(np.clip(n_rows // AUTO_BATCHES, *AUTO_BATCH_RANGE))
        values = {f.name: params[f.name] for f in fields(cls) if f.name in params}
        values.update(max_norm=max_norm_of(params["metric"], params["max_norm"]),
                      batch_size=batch_size,
                      max_iter=1 if incremental else params["max_iter"])
        return cls(**values)


@dataclass(frozen=True)
class ClusteringConfig:
    """Hyper-parameters of one training run of :class:`MinMaxClustering`'s
    encoder (built by ``MinMaxClustering._training_config``; packed into
    tensors by ``_cluster_training.pack_clustering_hyper``)."""

    n_far: int
    push_weight: float
    entropy_weight: float
    activation: str
    alpha: float
    batch_size: int
    learning_rate: float
    max_iter: int
    tol: float
    n_iter_no_change: int
    verbose: int = 0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8


class MLPWeights(NamedTuple):
    """Weights of the built-in encoder and the class table."""

    coefs: list
    intercepts: list
    class_embeddings: np.ndarray

    def astype(self, dtype):
        return MLPWeights([np.asarray(W, dtype) for W in self.coefs],
                          [np.asarray(b, dtype) for b in self.intercepts],
                          np.asarray(self.class_embeddings, dtype))


class AdamState(NamedTuple):
    """Adam's moments (``m``, ``v``, shaped like the weights) and step count."""

    m: MLPWeights
    v: MLPWeights
    step: float


@dataclass
class TrainingResult:
    """What the epochs of one call of the backend produced.

    ``stop_reason`` is None when ``max_iter`` epochs ran without the monitored
    value stalling (not converged); ``best_epoch`` is 1-based.
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: str | None = None

    @property
    def converged(self):
        return self.stop_reason is not None


class NonFiniteLossError(ValueError, FloatingPointError):
    """The training loss became NaN or infinite, or diverged.

    A ``ValueError``, as scikit-learn's ``MLPClassifier`` raises when its
    weights become non-finite (the cause is usually the data's scale or the
    learning rate), and a ``FloatingPointError``.

    Attributes
    ----------
    epoch : int
        The epoch (1-based; 0 for the initial loss) where it happened.
    learning_rate : float
        The learning rate in use.
    initial_loss, loss : float or None
        For a divergence, the initial loss and the loss it grew to; None when
        the loss was not finite.
    """

    def __init__(self, epoch, learning_rate, initial_loss=None, loss=None):
        self.epoch, self.learning_rate = epoch, learning_rate
        self.initial_loss, self.loss = initial_loss, loss
        what = ("became NaN or infinite" if loss is None else
                f"diverged (from {initial_loss:.3g} to {loss:.3g})")
        super().__init__(
            f"The training loss {what} at epoch {epoch}: lower learning_rate "
            f"(now {learning_rate:g}) or scale X (for instance with "
            "StandardScaler). The estimator is left as it was before this call."
        )
