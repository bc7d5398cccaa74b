"""The neighbour graph of :class:`MinMaxClustering`, in numpy: the search for
each row's nearest neighbours, the soft assignments of the fitted encoder, the
clustering loss (for ``score`` and the choice among restarts), and the merge
of subclusters into clusters.

Everything here holds O(n_samples) memory: neighbours as an (n, k) index
array, and chunks of rows at a time for whatever is computed per edge.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import softmax

from . import _inference

# Guard of the clustering loss's logarithms and divisions against zero (in
# training too): added to the overlap of two assignments inside the
# logarithm of the pull, a neighbour given a disjoint assignment costs
# -log(CLUSTER_EPS), not infinity.
CLUSTER_EPS = 1e-7
# Rows per chunk wherever a value is computed for each edge of the graph.
_CHUNK = 8192
# Seed of the far samples of the reported loss (see ``loss_of``).
_FAR_SEED = 0


def nearest_neighbors(X, n_neighbors):
    """Indices (n_samples, n_neighbors) of each row's nearest other rows.

    Exact, Euclidean, by scikit-learn's ``NearestNeighbors``: a tree for
    low-dimensional dense ``X``, else brute force in chunks of rows; a row is
    never its own neighbour, even among duplicates. Memory O(n k).
    """
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=n_neighbors).fit(X)
    return nn.kneighbors(return_distance=False).astype(np.int32)


def far_samples(neighbors, n_far, rng):
    """``n_far`` rows drawn uniformly for each row, with weight 0 where a draw
    is the row itself or one of its neighbours (as in training)."""
    n = neighbors.shape[0]
    far = rng.randint(0, n, size=(n, n_far)).astype(np.int32)
    hit = (far[:, :, None] == neighbors[:, None, :]).any(axis=-1)
    hit |= far == np.arange(n)[:, None]
    return far, (~hit).astype(np.float64)


def assignments(coefs, intercepts, X, activation):
    """Soft assignments ``psi(X) = softmax(f(X))`` of the fitted encoder."""
    with np.errstate(over="ignore", invalid="ignore"):
        P = softmax(_inference.encode(coefs, intercepts, X, activation), axis=1)
    if not np.isfinite(P).all():
        raise ValueError("X has values so large that their embedding overflows; "
                         "scale X (for instance with StandardScaler).")
    return P


def clustering_loss(P, neighbors, far, far_weight, push_weight, entropy_weight):
    """The loss of ``_cluster_training.clustering_loss`` over all rows of
    ``P`` (soft assignments): the mean pull over every neighbour edge, the
    mean push over the far draws, the balance of the mean assignment."""
    pull = push = 0.0
    for start in range(0, P.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        near = np.einsum("bc,bkc->bk", P[rows], P[neighbors[rows]])
        pull -= np.log(near + CLUSTER_EPS).sum()
        overlap = np.einsum("bc,bfc->bf", P[rows], P[far[rows]])
        push += (np.square(overlap) * far_weight[rows]).sum()
    mean = P.mean(axis=0)
    balance = np.log(P.shape[1]) + (mean * np.log(mean + CLUSTER_EPS)).sum()
    pull /= max(neighbors.size, 1)
    push /= max(far_weight.sum(), CLUSTER_EPS)
    return float(pull + push_weight * push + entropy_weight * balance)


def loss_of(P, neighbors, n_far, push_weight, entropy_weight):
    """:func:`clustering_loss` with far samples drawn from a fixed seed
    (``_FAR_SEED``): the loss reported by ``score`` and ``loss_``, the same
    for the same rows whatever the estimator's random state."""
    far, far_weight = far_samples(neighbors, n_far, np.random.RandomState(_FAR_SEED))
    return clustering_loss(P, neighbors, far, far_weight, push_weight, entropy_weight)


def _edge_counts(labels, neighbors, n_subclusters):
    """Symmetric (n_subclusters, n_subclusters) count of neighbour edges
    between the subclusters of their two ends."""
    pairs = labels[:, None] * n_subclusters + labels[neighbors]
    A = np.bincount(pairs.ravel(), minlength=n_subclusters**2).astype(np.float64)
    A = A.reshape(n_subclusters, n_subclusters)
    return A + A.T


def _co_assignment(P):
    """``P.T @ P``: how much mass two subclusters share over the rows."""
    S = np.zeros((P.shape[1], P.shape[1]))
    for start in range(0, P.shape[0], _CHUNK):
        block = P[start:start + _CHUNK]
        S += block.T @ block
    return S


def _spectral_groups(A, n_clusters, random_state):
    """Groups of the nodes of affinity ``A`` (self-loops included) by the
    normalised cut's spectral relaxation.

    ``A`` is the neighbour graph of the rows summed within subclusters, so a
    node's degree counts its internal edges too (scikit-learn's
    ``SpectralClustering`` would drop them): the relaxation is then that of
    the rows' graph restricted to partitions that keep subclusters whole.
    The rows of the generalised eigenvectors ``D^-1/2 V`` are grouped by
    k-means weighted by degree.
    """
    from sklearn.cluster import KMeans

    degree = A.sum(axis=1)
    scale = 1.0 / np.sqrt(np.maximum(degree, CLUSTER_EPS))
    _, V = np.linalg.eigh(scale[:, None] * A * scale[None, :])
    embedding = V[:, ::-1][:, :n_clusters] * scale[:, None]
    return KMeans(n_clusters, n_init=10, random_state=random_state).fit_predict(
        embedding, sample_weight=degree)


def merge_subclusters(P, neighbors, n_clusters, random_state):
    """The cluster of each subcluster, merging subclusters linked by many
    neighbour edges.

    Each row counts in the subcluster of its largest assignment; the edges of
    the neighbour graph between two subclusters (and within one) make their
    affinity, and the spectral relaxation of the normalised cut of that small
    graph groups them into ``n_clusters``. A subcluster no row falls in joins the group of the
    subcluster it shares most assignment mass with. Returns an int array of
    shape (n_subclusters,).
    """
    n_subclusters = P.shape[1]
    labels = P.argmax(axis=1)
    active = np.flatnonzero(np.bincount(labels, minlength=n_subclusters))
    groups = np.zeros(n_subclusters, dtype=np.intp)
    if len(active) <= n_clusters:
        groups[active] = np.arange(len(active))
    else:
        A = _edge_counts(labels, neighbors, n_subclusters)[np.ix_(active, active)]
        groups[active] = _spectral_groups(A, n_clusters, random_state)
    idle = np.setdiff1d(np.arange(n_subclusters), active)
    if len(idle):
        S = _co_assignment(P)[np.ix_(idle, active)]
        groups[idle] = groups[active[S.argmax(axis=1)]]
    return groups


def cluster_proba(P, groups, n_clusters):
    """Soft assignment to clusters: the sum of the subclusters' assignments."""
    out = np.zeros((P.shape[0], n_clusters), dtype=P.dtype)
    for g in range(n_clusters):
        out[:, g] = P[:, groups == g].sum(axis=1)
    return out


def order_by_size(P, groups, n_clusters):
    """Renumber the groups by decreasing number of rows (ties by number), so
    that the clusters some row falls in are numbered ``0 .. m-1``."""
    sizes = np.bincount(cluster_proba(P, groups, n_clusters).argmax(axis=1),
                        minlength=n_clusters)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty(n_clusters, dtype=np.intp)
    rank[order] = np.arange(n_clusters)
    return rank[groups]
