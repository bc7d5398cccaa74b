"""The default decision rule and probability scales, fitted from training
scores (numpy only)."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from ._utils import column_weighted_median, grouped_weighted_median, weighted_quantile

# Where the threshold sits between the typical non-member (0) and own-tag (1)
# scores of a class, in squared-distance units (indicator targets).
TAU = 0.5
# Share of a sample's best class from which a class is among its labels
# (1-D targets): halfway between a class of the sample (1) and another (0).
SHARE = 0.5
# Confidence at the typical own-tag score (and 1 - it at the non-member score).
PROBA_AT_TYPICAL = 0.95
# Shrinkage of per-class statistics toward the global ones (pseudo-count).
SHRINK = 5.0
# Steps of the count-consistency correction of the thresholds (bench_quality.py).
COUNT_STEPS = 2
COUNT_TOL = 0.05
# Entries of the score sample used for the all-class median of other scores.
_MEDIAN_ENTRIES = 2**20


def rule_space(scores, metric):
    """Scores in squared-distance units, where the decision rule is taken.

    ``cos`` is already there (``1 - cos`` is half the squared chordal
    distance); the euclidean and manhattan scores ``-d`` become ``-d**2``.
    ``-KL`` becomes ``exp(-KL/2) - 1``, minus an upper bound of the squared
    Hellinger distance ``1 - sum sqrt(p q)`` (by Jensen), which is ``1 - cos``
    of the square-root embeddings on the unit sphere: bounded like cosine, and
    exact where it matters, ``1 - 1/sqrt(2)`` between a distribution and its
    even mixture with a disjoint one, 1 between disjoint ones. Raw ``-KL``
    grows without bound away from a class (sample logits are not bounded), so
    the median non-member score, hence the threshold, would sit far out.
    """
    if metric in ("euclidean", "manhattan"):
        return -np.square(scores)
    if metric == "kl":
        return np.expm1(0.5 * np.asarray(scores, dtype=np.float64))
    return scores


def from_rule_space(values, metric):
    if metric in ("euclidean", "manhattan"):
        return -np.sqrt(np.maximum(-values, 0.0))
    if metric == "kl":
        return 2.0 * np.log1p(np.maximum(values, -1.0 + 1e-12))
    return values


def typical_scores(own, w_own, R, w_sub, tagged):
    """All-class medians of the own-tag scores ``own`` and of the scores in
    ``R`` of rows not tagged with the class (see :func:`fit_rule`)."""
    # over a few million entries at most (the rows of R are a random sample
    # already; with very many classes, its first rows)
    top = slice(0, max(1, _MEDIAN_ENTRIES // R.shape[1]))
    free = ~tagged[top]
    m0_all = weighted_quantile(R[top][free],
                               np.broadcast_to(w_sub[top, None], free.shape)[free], 0.5)
    return weighted_quantile(own, w_own, 0.5), m0_all


def fit_rule(own, w_own, cls, R, w_sub, tagged):
    """Per-class thresholds (rule space) and sigmoid slopes.

    ``own``: rule-space scores of every tagged (sample, class) pair, classes
    ``cls``, weights ``w_own``. ``R``: rule-space scores of a subsample of rows
    against every class, row weights ``w_sub``, ``tagged`` marking their tags.
    Per class, ``m1`` is the median own-tag score and ``m0`` the median score of
    the rows not tagged with it, both shrunk toward the all-class medians by
    ``SHRINK`` pseudo-rows; the threshold is ``m0 + TAU (m1 - m0)``. This is
    the rule for indicator targets, taken as complete label sets.
    """
    n_classes = R.shape[1]
    m1_all, m0_all = typical_scores(own, w_own, R, w_sub, tagged)
    k1 = np.bincount(cls, weights=w_own, minlength=n_classes) / w_own.mean()
    m1 = np.nan_to_num(grouped_weighted_median(own, w_own, cls, n_classes))
    m1 = (k1 * m1 + SHRINK * m1_all) / (k1 + SHRINK)
    k0 = (~tagged).sum(axis=0)
    m0 = np.nan_to_num(column_weighted_median(R, w_sub, ~tagged))
    m0 = (k0 * m0 + SHRINK * m0_all) / (k0 + SHRINK)
    spread = np.maximum(m1 - m0, 1e-6 * max(abs(m1_all - m0_all), 1e-6))
    slopes = 2 * np.log(PROBA_AT_TYPICAL / (1 - PROBA_AT_TYPICAL)) / spread
    return m0 + TAU * spread, slopes


def fit_share_rule(shares, w, tagged):
    """Per-class thresholds on the shares (:func:`_scoring.shares`) of rows
    tagged with one class each, which may leave labels out: ``SHARE``, made
    consistent with the member counts it implies (:func:`count_consistent`).
    """
    start = np.full(shares.shape[1], SHARE)
    return count_consistent(shares, w, tagged, start)


def count_consistent(R, w, tagged, thresholds, steps=None, tol=None):
    """Lower thresholds where a class has fewer members than its tags imply.

    A sample with ``k`` labels of which ``j`` are tagged has each of its
    labels tagged with probability ``j / k`` (tags picked at random among a
    sample's labels), so the samples tagged ``c``, each counted ``k / j``
    times, estimate the number of members of ``c`` (inverse-propensity
    weighting), with ``k`` a sample's predicted classes under the current
    thresholds, its tags included. Where the rows of ``R`` (weights ``w``)
    that reach ``threshold_c`` fall short of that estimate by more than
    ``tol``, the threshold moves down until they are within ``tol`` (halfway
    to the next lower score: the middle of a gap between members and
    non-members, not its edge), shrunk toward its start by ``SHRINK``
    pseudo-rows for rarely tagged classes. Only down: tags leave labels out,
    they never add any.

    The estimate rests on the labels already found for the samples tagged
    ``c``, so this corrects classes whose untagged members are found less
    often than their co-members' are; it cannot find the level of label
    counts from nothing (single tags do not identify it). ``steps`` of the
    fixed-point iteration: iterated to the end, false positives inflate
    ``k`` and the sets keep growing.
    """
    steps = COUNT_STEPS if steps is None else steps
    tol = COUNT_TOL if tol is None else tol
    n_tags = tagged.sum(axis=1)
    keep = n_tags > 0
    R, w, tagged, n_tags = R[keep], w[keep], tagged[keep], n_tags[keep]
    n = len(R)
    if n == 0:
        return thresholds
    # a class no sampled row is tagged with has no estimate: it stays, and
    # does not count (with very many classes, most of them)
    cols = np.flatnonzero(tagged.any(axis=0))
    out = np.array(thresholds, dtype=np.float64)
    Rc, tc = R[:, cols], tagged[:, cols]
    order = np.argsort(-Rc, axis=0)
    ranked = np.take_along_axis(Rc, order, axis=0)
    reached = np.cumsum(w[order], axis=0)  # weight of the rows at or above each score
    # index of the next lower score below each row (n past the last one)
    lower = np.where(ranked[1:] < ranked[:-1], np.arange(1, n)[:, None], n)
    lower = np.minimum.accumulate(np.vstack([lower, np.full(len(cols), n)])[::-1])[::-1]
    columns = np.arange(len(cols))
    n_tagged = tc.sum(axis=0)
    start = out[cols]
    for _ in range(steps):
        k = ((R >= out) | tagged).sum(axis=1)
        members = (w * k / n_tags) @ tc
        current = out[cols]
        count = w @ (Rc >= current)
        target = np.maximum(count, members / (1 + tol))
        pos = np.minimum((reached < target * (1 - 1e-9)).sum(axis=0), n - 1)
        at = ranked[pos, columns]
        below = ranked[np.minimum(lower[pos, columns], n - 1), columns]
        moved = (n_tagged * 0.5 * (at + below) + SHRINK * start) / (n_tagged + SHRINK)
        out[cols] = np.where(target > count, np.minimum(moved, current), current)
    return out


def fit_softmax_scale(S, y, weight, spread):
    """Temperature of ``softmax(beta * scores)`` maximising the likelihood."""
    unit = 1.0 / max(spread, 1e-6)

    def nll(log_beta):
        logp = log_softmax(np.exp(log_beta) * unit * S, axis=1)
        return -np.average(logp[np.arange(len(y)), y], weights=weight)

    res = minimize_scalar(nll, bounds=(np.log(0.1), np.log(100.0)), method="bounded")
    return float(np.exp(res.x) * unit)
