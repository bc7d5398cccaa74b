"""Small numpy helpers of the estimator."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp


def _mix(a):
    """Odd 64-bit multipliers for hashing, from a fixed local generator."""
    return np.random.RandomState(0).randint(1, 2**62, size=a, dtype=np.uint64) | 1


def row_hashes(X, tags):
    """Two exact 64-bit hashes of each row of ``(X, tags)``.

    Built from the bit patterns of the values (``-0.0`` counted as ``0.0``)
    by integer arithmetic modulo 2**64, as a sum over the nonzero entries, so
    that equal rows hash equal whatever their position and storage (dense,
    CSR, CSC, explicit zeros).
    """
    n, n_features = X.shape
    mult = _mix((n_features + 1) * 2).reshape(n_features + 1, 2)
    with np.errstate(over="ignore"):
        if sp.issparse(X):
            X = sp.csr_matrix(X, dtype=np.float32, copy=True)
            X.sum_duplicates()
            bits = (X.data + np.float32(0)).view(np.uint32).astype(np.uint64)
            contrib = bits[:, None] * mult[X.indices]
            cum = np.vstack([np.zeros((1, 2), np.uint64), np.cumsum(contrib, axis=0)])
            h = cum[X.indptr[1:]] - cum[X.indptr[:-1]]
        else:
            h = np.empty((n, 2), np.uint64)
            step = max(1, 2**20 // max(n_features, 1))
            for s in range(0, n, step):
                block = np.asarray(X[s:s + step], dtype=np.float32) + np.float32(0)
                h[s:s + step] = block.view(np.uint32).astype(np.uint64) @ mult[:-1]
        tag_mult = _mix(tags.shape[1] + 1)
        h[:, 0] += (tags + 2).astype(np.uint64) @ tag_mult[:-1]
    return h


def merge_duplicates(X, tags, weight):
    """Canonical training rows: merge identical ``(x, tags)``, sum their weights.

    Returns the indices of one representative per distinct row, sorted by hash
    (so that training does not depend on the order of the rows), and the
    summed weights; rows whose weights sum to zero are dropped. This makes an
    integer ``sample_weight`` exactly equivalent to repeating rows.
    """
    h = row_hashes(X, tags)
    # sorted by the first hash; rows equal in it but not in the second (a
    # 2**-64 event) may end up in separate groups, which only skips a merge
    order = np.argsort(h[:, 0])
    h = h[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(h[1:] != h[:-1], axis=1)
    group = np.cumsum(new) - 1
    summed = np.bincount(group, weights=weight[order])
    first = order[new]
    keep = summed > 0
    return first[keep], summed[keep]


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
