"""The metrics: one entry each in :data:`METRICS`, its numpy operations
(prediction, the decision rule, initialisation) and its TensorFlow
operations (training, the Keras layer) side by side, as scikit-learn's
``neural_network/_base.py`` keeps ``ACTIVATIONS`` and ``LOSS_FUNCTIONS``.

Words used throughout the package, for a sample embedding ``z`` and a class
embedding ``e``, both mapped to the space the metric compares in
(:meth:`Metric.sample_space`, :meth:`Metric.class_space`):

- *score*: what :meth:`MinMaxClassifier.decision_function` returns, higher
  means more likely: ``cos(z, e)``, ``-|z - e|_2``, ``-|z - e|_1`` or
  ``-KL(q_e || p_z)``.
- *pull*: the distance training minimises between a sample and its tags;
  a function of the score alone (:meth:`Metric.pull_from_score`).
- *closeness*: 1 at the class, 0 at the separation the push gives two
  classes; a sample between ``k`` classes is equally close to each.
- *share*: a class's closeness over that of the sample's best class, on
  which the membership rule of 1-D targets decides.

A new metric is a subclass of :class:`Metric` and its entry in
:data:`METRICS`; the tests that run every metric read the names here.

Importing this module never imports TensorFlow (prediction and unpickling
need numpy only): its TensorFlow operations import it when one of them
first runs (:mod:`sklearn_minmax._lazy_tf`).
"""

# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from scipy.special import log_softmax

from ._lazy_tf import tf

# Guard of the metrics' norms, divisions and logarithms against zero.
METRIC_EPS = 1e-12
_LOG2 = math.log(2.0)


# ----------------------------------------------- TensorFlow building blocks
def safe_norm(x, ord=2):
    """Norm along the last axis whose gradient is finite at zero."""
    if ord == 1:
        return tf.reduce_sum(tf.abs(x), axis=-1, keepdims=True)
    return tf.sqrt(tf.reduce_sum(tf.square(x), axis=-1, keepdims=True) + METRIC_EPS)


def clip_norm(x, max_norm, ord=2):
    """Scale rows of ``x`` into the ball of radius ``max_norm``."""
    norm = safe_norm(x, ord)
    return x * tf.minimum(1.0, max_norm / tf.maximum(norm, METRIC_EPS))


def unit_rows(x):
    """``x`` divided by its rows' norms (as :func:`safe_norm`), and those norms."""
    norm = safe_norm(x)
    return x / norm, norm


def cosine_rows(z):
    """The cosine metric's map of sample embeddings (unit rows), with what
    its gradient needs: the norms they were divided by, and the scale
    ``top``. A row whose largest entry exceeds 1 is divided by it first, held
    constant (the map is scale invariant, and so is its gradient): the
    squares of the norm then stay within float32 for the embeddings of huge
    inputs, which would otherwise overflow it and map to 0."""
    top = tf.maximum(
        tf.stop_gradient(tf.reduce_max(tf.abs(z), axis=-1, keepdims=True)), 1.0)
    unit, norm = unit_rows(z / top)
    return unit, norm, top


def cosine_push_sum(v):
    """``sum over i != j of (v_i . v_j)**2`` for the rows of ``v``.

    With more rows ``C`` than columns ``d``, from the ``d x d`` Gram matrix
    ``V^T V``: ``|V^T V|_F**2 - sum_i |v_i|**4``, in O(C d**2) time and
    O(d**2) memory instead of the ``C x C`` matrix's O(C**2 d) and O(C**2).
    """
    def by_classes():
        gram = tf.matmul(v, v, transpose_b=True)
        return tf.reduce_sum(tf.square(gram)) - tf.reduce_sum(
            tf.square(tf.linalg.diag_part(gram)))

    def by_dimensions():
        gram = tf.matmul(v, v, transpose_a=True)
        return tf.reduce_sum(tf.square(gram)) - tf.reduce_sum(
            tf.square(tf.reduce_sum(tf.square(v), axis=-1)))

    shape = tf.shape(v)
    return tf.cond(shape[0] > shape[1], by_dimensions, by_classes)


def _clip_rows(e, max_norm, order):
    """Rows of ``e`` scaled into the L``order`` ball of radius ``max_norm`` (numpy)."""
    norm = np.linalg.norm(e, ord=order, axis=1, keepdims=True)
    return e * np.minimum(1.0, max_norm / np.maximum(norm, METRIC_EPS)).astype(e.dtype)


# ------------------------------------------------------------------ metrics
class Metric:
    """How samples and classes are compared: an entry of :data:`METRICS`.

    Numpy operations take and return arrays of mapped embeddings, rows of
    samples ``z`` against rows of classes ``e``; those prefixed ``tf_`` are
    the same maths on tensors, over the last axis (they broadcast), for
    training. The base class holds what most metrics share.
    """

    name = None
    # norm bound of the class embeddings when ``max_norm=None``
    default_max_norm = 1.0
    # the norm ``max_norm`` bounds (1 or 2)
    norm_order = 2
    # whether :meth:`similarity` holds a (rows, classes, dimensions) array
    broadcasts = False

    def max_norm(self, max_norm=None):
        """The norm bound in use: ``max_norm``, or the metric's default."""
        return self.default_max_norm if max_norm is None else max_norm

    def pull_from_score(self, score, max_norm=None):
        """The pull of a (sample, class) pair from its score, on numpy arrays
        and tensors alike."""
        raise NotImplementedError

    # numpy
    def sample_space(self, z):
        """Raw sample embeddings mapped to the space the metric compares in."""
        return z

    def class_space(self, e, max_norm):
        """Raw class embeddings mapped, their norms bounded by ``max_norm``."""
        return _clip_rows(e, max_norm, self.norm_order)

    def similarity(self, z, e):
        """Scores of every row of ``z`` against every row of ``e``."""
        raise NotImplementedError

    def paired_similarity(self, z, e):
        """Scores of row ``i`` of ``z`` against row ``i`` of ``e``."""
        raise NotImplementedError

    def closeness(self, z, e, S=None):
        """How close samples are to classes (see the module's docstring);
        ``S``: the :meth:`similarity` of ``z`` and ``e``, where computed."""
        raise NotImplementedError

    def rule_space(self, scores):
        """Scores in squared-distance units, where the decision rule is
        taken: the scores ``-d`` of a distance become ``-d**2``."""
        return -np.square(scores)

    def initial_table(self, n_classes, n_components, max_norm, rng):
        """Class vectors of norm ``max_norm``, spread as the push wants them
        (random directions: nearly orthogonal)."""
        table = self._initial_directions(rng.standard_normal((n_classes, n_components)),
                                         rng)
        table *= max_norm / np.linalg.norm(table, ord=self.norm_order, axis=1,
                                           keepdims=True)
        return table.astype(np.float32)

    def _initial_directions(self, table, rng):
        return table

    # TensorFlow
    def tf_sample_space(self, z):
        return z

    def tf_class_space(self, e, max_norm):
        return clip_norm(e, max_norm)

    def tf_pull(self, z, e, max_norm):
        """The pull distance, zero at ``z == e`` with a finite gradient."""
        raise NotImplementedError

    def tf_similarity(self, z, e):
        """The score, as :meth:`similarity`, over the last axis."""
        raise NotImplementedError

    def tf_pair_penalty(self, a, b, max_norm):
        """Push penalty of pairs of classes: zero at the target separation,
        1 for two identical classes (unless said otherwise)."""
        raise NotImplementedError

    def tf_scores(self, z, e):
        """Scores of every row of ``z`` against every row of ``e``."""
        return self.tf_similarity(z[:, None, :], e[None, :, :])

    def tf_push_sum(self, e, max_norm):
        """Push penalty summed over ordered pairs of distinct rows of ``e``."""
        pen = self.tf_pair_penalties(e, max_norm)
        return tf.reduce_sum(pen) - tf.reduce_sum(tf.linalg.diag_part(pen))

    def tf_pair_penalties(self, e, max_norm):
        """The ``C x C`` matrix of :meth:`tf_pair_penalty` of the rows of ``e``."""
        return self.tf_pair_penalty(e[:, None, :], e[None, :, :], max_norm)


class Cosine(Metric):
    """Unit vectors; pull ``1 - cos``; push ``cos(e_i, e_j)**2``."""

    name = "cosine"

    def pull_from_score(self, score, max_norm=None):
        return 1.0 - score

    def sample_space(self, z):
        return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), METRIC_EPS)

    def class_space(self, e, max_norm):
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), METRIC_EPS)

    def similarity(self, z, e):
        return z @ e.T

    def paired_similarity(self, z, e):
        return (z * e).sum(1)

    def closeness(self, z, e, S=None):
        return self.similarity(z, e) if S is None else S

    def rule_space(self, scores):
        # ``1 - cos`` is already half the squared chordal distance
        return scores

    def tf_sample_space(self, z):
        return cosine_rows(z)[0]  # huge rows rescaled first

    def tf_class_space(self, e, max_norm):
        return e / safe_norm(e)

    def tf_pull(self, z, e, max_norm):
        return 1.0 - tf.reduce_sum(z * e, axis=-1)

    def tf_similarity(self, z, e):
        return tf.reduce_sum(z * e, axis=-1)

    def tf_scores(self, z, e):
        return tf.matmul(z, e, transpose_b=True)

    def tf_pair_penalty(self, a, b, max_norm):
        return tf.square(tf.reduce_sum(a * b, axis=-1))

    def tf_push_sum(self, e, max_norm):
        return cosine_push_sum(e)


class Euclidean(Metric):
    """Classes in the L2 ball of radius ``R``; pull ``d**2 / R**2``; push
    ``(d(e_i, e_j)**2 / (2 R**2) - 1)**2``."""

    name = "euclidean"

    def pull_from_score(self, score, max_norm=None):
        return score * score / float(self.max_norm(max_norm)) ** 2

    def similarity(self, z, e):
        sq = (z * z).sum(1)[:, None] + (e * e).sum(1)[None, :] - 2.0 * (z @ e.T)
        return -np.sqrt(np.maximum(sq, 0.0))

    def paired_similarity(self, z, e):
        return -np.sqrt(((z - e) ** 2).sum(1))

    def closeness(self, z, e, S=None):
        # the projection <z, e_c> / <e_c, e_c>: the sample embedding has no
        # norm bound, so its distances have no scale to take them in
        return (z @ e.T) / np.maximum((e * e).sum(1), METRIC_EPS)[None, :]

    def tf_pull(self, z, e, max_norm):
        return tf.reduce_sum(tf.square(z - e), axis=-1) / max_norm**2

    def tf_similarity(self, z, e):  # finite gradient at z == e
        return -tf.sqrt(tf.maximum(tf.reduce_sum(tf.square(z - e), axis=-1), METRIC_EPS))

    def tf_pair_penalty(self, a, b, max_norm):
        sq = tf.reduce_sum(tf.square(a - b), axis=-1) / max_norm**2
        return tf.square(0.5 * sq - 1.0)

    def tf_pair_penalties(self, e, max_norm):
        # from the C x C Gram matrix: O(C**2 + C d) memory
        gram = tf.matmul(e, e, transpose_b=True)
        sq = tf.linalg.diag_part(gram)
        dist = (sq[:, None] + sq[None, :] - 2.0 * gram) / max_norm**2
        return tf.square(0.5 * dist - 1.0)


class Manhattan(Metric):
    """Samples on the unit L1 sphere, classes in the L1 ball of radius ``R``
    in units of ``R``; pull ``d1**2``; push ``(d1(e_i, e_j)**2 / 2 - 2)**2``.

    Samples lie on the L1 sphere because L1 midpoints are not unique: the
    points at equal distance from two classes at the push target include the
    origin, which is as close to every other class, and nothing but this
    constraint keeps a sample of two classes from drifting there. The pull
    is squared, as euclidean: for a sample of several classes its minimum is
    at equal distance from them (the plain L1 sum is flat along the box).
    """

    name = "manhattan"
    norm_order = 1
    broadcasts = True

    def pull_from_score(self, score, max_norm=None):
        return score * score

    def sample_space(self, z):
        return z / np.maximum(np.abs(z).sum(axis=1, keepdims=True), METRIC_EPS)

    def class_space(self, e, max_norm):
        return _clip_rows(e, max_norm, 1) / max_norm

    def similarity(self, z, e):
        return -np.abs(z[:, None, :] - e[None, :, :]).sum(-1)

    def paired_similarity(self, z, e):
        return -np.abs(z - e).sum(1)

    def closeness(self, z, e, S=None):
        return 1.0 - 0.25 * np.square(self.similarity(z, e) if S is None else S)

    def tf_sample_space(self, z):
        return z / tf.maximum(safe_norm(z, ord=1), METRIC_EPS)

    def tf_class_space(self, e, max_norm):
        return clip_norm(e, max_norm, ord=1) / max_norm

    def tf_pull(self, z, e, max_norm):
        return tf.square(tf.reduce_sum(tf.abs(z - e), axis=-1))

    def tf_similarity(self, z, e):
        return -tf.reduce_sum(tf.abs(z - e), axis=-1)

    def tf_pair_penalty(self, a, b, max_norm):
        # scaled so that two identical classes cost 4 (1 let classes merge
        # with sampled negatives on the seed's blobs)
        sq = tf.square(tf.reduce_sum(tf.abs(a - b), axis=-1))
        return tf.square(0.5 * sq - 2.0)


class KL(Metric):
    """Distributions ``softmax`` of the embeddings, classes' logits in the L2
    ball of radius ``R``; pull ``KL(q_e || p_z)``; push ``(JS(q_i, q_j) / log
    2 - 1)**2``, zero for distributions of disjoint support."""

    name = "kl"
    default_max_norm = 8.0

    def pull_from_score(self, score, max_norm=None):
        return -score

    def sample_space(self, z):
        return log_softmax(z, axis=1)

    def class_space(self, e, max_norm):
        return log_softmax(_clip_rows(e, max_norm, 2), axis=1)

    def similarity(self, z, e):
        # -KL(q_e || p_z) = q_e . log p_z - q_e . log q_e
        q = np.exp(e)
        return z @ q.T - (q * e).sum(1)[None, :]

    def paired_similarity(self, z, e):
        return (np.exp(e) * (z - e)).sum(1)

    def closeness(self, z, e, S=None):
        return np.exp(0.5 * (self.similarity(z, e) if S is None else S))

    def rule_space(self, scores):
        """``-KL`` becomes ``exp(-KL/2) - 1``, minus an upper bound of the
        squared Hellinger distance ``1 - sum sqrt(p q)`` (by Jensen), which
        is ``1 - cos`` of the square-root embeddings on the unit sphere:
        bounded like cosine, and exact where it matters, ``1 - 1/sqrt(2)``
        between a distribution and its even mixture with a disjoint one, 1
        between disjoint ones. Raw ``-KL`` grows without bound away from a
        class (sample logits are not bounded), so the median non-member
        score, hence the threshold, would sit far out."""
        return np.expm1(0.5 * np.asarray(scores, dtype=np.float64))

    def _initial_directions(self, table, rng):
        # Start at the push optimum, as random directions do for the other
        # metrics (nearly orthogonal): softmax of random logits overlap a lot,
        # and the table would need thousands of steps to separate them. Here
        # each class's logits peak on a coordinate of its own (mean zero, the
        # most concentrated distribution under the norm bound), jittered.
        n_classes, n_components = table.shape
        if n_classes > n_components:
            return table
        peaks = np.full((n_classes, n_components), -1.0 / n_components)
        peaks[np.arange(n_classes), rng.permutation(n_components)[:n_classes]] += 1.0
        return peaks + 0.1 * table / np.sqrt(n_components)

    def tf_sample_space(self, z):
        return tf.nn.log_softmax(z, axis=-1)

    def tf_class_space(self, e, max_norm):
        return tf.nn.log_softmax(clip_norm(e, max_norm), axis=-1)

    def tf_pull(self, z, e, max_norm):
        # KL(q_e || p_z), both given as log-probabilities
        return tf.reduce_sum(tf.exp(e) * (e - z), axis=-1)

    def tf_similarity(self, z, e):
        return -self.tf_pull(z, e, None)

    def tf_pair_penalty(self, a, b, max_norm):
        pa, pb = tf.exp(a), tf.exp(b)
        log_m = tf.math.log(0.5 * (pa + pb) + METRIC_EPS)
        js = 0.5 * tf.reduce_sum(pa * (a - log_m) + pb * (b - log_m), axis=-1)
        return tf.square(js / _LOG2 - 1.0)


METRICS = {metric.name: metric for metric in (Cosine(), Euclidean(), Manhattan(), KL())}


def metric_of(name):
    """The entry of :data:`METRICS` named ``name``."""
    if not isinstance(name, str) or name not in METRICS:
        raise ValueError(f"metric must be one of {tuple(METRICS)}; got {name!r}.")
    return METRICS[name]


def max_norm_of(metric, max_norm=None):
    """The norm bound in use, as a float: ``max_norm``, or the metric's default."""
    return float(METRICS[metric].max_norm(max_norm))
