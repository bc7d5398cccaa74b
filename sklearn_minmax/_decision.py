"""The default decision rule and probability scales, fitted from training
scores (numpy only)."""

# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax

from . import _inference

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
# The training rows the rule is fitted on: at most this many scores against
# every class (a random subsample of rows); own-tag scores of this many rows,
# or this many per class; rows embedded at a time.
_MAX_SCORE_ENTRIES = 2**17
_OWN_ROWS, _OWN_PER_CLASS = 2**13, 50
_ROWS = 2**16
# Rows (and scores at most, with many classes) the softmax scale is fitted on.
_SOFTMAX_ROWS, _SOFTMAX_ENTRIES = 1000, 2**20
# Smoothing of the softmax scale's targets from n held-out rows: (n + 2)**-it.
SMOOTH_EXPONENT = 1.5


class DecisionRule(NamedTuple):
    """What :func:`fit_decision_rule` fits.

    ``thresholds``: per class, on the share (1-D targets) or on the score
    (indicator targets). ``slopes``: per class, of the probability sigmoid
    (indicator targets), and ``offset``, added to every logit.
    ``softmax_scale``: of the class distribution (1-D targets).
    """

    thresholds: np.ndarray
    slopes: np.ndarray | None = None
    softmax_scale: float | None = None
    offset: float = 0.0


def weighted_quantile(values, weights, q):
    """Quantile ``q`` of ``values`` under non-negative ``weights``."""
    order = np.argsort(values)
    values, cum = values[order], np.cumsum(weights[order])
    return values[min(np.searchsorted(cum, q * cum[-1]), len(values) - 1)]


def grouped_weighted_median(values, weights, groups, n_groups):
    """Weighted median of ``values`` within each group (NaN for empty ones)."""
    order = np.lexsort((values, groups))
    values, weights, groups = values[order], weights[order], groups[order]
    cum = np.cumsum(weights)
    totals = np.bincount(groups, weights=weights, minlength=n_groups)
    before = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    last = np.cumsum(np.bincount(groups, minlength=n_groups)) - 1
    idx = np.minimum(np.searchsorted(cum, before + 0.5 * totals), last)
    out = np.full(n_groups, np.nan)
    present = totals > 0
    out[present] = values[idx[present]]
    return out


def column_weighted_median(values, weights, mask):
    """Weighted median of each column of ``values`` over the rows in ``mask``.

    ``weights`` has one entry per row; NaN for columns with no row in ``mask``.
    """
    V = np.array(values.T, order="C")  # a copy, one class per row
    rows = np.arange(V.shape[0])
    if np.all(weights == weights[0]):  # equal weights: the lower median, by a sort
        V[~mask.T] = np.nan  # sorted last
        m = mask.sum(axis=0)
        out = np.sort(V, axis=1)[rows, np.maximum((m + 1) // 2 - 1, 0)]
        return np.where(m > 0, out, np.nan)
    order = np.argsort(V, axis=1)
    w = np.where(mask.T, weights[None, :], 0.0)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    total = cum[:, -1]
    idx = (cum >= 0.5 * total[:, None]).argmax(axis=1)
    out = V[rows, order[rows, idx]]
    return np.where(total > 0, out, np.nan)


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
    """Per-class thresholds on the shares (:func:`_inference.shares`) of rows
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


def fit_softmax_scale(S, y, weight, spread, smooth=False):
    """Temperature of ``softmax(beta * scores)`` maximising the likelihood.

    With ``smooth``, the likelihood of smoothed targets: ``1 - eps`` on the
    observed class and ``eps`` spread over the others, ``eps = (n + 2)**-1.5``
    for ``n`` rows. Few rows that the scores happen to separate would
    otherwise drive ``beta`` to its bound, and new rows to probabilities of 0.
    Platt's ``eps = 1 / (n + 2)`` held the scale too low on small data (12
    held-out rows of wine: 1.9x the reference log loss, against 1.1x); the
    exponent was chosen on nine data sets (``bench_calibration.py``).
    """
    unit = 1.0 / max(spread, 1e-6)
    n, n_classes = S.shape
    eps = (n + 2.0) ** -SMOOTH_EXPONENT if smooth else 0.0
    T = np.full(S.shape, eps / max(n_classes - 1, 1))
    T[np.arange(n), y] = 1.0 - eps

    def nll(log_beta):
        logp = log_softmax(np.exp(log_beta) * unit * S, axis=1)
        return -np.average((T * logp).sum(axis=1), weights=weight)

    res = minimize_scalar(nll, bounds=(np.log(0.1), np.log(100.0)), method="bounded")
    return float(np.exp(res.x) * unit)


def fit_sigmoid_scale(L, Y, weight):
    """Scale ``a`` and offset ``b`` of ``sigmoid(a L + b)`` maximising the
    likelihood of the 0/1 labels ``Y`` (rows weighted by ``weight``), with
    Platt's targets ``(n1 + 1) / (n1 + 2)`` and ``1 / (n0 + 2)`` for ``n1``
    positive and ``n0`` negative entries."""
    from scipy.optimize import minimize

    w = np.broadcast_to(weight[:, None], L.shape)
    n1 = (Y > 0).sum()
    Y = np.where(Y > 0, (n1 + 1) / (n1 + 2), 1 / (Y.size - n1 + 2))

    def nll(ab):
        z = ab[0] * L + ab[1]
        # cross-entropy: -Y log sigmoid(z) - (1 - Y) log sigmoid(-z)
        loss = Y * np.logaddexp(0.0, -z) + (1 - Y) * np.logaddexp(0.0, z)
        p = expit(z)
        grad = np.stack([((p - Y) * L * w).sum(), ((p - Y) * w).sum()]) / w.sum()
        return np.average(loss, weights=w), grad

    res = minimize(nll, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                   bounds=[(1e-3, None), (None, None)])
    return float(res.x[0]), float(res.x[1])


def _training_scores(embed, X, tags, mask, E, metric, multilabel, rng):
    """Scores of a random subsample of training rows.

    Returns the rule-space own-tag scores of their tagged (sample, class)
    pairs with those rows and classes, and the raw embeddings of a smaller
    subsample (``sub``) of them. The larger sample is for the per-class
    medians of indicator targets; the share rule of 1-D targets needs the
    smaller one alone.
    """
    n, n_classes = X.shape[0], E.shape[0]
    n_own = min(n, max(_OWN_ROWS, _OWN_PER_CLASS * n_classes))
    n_sub = min(n_own, max(200, _MAX_SCORE_ENTRIES // n_classes))
    keep = np.sort(rng.choice(n, n_own, replace=False))
    sub = np.zeros(n_own, dtype=bool)
    sub[rng.choice(n_own, n_sub, replace=False)] = True
    if not multilabel:
        keep, sub = keep[sub], np.ones(n_sub, dtype=bool)
    own, rows, cls, Z_sub = [], [], [], []
    for start in range(0, len(keep), _ROWS):
        r = keep[start:start + _ROWS]
        Z = embed(X[r])
        i, slot = np.nonzero(mask[r])
        c = tags[r[i], slot]
        own.append(_inference.paired_similarity(
            _inference.sample_space(Z[i], metric), E[c], metric))
        rows.append(r[i])
        cls.append(c)
        Z_sub.append(Z[sub[start:start + _ROWS]])
    own = rule_space(np.concatenate(own), metric)
    return own, np.concatenate(rows), np.concatenate(cls), keep[sub], np.concatenate(Z_sub)


def fit_decision_rule(embed, X, tags, mask, weight, E, metric, multilabel, rng,
                      held_out=None):
    """Thresholds from the training rows; probability scales from the rows
    ``held_out`` of training, where given, else from the training rows.

    ``embed`` maps rows of ``X`` to raw embeddings; ``E`` is the mapped class
    table; ``tags``, ``mask`` and ``weight`` are the training rows' tags, tag
    weights and row weights; ``held_out`` the same four for held-out rows
    (the encoder has fitted the training rows, whose scores are sharper
    than those of new rows: scales fitted on them are overconfident).
    Returns a :class:`DecisionRule`.
    """
    own, rows, cls, sub, Z_sub = _training_scores(embed, X, tags, mask, E, metric,
                                                  multilabel, rng)
    S = _inference.scores(Z_sub, E, metric)
    R = rule_space(S, metric)
    tagged = np.zeros(S.shape, dtype=bool)
    r, s = np.nonzero(mask[sub])
    tagged[r, tags[sub][r, s]] = True
    if multilabel:
        thresholds, slopes = fit_rule(own, weight[rows], cls, R, weight[sub], tagged)
        scale, offset = 1.0, 0.0
        if held_out is not None:
            X_h, tags_h, _, w_h = held_out
            Y_h = np.zeros((len(tags_h), E.shape[0]))
            r, s = np.nonzero(tags_h >= 0)
            Y_h[r, tags_h[r, s]] = 1.0
            R_h = rule_space(_inference.scores(embed(X_h), E, metric), metric)
            scale, offset = fit_sigmoid_scale(slopes * (R_h - thresholds), Y_h, w_h)
        return DecisionRule(from_rule_space(thresholds, metric), scale * slopes,
                            offset=offset)
    shares = _inference.shares(_inference.sample_space(Z_sub, metric), E, metric, S)
    thresholds = fit_share_rule(shares, weight[sub], tagged)
    m1, m0 = typical_scores(own, weight[rows], R, weight[sub], tagged)
    few = slice(0, max(20, min(_SOFTMAX_ROWS, _SOFTMAX_ENTRIES // E.shape[0])))
    S, y, w = S[few], tags[sub, 0][few], weight[sub][few]
    if held_out is not None:
        X_h, tags_h, _, w_h = held_out
        S, y, w = _inference.scores(embed(X_h[few]), E, metric), tags_h[few, 0], w_h[few]
    scale = fit_softmax_scale(S, y, w, m1 - m0, smooth=held_out is not None)
    return DecisionRule(thresholds, softmax_scale=scale)


def probabilities(S, rule, thresholds, metric, multilabel):
    """Probabilities from scores ``S``: ``softmax(scale * S)`` for 1-D
    targets; independent ``sigmoid(slope_c * (S - threshold_c))`` in rule
    space for indicator targets, clipped to ``(0, 1)``."""
    if not multilabel:
        return softmax(rule.softmax_scale * S, axis=1)
    eps = np.finfo(np.float64).eps
    t = rule_space(thresholds, metric)
    P = expit(rule.slopes * (rule_space(S, metric) - t) + rule.offset)
    return np.clip(P, eps, 1 - eps)

