"""The training rows: targets as tags, the weight of each tag and row,
merged duplicate rows, and the rows held out for early stopping."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from ._training_types import TrainingRows

_INDICATOR_HINT = ("pass several labels per sample as a 2-D 0/1 indicator matrix, for "
                   "instance from sklearn.preprocessing.MultiLabelBinarizer")


def check_label_lists(y):
    """Name the fix for a list of label lists (of several lengths, or sets),
    which numpy cannot stack; a list of equal-length 0/1 rows is an indicator."""
    if hasattr(y, "shape") or not isinstance(y, (list, tuple)):
        return
    rows = [v for v in y if isinstance(v, (list, tuple, set, frozenset, np.ndarray))]
    if rows and (len({len(v) for v in rows}) > 1 or len(rows) < len(y)
                 or any(isinstance(v, (set, frozenset)) for v in rows)):
        raise ValueError(f"y is a list of label lists: {_INDICATOR_HINT}.")


def check_targets(y):
    """``y`` as 1-D labels or a 2-D indicator, and whether it is an indicator."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y")
    multilabel = y_type == "multilabel-indicator"
    if not multilabel and y.ndim != 1:
        raise ValueError(
            "y must be 1-D class labels or a 2-D 0/1 indicator matrix; got a "
            f"target of type {y_type!r}: {_INDICATOR_HINT}."
        )
    return y, multilabel


def check_same_form(y, multilabel, first_multilabel, n_classes):
    """Raise unless ``y`` (of kind ``multilabel``) has the form of the first
    fit's targets: 1-D labels, or a 0/1 indicator of ``n_classes`` columns."""
    if multilabel != first_multilabel or (multilabel and y.shape[1] != n_classes):
        raise ValueError(
            "y has a different form than in the first fit: expected "
            + (f"a 0/1 indicator of {n_classes} columns." if first_multilabel
               else "1-D class labels.")
        )


def check_same_classes(y, classes):
    """Raise unless the labels of ``y`` are ``classes`` (a ``warm_start``
    fit continues the previous fit's classes, as in ``MLPClassifier``)."""
    present = np.unique(y)
    if len(present) != len(classes) or (present != classes).any():
        raise ValueError(
            "warm_start can only be used where y has the same classes as in the "
            f"previous call to fit: {classes.tolist()[:10]}; got "
            f"{present.tolist()[:10]}. Use partial_fit for batches that hold some "
            "of the classes."
        )


def encode_tags(y, classes):
    """Tags as a padded ``(n_samples, k)`` array of class indices (-1: none).

    ``y``: checked 1-D labels among ``classes``, or a 2-D indicator.
    """
    if y.ndim == 2:
        Y = y.toarray() if sp.issparse(y) else np.asarray(y)
        counts = (Y != 0).sum(axis=1)
        tags = np.full((Y.shape[0], max(int(counts.max()), 1)), -1, dtype=np.int32)
        rows, cols = np.nonzero(Y)
        slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        tags[rows, slot] = cols
        return tags
    unseen = np.setdiff1d(y, classes)
    if len(unseen):
        raise ValueError(
            f"y contains labels not in classes_ {classes.tolist()}: "
            f"{unseen.tolist()[:10]}. Pass every label with `classes` on the first "
            "call of partial_fit."
        )
    return np.searchsorted(classes, y).astype(np.int32)[:, None]


def tag_weights(tags, classes, class_weight):
    """Weight of each (sample, tag) pull term: ``class_weight``, 0 for padding."""
    present = (tags >= 0).astype(np.float64)
    if class_weight is None:
        return present
    n_classes = len(classes)
    if class_weight == "balanced":
        counts = np.bincount(tags[tags >= 0], minlength=n_classes)
        per_class = present.sum() / (n_classes * np.maximum(counts, 1))
    else:
        per_class = np.ones(n_classes)
        for label, w in class_weight.items():
            where = np.flatnonzero(classes == label)
            if len(where) == 0:
                raise ValueError(
                    f"class_weight names label {label!r}, which is not in "
                    f"classes_ {classes.tolist()}."
                )
            per_class[where] = w
    return present * per_class[np.maximum(tags, 0)]


def training_rows(X, tags, sample_weight):
    """The rows to train on and their weights.

    Numeric rows are merged (:func:`merge_duplicates`); other inputs (what a
    Keras encoder takes) only lose their zero-weight rows.
    """
    if sp.issparse(X) or (X.dtype.kind in "fiub" and X.ndim == 2):
        return merge_duplicates(X, tags, sample_weight)
    rows = np.flatnonzero(sample_weight > 0)
    return rows, sample_weight[rows]


def weighted_rows(X, tags, sample_weight, classes, class_weight, check_classes=True,
                  declared=False):
    """Merged training rows with a positive weight, as
    :class:`TrainingRows`. ``check_classes``: require tags of two classes or more, or
    only two ``classes`` when they are ``declared`` (``partial_fit`` with
    ``classes=``, whose first batch may hold samples of one class)."""
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    sample_weight[(tags < 0).all(axis=1)] = 0.0  # rows without any tag
    rows, row_weights = training_rows(X, tags, sample_weight)
    present = np.unique(tags[rows][tags[rows] >= 0])
    if check_classes and declared and len(classes) < 2:
        raise ValueError(f"classes should hold at least 2 labels; got {len(classes)}.")
    if check_classes and not declared and (len(classes) < 2 or len(present) < 2):
        raise ValueError(
            "MinMaxClassifier needs samples of at least 2 classes with positive "
            f"weight; got {len(present)} class."
        )
    if len(rows) == 0:
        raise ValueError("Every sample has zero weight: nothing to fit.")
    X, tags = X[rows], tags[rows]
    return TrainingRows(X, tags, tag_weights(tags, classes, class_weight), row_weights)


def validation_split(tags, fraction, rng):
    """Rows held out for early stopping (stratified on the tag where every
    row has one, as 1-D labels or an indicator, where possible), keeping at
    least one row of every class in training.

    None when there are too few rows to hold any out.
    """
    n = len(tags)
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 2:
        return None
    stratify = None
    if tags.shape[1] == 1:
        counts = np.bincount(tags[:, 0])
        if counts[counts > 0].min() >= 2 and n_val >= (counts > 0).sum():
            stratify = tags[:, 0]
    train, held_out = train_test_split(np.arange(n), test_size=n_val, stratify=stratify,
                                       random_state=rng.randint(np.iinfo(np.int32).max))
    # a class whose every row was drawn would never be trained: one row of
    # each goes back to training (a class of one row is never held out)
    missing = np.setdiff1d(tags[held_out][tags[held_out] >= 0], tags[train])
    if len(missing):
        back = [held_out[(tags[held_out] == c).any(axis=1)][0] for c in missing]
        train = np.sort(np.concatenate([train, np.unique(back)]))
        held_out = np.setdiff1d(held_out, back)
        if len(held_out) == 0:
            return None
    return train, held_out


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
