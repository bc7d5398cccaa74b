"""Generators of partially tagged data, and of blobs for clustering."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.utils import check_random_state

__all__ = ["hide_labels", "make_partial_tags", "make_separated_blobs",
           "make_single_positive"]


def make_partial_tags(
    n_samples=1000,
    *,
    n_classes=2,
    shared=((0, 1),),
    n_features=2,
    cluster_std=1.0,
    random_state=None,
):
    """Blobs of which some truly belong to several classes but carry one tag.

    One Gaussian blob per class, then one blob per group in ``shared``: the
    points of a shared blob belong to every class of its group, and each is
    tagged with one of them chosen at random. With the defaults and
    ``random_state=100`` this is the experiment of the original min-max loss
    post (``make_blobs(n_samples=1000, centers=3, n_features=2)``, blob 2
    tagged 0 or 1 at random).

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of points, split evenly over the blobs.
    n_classes : int, default=2
        Number of classes, each with a blob of its own.
    shared : sequence of sequences of int, default=((0, 1),)
        Classes of each shared blob.
    n_features : int, default=2
        Number of features.
    cluster_std : float, default=1.0
        Standard deviation of each blob.
    random_state : int, RandomState instance or None, default=None
        Seeds the blobs and the tags of the shared points.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        The one tag each point carries.
    Y : ndarray of shape (n_samples, n_classes)
        0/1 indicator of every class each point truly belongs to.
    blob : ndarray of shape (n_samples,)
        Blob of each point: ``0 .. n_classes - 1`` for pure blobs, then the
        shared ones in order.

    Examples
    --------
    >>> from sklearn_minmax.datasets import make_partial_tags
    >>> X, y, Y, blob = make_partial_tags(random_state=100)
    >>> X.shape, Y[blob == 2].sum(axis=1).min()
    ((1000, 2), np.int64(2))
    """
    shared = [tuple(int(c) for c in group) for group in shared]
    for group in shared:
        if len(group) < 2 or min(group) < 0 or max(group) >= n_classes:
            raise ValueError(
                f"each group in shared must name at least 2 classes in "
                f"[0, {n_classes}); got {group}."
            )
    rng = check_random_state(random_state)
    X, blob = make_blobs(
        n_samples=n_samples, centers=n_classes + len(shared), n_features=n_features,
        cluster_std=cluster_std, random_state=rng,
    )
    Y = np.zeros((n_samples, n_classes), dtype=int)
    y = blob.copy()
    pure = blob < n_classes
    Y[pure, blob[pure]] = 1
    for k, group in enumerate(shared):
        members = np.flatnonzero(blob == n_classes + k)
        Y[np.ix_(members, group)] = 1
        y[members] = rng.choice(group, size=len(members))
    return X, y, Y, blob


def hide_labels(Y, *, random_state=None):
    """Keep one random positive label per row of an indicator matrix.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_classes)
        0/1 indicator with at least one positive per row.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of the kept label.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        The kept label of each row: a column index of ``Y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minmax.datasets import hide_labels
    >>> Y = np.array([[1, 0, 1], [0, 1, 0]])
    >>> y = hide_labels(Y, random_state=0)
    >>> bool(Y[0, y[0]]), int(y[1])
    (True, 1)
    """
    Y = np.asarray(Y)
    if (Y.sum(axis=1) == 0).any():
        raise ValueError("every row of Y needs at least one positive label.")
    rng = check_random_state(random_state)
    # a random positive: the argmax of random keys restricted to positives
    keys = np.where(Y > 0, rng.random_sample(Y.shape), -1.0)
    return keys.argmax(axis=1)


def make_single_positive(
    n_samples=1000,
    *,
    n_features=20,
    n_classes=5,
    n_labels=2,
    random_state=None,
):
    """Single-positive multi-label data: one observed label per sample.

    Draws ``make_multilabel_classification`` (no unlabeled rows) and keeps
    one random true label per sample as its tag (see :func:`hide_labels`).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_features : int, default=20
        Number of features.
    n_classes : int, default=5
        Number of classes.
    n_labels : int, default=2
        Average number of labels per sample, as in
        ``make_multilabel_classification`` (at least one each).
    random_state : int, RandomState instance or None, default=None
        Seeds the data and the kept labels.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Samples.
    y : ndarray of shape (n_samples,)
        The observed (single) label of each sample.
    Y : ndarray of shape (n_samples, n_classes)
        All true labels, a 0/1 indicator.

    Examples
    --------
    >>> from sklearn_minmax.datasets import make_single_positive
    >>> X, y, Y = make_single_positive(n_samples=100, random_state=0)
    >>> X.shape, y.shape, Y.shape
    ((100, 20), (100,), (100, 5))
    >>> bool((Y[range(100), y] == 1).all())
    True
    """
    rng = check_random_state(random_state)
    X, Y = make_multilabel_classification(
        n_samples=n_samples, n_features=n_features, n_classes=n_classes,
        n_labels=n_labels, allow_unlabeled=False, random_state=rng,
    )
    return X, hide_labels(Y, random_state=rng), Y


def make_separated_blobs(
    n_samples=1000,
    *,
    n_clusters=10,
    n_features=2,
    cluster_std=1.0,
    min_distance=5.0,
    random_state=None,
):
    """Gaussian blobs whose centres are at least ``min_distance`` apart.

    With the defaults, the clustering experiment of the min-max loss post: 10
    blobs of 100 points in 2-D. Five standard deviations apart, neighbouring
    blobs touch: the Bayes classifier (the true blobs' densities) gets 99.9%
    of the points right on average over seeds, and at least 99.6%, which a
    clustering that recovers the blobs matches after pairing clusters with
    blobs. (Centres drawn freely, as ``make_blobs`` does, often fall on top
    of each other: then no method can separate the blobs.)

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of points, split evenly over the blobs.
    n_clusters : int, default=10
        Number of blobs.
    n_features : int, default=2
        Number of features.
    cluster_std : float, default=1.0
        Standard deviation of each blob.
    min_distance : float, default=5.0
        Least distance between two centres, in units of ``cluster_std``.
    random_state : int, RandomState instance or None, default=None
        Seeds the centres and the points.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Blob of each point.

    Examples
    --------
    >>> from sklearn_minmax.datasets import make_separated_blobs
    >>> X, y = make_separated_blobs(random_state=0)
    >>> X.shape, np.bincount(y).tolist() == [100] * 10
    ((1000, 2), True)
    """
    rng = check_random_state(random_state)
    gap = min_distance * cluster_std
    # a box of side 2 gaps per centre and dimension: the blobs are packed
    half = gap * n_clusters ** (1.0 / n_features)
    centers = []
    for _ in range(1000 * n_clusters):
        c = rng.uniform(-half, half, n_features)
        if all(np.linalg.norm(c - o) >= gap for o in centers):
            centers.append(c)
            if len(centers) == n_clusters:
                break
    else:
        raise ValueError(f"could not place {n_clusters} centres {gap:g} apart.")
    return make_blobs(n_samples=n_samples, centers=np.array(centers),
                      cluster_std=cluster_std, random_state=rng)
