"""Inference from the fitted arrays, in numpy (no TensorFlow).

Mirrors :mod:`sklearn_minmax.losses`: the same encoder, the same scores
(higher = more likely) of the metrics of
:mod:`sklearn_minmax._metric_registry`, where the words score, closeness and
share are defined.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._activations import ACTIVATIONS
from ._metric_registry import METRICS

_CHUNK = 2**22  # scores computed this many values at a time


def encode(coefs, intercepts, X, activation):
    """Forward pass of the fitted feature encoder, in float64."""
    activate = ACTIVATIONS[activation].numpy
    h = np.asarray(X @ coefs[0], dtype=np.float64)
    h += intercepts[0]
    for W, b in zip(coefs[1:], intercepts[1:]):
        h = activate(h) @ W
        h += b
    return h


def shares(z, e, metric, S=None):
    """Each class's closeness (``Metric.closeness``) over that of the
    sample's best class (so 1 for the best class; where no class has a
    positive closeness, 1 for the best class and 0 for the others), for
    mapped samples ``z`` and classes ``e``. ``S``: their scores, where
    already computed; it is left as it is."""
    C = METRICS[metric].closeness(z, e, S)
    if C is S:
        C = C.copy()
    top = C.max(axis=1, keepdims=True)
    positive = top > 0
    np.divide(C, top, out=C, where=positive)
    if not positive.all():
        rows = ~positive[:, 0]
        C[rows] = C[rows] == top[rows]
    return C


def score_chunks(Z, E, metric, with_shares=False):
    """Yield ``(rows, scores)`` of raw embeddings ``Z`` against mapped classes
    ``E`` (with ``with_shares``, ``(rows, scores, shares)``, see
    :func:`shares`), a few million values at a time, so that callers that
    reduce the scores (argmax, thresholds) never hold all of them at once."""
    n_classes, dim = E.shape
    entry = METRICS[metric]
    per_row = n_classes * (dim if entry.broadcasts else 1)
    step = max(1, _CHUNK // per_row)
    for start in range(0, Z.shape[0], step):
        rows = slice(start, start + step)
        z = entry.sample_space(Z[rows])
        S = entry.similarity(z, E)
        yield (rows, S, shares(z, E, metric, S)) if with_shares else (rows, S)


def scores(Z, E, metric):
    """All scores of raw embeddings ``Z`` against mapped classes ``E``."""
    out = np.empty((Z.shape[0], E.shape[0]))
    for rows, S in score_chunks(Z, E, metric):
        out[rows] = S
    return out
