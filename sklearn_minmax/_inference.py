"""Inference from the fitted arrays, in numpy (no TensorFlow).

Mirrors :mod:`sklearn_minmax.losses`: the same encoder, the same mapping of
embeddings per metric, the same scores (higher = more likely); the words
score, closeness and share are defined in :mod:`sklearn_minmax._distances`.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit, log_softmax

from ._distances import EPS

_CHUNK = 2**22  # scores computed this many values at a time


def _activation(name, h):
    if name == "relu":
        return np.maximum(h, 0, out=h)
    if name == "tanh":
        return np.tanh(h, out=h)
    if name == "logistic":
        return expit(h, out=h)
    return h


def encode(coefs, intercepts, X, activation):
    """Forward pass of the fitted feature encoder, in float64."""
    h = np.asarray(X @ coefs[0], dtype=np.float64)
    h += intercepts[0]
    for W, b in zip(coefs[1:], intercepts[1:]):
        h = _activation(activation, h) @ W
        h += b
    return h


def sample_space(z, metric):
    if metric == "cosine":
        return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), EPS)
    if metric == "manhattan":
        return z / np.maximum(np.abs(z).sum(axis=1, keepdims=True), EPS)
    if metric == "kl":
        return log_softmax(z, axis=1)
    return z


def class_space(e, metric, max_norm):
    """Same mapping as ``losses.class_space``, in numpy."""
    if metric == "cosine":
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), EPS)
    order = 1 if metric == "manhattan" else 2
    norm = np.linalg.norm(e, ord=order, axis=1, keepdims=True)
    e = e * np.minimum(1.0, max_norm / np.maximum(norm, EPS)).astype(e.dtype)
    if metric == "manhattan":
        return e / max_norm
    if metric == "kl":
        return log_softmax(e, axis=1)
    return e


def similarity(z, e, metric):
    """Scores of mapped sample embeddings ``z`` against mapped classes ``e``."""
    if metric == "cosine":
        return z @ e.T
    if metric == "euclidean":
        sq = (z * z).sum(1)[:, None] + (e * e).sum(1)[None, :] - 2.0 * (z @ e.T)
        return -np.sqrt(np.maximum(sq, 0.0))
    if metric == "manhattan":
        return -np.abs(z[:, None, :] - e[None, :, :]).sum(-1)
    # -KL(q_e || p_z) = q_e . log p_z - q_e . log q_e
    q = np.exp(e)
    return z @ q.T - (q * e).sum(1)[None, :]


def closeness(z, e, metric, S=None):
    """How close mapped samples ``z`` are to mapped classes ``e``: 1 at the
    class, 0 at the separation the push gives two classes.

    Cosine: ``cos``. Manhattan: ``1 - d1**2 / 4``. KL: ``exp(-KL / 2)``.
    Euclidean: the projection ``<z, e_c> / <e_c, e_c>`` (the sample embedding
    has no norm bound, so its distances have no scale to take them in).
    For a sample the pull puts between ``k`` orthogonal classes, each of
    them gets the same closeness and the other classes about 0. ``S``: the
    scores :func:`similarity` gives, where already computed.
    """
    if metric == "euclidean":
        return (z @ e.T) / np.maximum((e * e).sum(1), EPS)[None, :]
    if S is None:
        S = similarity(z, e, metric)
    if metric == "manhattan":
        return 1.0 - 0.25 * np.square(S)
    if metric == "kl":
        return np.exp(0.5 * S)
    return S


def shares(z, e, metric, S=None):
    """Each class's :func:`closeness` over that of the sample's best class
    (so 1 for the best class; where no class has a positive closeness, 1 for
    the best class and 0 for the others). ``S`` as in :func:`closeness`; it
    is left as it is."""
    C = closeness(z, e, metric, S)
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
    per_row = n_classes * (dim if metric == "manhattan" else 1)
    step = max(1, _CHUNK // per_row)
    for start in range(0, Z.shape[0], step):
        rows = slice(start, start + step)
        z = sample_space(Z[rows], metric)
        S = similarity(z, E, metric)
        yield (rows, S, shares(z, E, metric, S)) if with_shares else (rows, S)


def scores(Z, E, metric):
    """All scores of raw embeddings ``Z`` against mapped classes ``E``."""
    out = np.empty((Z.shape[0], E.shape[0]))
    for rows, S in score_chunks(Z, E, metric):
        out[rows] = S
    return out


def paired_similarity(z, e, metric):
    """Scores of row ``i`` of mapped ``z`` against row ``i`` of mapped ``e``."""
    if metric == "cosine":
        return (z * e).sum(1)
    if metric == "euclidean":
        return -np.sqrt(((z - e) ** 2).sum(1))
    if metric == "manhattan":
        return -np.abs(z - e).sum(1)
    return (np.exp(e) * (z - e)).sum(1)

