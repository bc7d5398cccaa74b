"""The metrics: their names, norm bounds and the constants of their
definitions, shared by training (:mod:`sklearn_minmax.losses`, TensorFlow)
and inference (:mod:`sklearn_minmax._inference`, numpy).

Words used throughout the package, for a sample embedding ``z`` and a class
embedding ``e``, both mapped to the space the metric compares in:

- *score*: what :meth:`MinMaxClassifier.decision_function` returns, higher
  means more likely: ``cos(z, e)``, ``-|z - e|_2``, ``-|z - e|_1`` or
  ``-KL(q_e || p_z)``.
- *pull*: the distance training minimises between a sample and its tags;
  a function of the score alone (:func:`pull_from_score`).
- *closeness*: 1 at the class, 0 at the separation the push gives two
  classes; a sample between ``k`` classes is equally close to each.
- *share*: a class's closeness over that of the sample's best class, on
  which the membership rule of 1-D targets decides.
"""

# SPDX-License-Identifier: BSD-3-Clause

METRICS = ("cosine", "euclidean", "manhattan", "kl")

# Norm bound of the class embeddings when ``max_norm=None`` (unused by cosine).
DEFAULT_MAX_NORM = {"cosine": 1.0, "euclidean": 1.0, "manhattan": 1.0, "kl": 8.0}

# Guard of norms and divisions against zero.
EPS = 1e-12


def max_norm_of(metric, max_norm=None):
    """The norm bound in use: ``max_norm``, or the metric's default."""
    return float(DEFAULT_MAX_NORM[metric] if max_norm is None else max_norm)


def pull_from_score(score, metric, max_norm=None):
    """The pull distance of a (sample, class) pair, from its score.

    Cosine ``1 - cos``; euclidean ``d**2 / R**2``; manhattan ``d1**2``; kl
    ``KL``. Works on numpy arrays and TensorFlow tensors alike.
    """
    if metric == "cosine":
        return 1.0 - score
    if metric == "euclidean":
        return score * score / max_norm_of(metric, max_norm) ** 2
    if metric == "manhattan":
        return score * score
    return -score


def check_metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")

