"""Training of :class:`MinMaxClustering`'s encoder: the min-max loss without
labels, in the compiled epoch of :mod:`sklearn_minmax._training`.

Without labels the class vectors are fixed up front: a sample's soft
assignment ``psi(x) = softmax(f(x))`` lives on the probability simplex, whose
corners (one-hot vectors) are orthogonal, the most separated arrangement. The
push between classes is then built in, and the loss is over pairs of samples:

- pull: ``-log(psi(x) . psi(n))`` for each of ``x``'s nearest neighbours
  ``n``: a sample and its neighbours share a cluster;
- push: ``(psi(x) . psi(f))^2`` for far samples ``f`` drawn at random among
  the others: samples in general do not;
- balance: ``log K - H(mean psi)`` over the batch, zero when every cluster is
  used equally, without which every sample falls into one cluster.

The trainer reuses the built-in encoder's trainer (its shape-agnostic
variables, its Adam, its L2 penalty) and replaces how a batch is read: each
row of the batch brings its neighbours' rows and far rows drawn in the graph
(:meth:`_ClusterTrainer._batch`), from the whole data resident as tensors.

Once the subclusters are merged into clusters, :func:`self_label` fine-tunes
the encoder toward the clusters it gave the training rows (the self-labelling
step of SCAN): the loss above only constrains the encoder where there are
rows and their neighbours, and new points between or beyond them can land in
a subcluster of another cluster; cross-entropy on the clusters keeps pushing
each cluster's boundary away from its rows.
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools

import numpy as np

from ._backend import tf
from ._cluster_graph import CLUSTER_EPS
from ._initialization import init_layers
from ._mlp_training import _as_tensors, _MLPTrainer, train_loaded
from ._training import pack_scalars, resident
from ._training_types import MLPWeights, TrainingRows

# An epoch makes at least this many steps: as many passes over the rows as
# that takes. Small data then gets the few hundred steps the loss needs within
# the first epochs, and early stopping judges losses averaged over as many.
MIN_STEPS = 50
# The scalars the compiled epoch reads, packed by :func:`pack_clustering_hyper`.
_HYPER = ("learning_rate", "beta_1", "beta_2", "epsilon", "alpha", "push_weight",
          "entropy_weight", "n_far")


def pack_clustering_hyper(config):
    """The hyper-parameters of a ``ClusteringConfig``, packed."""
    return pack_scalars({name: getattr(config, name) for name in _HYPER}, _HYPER)


def _weighted_mean(values, weight):
    return tf.reduce_sum(values * weight) / tf.maximum(tf.reduce_sum(weight), CLUSTER_EPS)


def clustering_loss(psi, psi_near, psi_far, near_weight, far_weight, push_weight,
                    entropy_weight):
    """The min-max loss without labels, on soft assignments.

    Parameters
    ----------
    psi : Tensor of shape (batch, n_subclusters)
        Soft assignments of the samples (rows summing to 1).
    psi_near : Tensor of shape (batch, n_neighbors, n_subclusters)
        Those of each sample's nearest neighbours, with weights ``near_weight``
        of shape (batch, n_neighbors).
    psi_far : Tensor of shape (batch, n_far, n_subclusters)
        Those of far samples, with weights ``far_weight`` (0 where a draw hit a
        neighbour or the sample itself).
    push_weight, entropy_weight : float
        Weights of the push and of the balance term.

    Returns
    -------
    loss : scalar Tensor
        ``pull + push_weight * push + entropy_weight * balance``.
    """
    near = tf.einsum("bc,bkc->bk", psi, psi_near)
    pull = _weighted_mean(-tf.math.log(near + CLUSTER_EPS), near_weight)
    push = _weighted_mean(tf.square(tf.einsum("bc,bfc->bf", psi, psi_far)), far_weight)
    mean = tf.reduce_mean(psi, axis=0)
    balance = (tf.math.log(tf.cast(tf.shape(psi)[1], tf.float32))
               + tf.reduce_sum(mean * tf.math.log(mean + CLUSTER_EPS)))
    return pull + push_weight * push + entropy_weight * balance


class _ClusterTrainer(_MLPTrainer):
    """The built-in encoder, trained on :func:`clustering_loss`.

    The ``tags`` of the rows the compiled epoch reads hold each row's
    neighbours (indices into the rows) and ``tag_weights`` their weights;
    the class table is unused.
    """

    HYPER = _HYPER
    closed_form_metrics = ()  # the gradient of its own loss is automatic

    def __init__(self, n_layers, activation, sparse):
        super().__init__(n_layers, activation, "cosine", sparse, sampled=False)

    def hyper_of(self, config, mean_weight):
        return pack_clustering_hyper(config)

    def order(self, n, batch_size, rng):
        passes = -(-MIN_STEPS * batch_size // n)
        return np.concatenate([rng.permutation(n) for _ in range(passes)]).astype(np.int32)

    def _flat(self, weights):
        return [*weights.coefs, *weights.intercepts]  # no class table

    def _batch(self, rows, idx, seed, hyper, training):
        X, neighbors, near_weight = rows.X, rows.tags, rows.tag_weights
        b = tf.shape(idx)[0]
        near = tf.gather(neighbors, idx)
        far = tf.random.stateless_uniform(
            [b, tf.cast(hyper["n_far"], tf.int32)], seed, minval=0,
            maxval=tf.shape(neighbors)[0], dtype=tf.int32)
        # far samples are drawn among the non-neighbours
        hit = tf.logical_or(tf.reduce_any(far[:, :, None] == near[:, None, :], axis=-1),
                            far == idx[:, None])
        rows = tf.concat([idx, tf.reshape(near, [-1]), tf.reshape(far, [-1])], axis=0)
        psi = tf.nn.softmax(self._embed(self._gather(X, rows), training))
        k, n_far, width = tf.shape(near)[1], tf.shape(far)[1], tf.shape(psi)[1]
        psi_near = tf.reshape(psi[b:b + b * k], [b, k, width])
        psi_far = tf.reshape(psi[b + b * k:], [b, n_far, width])
        return clustering_loss(psi[:b], psi_near, psi_far, tf.gather(near_weight, idx),
                               1.0 - tf.cast(hit, tf.float32), hyper["push_weight"],
                               hyper["entropy_weight"])


class _SelfLabelTrainer(_ClusterTrainer):
    """The built-in encoder, fine-tuned on cross-entropy toward clusters.

    The ``tags`` of the rows the compiled epoch reads hold, for each row, the
    subclusters of its cluster and ``tag_weights`` marks them (clusters have
    different numbers of subclusters); the loss is ``-log`` of the row's
    assignment mass on them.
    """

    def _batch(self, rows, idx, seed, hyper, training):
        psi = tf.nn.softmax(self._embed(self._gather(rows.X, idx), training))
        own = tf.gather(psi, tf.gather(rows.tags, idx), batch_dims=1)
        mass = tf.reduce_sum(own * tf.gather(rows.tag_weights, idx), axis=1)
        return -tf.reduce_mean(tf.math.log(mass + CLUSTER_EPS))


@functools.cache
def _cluster_trainer(n_layers, activation, sparse, self_labelling=False):
    return (_SelfLabelTrainer if self_labelling else _ClusterTrainer)(
        n_layers, activation, sparse)


def init_encoder(n_features, hidden_layer_sizes, n_subclusters, activation, rng):
    """Glorot-uniform weights of an encoder with ``n_subclusters`` outputs."""
    coefs, intercepts = init_layers([n_features, *hidden_layer_sizes, n_subclusters],
                                    activation, rng)
    return MLPWeights(coefs, intercepts, np.zeros((0, 0), np.float32))


def train_clustering(X, neighbors, near_weight, weights, config, rng):
    """Train the encoder from ``weights`` (:class:`MLPWeights`, float32).

    ``neighbors`` (n_samples, n_neighbors) holds the indices of each row's
    nearest neighbours, ``near_weight`` their weights. Returns the trained
    weights and the :class:`TrainingResult`.
    """
    sparse, X_tensor = _as_tensors(X)
    trainer = _cluster_trainer(len(weights.coefs), config.activation, sparse)
    data = resident(TrainingRows(X, neighbors, near_weight,
                                 np.ones(X.shape[0], np.float32)), X_tensor)
    weights, _, result = train_loaded(trainer, data, weights, None, config, rng)
    return weights, result


def self_label(X, labels, groups, weights, config, rng):
    """Fine-tune the encoder ``weights`` so that each row's assignment mass
    sits on the subclusters of its cluster ``labels`` (``groups`` gives the
    cluster of each subcluster), from a fresh Adam state. Returns the
    weights."""
    members = [np.flatnonzero(groups == g) for g in range(groups.max() + 1)]
    tags = np.zeros((len(members), max(map(len, members))), np.int32)
    marks = np.zeros(tags.shape, np.float32)
    for g, m in enumerate(members):
        tags[g, :len(m)], marks[g, :len(m)] = m, 1.0
    sparse, X_tensor = _as_tensors(X)
    trainer = _cluster_trainer(len(weights.coefs), config.activation, sparse, True)
    data = resident(TrainingRows(X, tags[labels], marks[labels],
                                 np.ones(X.shape[0], np.float32)), X_tensor)
    weights, _, _ = train_loaded(trainer, data, weights, None, config, rng)
    return weights
