"""The default decision rule and probability scales, fitted from training
scores (numpy only)."""

# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax

from . import _inference
from ._metric_registry import METRICS

# Share of a sample's best class from which a class is among its labels:
# halfway between a class of the sample (1) and another (0).
SHARE = 0.5
# Probability of a label at share 1 (and at the typical own-tag score, with a
# given threshold), before the scale is fitted on held-out rows.
PROBA_AT_TYPICAL = 0.95
# Shrinkage of per-class statistics toward the global ones (pseudo-count).
SHRINK = 5.0
# Steps of the count-consistency correction of the thresholds (bench_quality.py).
COUNT_STEPS = 2
COUNT_TOL = 0.05
# Slack of the expected number of labels, ceil(COUNT_SLACK / max p): the
# tag's distribution p is fitted on single draws and comes out a little
# sharp on samples of several labels (1.0 cut 0.012 to 0.018 micro-F1 on three
# small tasks of bench_quality.py, 1.25 at most 0.004).
COUNT_SLACK = 1.25
# Bound of a row's expected count: this many times the typical one (the
# weighted median of 1 / max p over the rows the scale is fitted on). Where
# ranking is weak (hundreds of classes) a row's tag distribution is flat and
# 1 / max p overstates its count: at 1,000 classes (bench_many_labels.py)
# 7.0 labels a row against 3.2 true, 4.4 with the bound. 1.5 (3.6 labels)
# cost bench_quality.py's small tasks up to 0.026 micro-F1, 2 nothing.
COUNT_BOUND = 2.0
# Entries of the score sample used for the all-class median of other scores.
_MEDIAN_ENTRIES = 2**20
# The training rows the rule is fitted on: at most this many scores against
# every class (a random subsample of rows, at least this many); rows
# embedded at a time.
_MAX_SCORE_ENTRIES, _MIN_ROWS = 2**17, 200
_ROWS = 2**16
# Rows (and scores at most, with many classes) the softmax scale is fitted on.
_SOFTMAX_ROWS, _SOFTMAX_ENTRIES = 1000, 2**20
# Smoothing of the softmax scale's targets from n held-out rows: (n + 2)**-it.
SMOOTH_EXPONENT = 1.5


class DecisionRule(NamedTuple):
    """What :func:`fit_decision_rule` fits.

    ``thresholds``: per class, on the share. ``softmax_scale``: of the
    distribution ``softmax(softmax_scale * scores)`` of a sample's tag, whose
    largest value gives the number of labels the sample is expected to have
    (:func:`margins`). ``margin_slopes``: of the per-label probabilities
    ``sigmoid(slope * margin)`` (indicator targets), below and above 0.
    ``score_slope``: of ``sigmoid(score_slope * (score - threshold))`` in
    rule space, for a ``threshold`` given by the user. ``max_count``: the
    most labels any sample is expected to have (:func:`count_bound`).
    """

    thresholds: np.ndarray
    softmax_scale: float
    margin_slopes: tuple
    score_slope: float
    max_count: float = np.inf


def weighted_quantile(values, weights, q):
    """Quantile ``q`` of ``values`` under non-negative ``weights``."""
    order = np.argsort(values)
    values, cum = values[order], np.cumsum(weights[order])
    return values[min(np.searchsorted(cum, q * cum[-1]), len(values) - 1)]


def typical_scores(own, w_own, R, w_sub, tagged):
    """All-class medians of the own-tag scores ``own`` and of the scores in
    ``R`` of rows not tagged with the class (see :func:`fit_decision_rule`)."""
    # over a few million entries at most (the rows of R are a random sample
    # already; with very many classes, its first rows)
    top = slice(0, max(1, _MEDIAN_ENTRIES // R.shape[1]))
    free = ~tagged[top]
    m0_all = weighted_quantile(R[top][free],
                               np.broadcast_to(w_sub[top, None], free.shape)[free], 0.5)
    return weighted_quantile(own, w_own, 0.5), m0_all


def fit_share_rule(shares, w, tagged, caps=None):
    """Per-class thresholds on the shares (:func:`_inference.shares`) of rows
    whose tags may leave labels out: ``SHARE``, made consistent with the
    member counts it implies (:func:`count_consistent`, with the rows'
    expected label counts ``caps``).
    """
    start = np.full(shares.shape[1], SHARE)
    return count_consistent(shares, w, tagged, start, caps=caps)


def count_consistent(R, w, tagged, thresholds, steps=None, tol=None, caps=None):
    """Move thresholds to where a class has as many members as its tags imply.

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
    pseudo-rows for rarely tagged classes. Without ``caps``, only down: tags
    leave labels out, they never add any. ``caps``: the most labels each
    row is expected to have (:func:`expected_counts`, at least its tags),
    which bound ``k``; thresholds then also move up where a class has more
    members than its tags imply by more than ``tol``.

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
    if caps is not None:
        caps = np.maximum(caps[keep], n_tags)
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
        if caps is not None:
            k = np.minimum(k, caps)
        members = (w * k / n_tags) @ tc
        current = out[cols]
        count = w @ (Rc >= current)
        target = np.maximum(count, members / (1 + tol))
        if caps is not None:
            target = np.minimum(target, members * (1 + tol))
        pos = np.minimum((reached < target * (1 - 1e-9)).sum(axis=0), n - 1)
        at = ranked[pos, columns]
        below = ranked[np.minimum(lower[pos, columns], n - 1), columns]
        moved = (n_tagged * 0.5 * (at + below) + SHRINK * start) / (n_tagged + SHRINK)
        out[cols] = np.where(target > count, np.minimum(moved, current),
                             np.where(target < count, np.maximum(moved, current), current))
    return out


def fit_softmax_scale(S, T, weight, spread, smooth=False):
    """Temperature of ``softmax(beta * scores)`` maximising the likelihood of
    the tags: ``T`` holds each row's tags as a distribution (``1 / j`` on
    each of its ``j`` tags; a tag is one of a sample's labels drawn at random).

    With ``smooth``, the likelihood of smoothed targets: ``1 - eps`` on the
    tags and ``eps`` spread over the others, ``eps = (n + 2)**-1.5`` for
    ``n`` rows. Few rows that the scores happen to separate would otherwise
    drive ``beta`` to its bound, and new rows to probabilities of 0. Platt's
    ``eps = 1 / (n + 2)`` held the scale too low on small data (12 held-out
    rows of wine: 1.9x the reference log loss, against 1.1x); the exponent
    was chosen on nine data sets (``bench_calibration.py``).
    """
    unit = 1.0 / max(spread, 1e-6)
    n, n_classes = S.shape
    eps = (n + 2.0) ** -SMOOTH_EXPONENT if smooth else 0.0
    T = (1.0 - eps) * T + np.where(T > 0, 0.0, eps / max(n_classes - 1, 1))

    def nll(log_beta):
        logp = log_softmax(np.exp(log_beta) * unit * S, axis=1)
        return -np.average((T * logp).sum(axis=1), weights=weight)

    res = minimize_scalar(nll, bounds=(np.log(0.1), np.log(100.0)), method="bounded")
    return float(np.exp(res.x) * unit)


def fit_sigmoid_scales(L, Y, weight, start):
    """Scales ``(a0, a1)`` of ``sigmoid(a L)``, ``a0`` where ``L < 0`` and
    ``a1`` where ``L >= 0``, maximising the likelihood of the 0/1 labels
    ``Y`` (rows weighted by ``weight``), with Platt's targets ``(n1 + 1) /
    (n1 + 2)`` and ``1 / (n0 + 2)`` for ``n1`` positive and ``n0`` negative
    entries. No offset: the probability is at least 0.5 exactly where ``L >=
    0``, so it keeps the rule's decisions; each side has its own scale."""
    w = np.broadcast_to(weight[:, None], L.shape)
    n1 = (Y > 0).sum()
    Y = np.where(Y > 0, (n1 + 1) / (n1 + 2), 1 / (Y.size - n1 + 2))
    scales = []
    for side in (L < 0, L >= 0):
        if not side.any():
            scales.append(start)
            continue
        m, y, ws = L[side], Y[side], w[side]

        def nll(log_a, m=m, y=y, ws=ws):
            z = np.exp(log_a) * m
            # cross-entropy: -y log sigmoid(z) - (1 - y) log sigmoid(-z)
            return np.average(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z),
                              weights=ws)

        res = minimize_scalar(nll, bounds=(np.log(start) - 5.0, np.log(start) + 5.0),
                              method="bounded")
        scales.append(float(np.exp(res.x)))
    return tuple(scales)


def tag_targets(tags, n_classes):
    """Each row's tags (padded with -1) as a 0/1 indicator."""
    Y = np.zeros((len(tags), n_classes))
    r, s = np.nonzero(tags >= 0)
    Y[r, tags[r, s]] = 1.0
    return Y


def _inverse_top(S, softmax_scale):
    """``1 / max p`` of each row's ``p = softmax(softmax_scale * S)``."""
    Z = softmax_scale * S
    return np.exp(np.logaddexp.reduce(Z, axis=1) - Z.max(axis=1))


def count_bound(S, softmax_scale, weight):
    """``COUNT_BOUND`` times the weighted median of ``1 / max p`` over the
    rows of ``S``: the most labels any sample is expected to have."""
    return COUNT_BOUND * weighted_quantile(_inverse_top(S, softmax_scale), weight, 0.5)


def expected_counts(S, softmax_scale, max_count=np.inf):
    """Most labels each sample is expected to have, ``ceil(COUNT_SLACK / max
    p)`` for the distribution ``p = softmax(softmax_scale * S)`` of its tag
    (a sample of ``k`` labels has each tagged with probability ``1 / k``),
    at most ``ceil(max_count)``."""
    k = np.ceil(np.minimum(COUNT_SLACK * _inverse_top(S, softmax_scale), max_count) - 1e-9)
    return np.clip(k, 1, S.shape[1]).astype(int)


def margins(shares, S, rule):
    """How far each class's share is above the share from which it is
    predicted: ``rule.thresholds``, raised to the share of the sample's
    ``k``-th best class for its :func:`expected_counts` ``k``. A class is a
    label of the sample where the margin is at least 0.

    The thresholds alone let the many classes near a sample in through
    their noise once there are hundreds of them; the count keeps each label
    set to the classes the sample's tag could have been drawn from.
    """
    k = expected_counts(S, rule.softmax_scale, rule.max_count)
    kth = -np.sort(-shares, axis=1)[np.arange(len(k)), k - 1]
    return shares - np.maximum(rule.thresholds[None, :], kth[:, None])


def _training_scores(embed, X, E, metric, rng):
    """Scores and raw embeddings of a random subsample of training rows,
    and the indices of those rows."""
    n, n_classes = X.shape[0], E.shape[0]
    keep = np.sort(rng.choice(n, min(n, max(_MIN_ROWS, _MAX_SCORE_ENTRIES // n_classes)),
                              replace=False))
    Z = np.vstack([embed(X[keep[s:s + _ROWS]]) for s in range(0, len(keep), _ROWS)])
    return keep, Z, _inference.scores(Z, E, metric)


def _own_scores(S, tags):
    """Rule-space scores of the rows' tagged classes, and their row indices."""
    r, s = np.nonzero(tags >= 0)
    return S[r, tags[r, s]], r


def fit_decision_rule(embed, rows, E, metric, rng, held_out=None):
    """The membership rule from the training ``rows``; the probability
    scales from the rows ``held_out`` of training, where given, else from
    the training rows.

    ``embed`` maps rows of features to raw embeddings; ``E`` is the mapped
    class table; ``rows`` and ``held_out`` are ``TrainingRows``, whose
    features, tags (padded with -1) and row weights are read (the encoder
    has fitted the training rows, whose scores are sharper than those of new
    rows: scales fitted on them are overconfident). One rule whatever the
    form of the tags: one per row or several, as labels or an indicator.
    Returns a :class:`DecisionRule`.
    """
    tags, weight = rows.tags, rows.row_weights
    sub, Z_sub, S = _training_scores(embed, rows.X, E, metric, rng)
    tags_sub, w_sub = tags[sub], weight[sub]
    tagged = tag_targets(tags_sub, E.shape[0]) > 0
    shares = _inference.shares(METRICS[metric].sample_space(Z_sub), E, metric, S)
    R = METRICS[metric].rule_space(S)
    own, rows = _own_scores(R, tags_sub)
    m1, m0 = typical_scores(own, w_sub[rows], R, w_sub, tagged)
    score_slope = 2 * np.log(PROBA_AT_TYPICAL / (1 - PROBA_AT_TYPICAL)) / max(m1 - m0, 1e-6)
    slope = np.log(PROBA_AT_TYPICAL / (1 - PROBA_AT_TYPICAL)) / (1.0 - SHARE)
    few = slice(0, max(20, min(_SOFTMAX_ROWS, _SOFTMAX_ENTRIES // E.shape[0])))
    S_fit, tags_fit, w_fit, Z_fit = S[few], tags_sub[few], w_sub[few], Z_sub[few]
    if held_out is not None:
        X_h, tags_h, w_h = held_out.X, held_out.tags, held_out.row_weights
        Z_fit = embed(X_h[few])
        S_fit, tags_fit, w_fit = _inference.scores(Z_fit, E, metric), tags_h[few], w_h[few]
    Y_fit = tag_targets(tags_fit, E.shape[0])
    scale = fit_softmax_scale(S_fit, Y_fit / Y_fit.sum(axis=1, keepdims=True), w_fit,
                              m1 - m0, smooth=held_out is not None)
    max_count = count_bound(S_fit, scale, w_fit)
    thresholds = fit_share_rule(shares, w_sub, tagged,
                                expected_counts(S, scale, max_count))
    rule = DecisionRule(thresholds, scale, (slope, slope), score_slope, max_count)
    if held_out is None or tags.shape[1] == 1:
        return rule
    # per-label probabilities, fitted where rows carry several tags (single
    # tags would count every untagged label as a negative)
    sh = _inference.shares(METRICS[metric].sample_space(Z_fit), E, metric, S_fit)
    return rule._replace(
        margin_slopes=fit_sigmoid_scales(margins(sh, S_fit, rule), Y_fit, w_fit, slope))


def probabilities(S, shares, rule, multilabel, threshold=None, metric=None):
    """Probabilities from scores ``S`` (and ``shares``): ``softmax(scale *
    S)`` for 1-D targets; for indicator targets, independent
    ``sigmoid(slope * margin)`` (:func:`margins`), at least 0.5
    exactly where a label is predicted, or with a ``threshold`` on the
    scores, ``sigmoid(score_slope * (S - threshold))`` in rule space; clipped
    to ``(0, 1)``."""
    if not multilabel:
        return softmax(rule.softmax_scale * S, axis=1)
    if threshold is None:
        M = margins(shares, S, rule)
        L = np.where(M < 0, rule.margin_slopes[0], rule.margin_slopes[1]) * M
    else:
        to_rule = METRICS[metric].rule_space
        L = rule.score_slope * (to_rule(S) - to_rule(threshold))
    eps = np.finfo(np.float64).eps
    return np.clip(expit(L), eps, 1 - eps)
