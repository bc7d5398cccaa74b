"""The data-derived decision rule, on scores with a known answer."""

import numpy as np
import pytest

from sklearn_minmax import _decision, _inference
from sklearn_minmax._metric_registry import METRICS


def _paired_classes(n=800, seed=0):
    """Label sets {0, 1} or {2, 3}; each sample tagged with one of its two.

    Own tags score about 0.9. An untagged label scores 0.3 for classes 0
    and 2 and 0.6 for classes 1 and 3 (their members are easier to spot),
    non-members about 0.
    """
    rng = np.random.RandomState(seed)
    sets = np.array([[0, 1], [2, 3]])[rng.randint(0, 2, n)]
    member = np.zeros((n, 4), dtype=bool)
    member[np.arange(n)[:, None], sets] = True
    tag = sets[np.arange(n), rng.randint(0, 2, n)]
    tagged = np.zeros_like(member)
    tagged[np.arange(n), tag] = True
    R = np.where(member, [0.3, 0.6, 0.3, 0.6], 0.0) + 0.05 * rng.randn(n, 4)
    R[tagged] = 0.9 + 0.05 * rng.randn(n)
    return R, tagged, member


def _exact(R, t, member):
    return ((R >= t) == member).all(axis=1).mean()


def test_count_step_finds_the_members_a_threshold_missed():
    R, tagged, member = _paired_classes()
    start = np.full(4, 0.45)  # finds the untagged members of 1 and 3 only
    assert _exact(R, start, member) < 0.55
    t = _decision.count_consistent(R, np.ones(len(R)), tagged, start)
    # samples tagged 0 have 2 labels found, so class 0 has about twice as
    # many members as tags: its threshold comes down below 0.3
    assert (t[[0, 2]] < 0.3).all()
    np.testing.assert_array_equal(t[[1, 3]], start[[1, 3]])
    assert _exact(R, t, member) > 0.9


@pytest.mark.parametrize("start", [0.15, 0.05])
def test_count_step_leaves_consistent_or_generous_thresholds_alone(start):
    R, tagged, _ = _paired_classes()
    start = np.full(4, start)  # finds every member (or more): never raised
    np.testing.assert_array_equal(
        _decision.count_consistent(R, np.ones(len(R)), tagged, start), start)


def test_count_step_depends_on_relative_weights_only():
    R, tagged, _ = _paired_classes(n=300)
    start = np.full(4, 0.45)
    w = np.random.RandomState(1).uniform(0.5, 2.0, len(R))
    np.testing.assert_allclose(
        _decision.count_consistent(R, w, tagged, start),
        _decision.count_consistent(R, 1000 * w, tagged, start))


def test_share_rule_starts_halfway_and_finds_the_missed_members():
    R, tagged, member = _paired_classes()
    shares = R / R.max(axis=1, keepdims=True)
    half = np.full(4, _decision.SHARE)
    # an untagged member of 0 or 2 has a third of its tag's share: missed
    assert _exact(shares, half, member) < 0.55
    t = _decision.fit_share_rule(shares, np.ones(len(R)), tagged)
    assert (t <= half).all() and (t[[0, 2]] < 0.33).all()
    assert _exact(shares, t, member) > 0.9


@pytest.mark.parametrize("metric", METRICS)
def test_shares_read_back_the_classes_of_a_mixture(metric):
    """A sample where the pull puts a member of k classes (their mixture, in
    the space the metric compares in) has share 1 for each of them and less
    than half of it for every other class."""
    n_classes, dim = 6, 16
    R = METRICS[metric].default_max_norm
    if metric == "kl":  # classes peaked on disjoint coordinates
        E = np.full((n_classes, dim), -R / 2)
        E[np.arange(n_classes), np.arange(n_classes)] = R / 2
    else:
        E = R * np.eye(n_classes, dim)
    E = METRICS[metric].class_space(E, R)
    for members in ([2], [0, 3], [1, 2, 5]):
        if metric == "kl":
            p = np.exp(E[members]).mean(axis=0)
            z = np.log(p)[None, :]
        elif metric == "manhattan":
            z = E[members].mean(axis=0, keepdims=True)
            z /= np.abs(z).sum()
        else:
            z = E[members].mean(axis=0, keepdims=True)
            if metric == "cosine":
                z /= np.linalg.norm(z)
        sh = _inference.shares(z, E, metric)[0]
        others = np.setdiff1d(np.arange(n_classes), members)
        np.testing.assert_allclose(sh[members], 1.0, atol=1e-9)
        assert (sh[others] < 0.5).all(), (members, sh)
