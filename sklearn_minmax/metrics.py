"""Scores from partial tags, for choosing parameters without full label sets.

A user whose samples carry only some of their labels (one tag per sample, a
click, a few tags) has no full label sets to validate on. The usual scores
mislead there: accuracy on single tags rewards a model for guessing *which*
of a sample's labels happened to be tagged, and an untagged label is not a
wrong one. :func:`tag_roc_auc_score` measures instead how well each label's
scores rank the samples tagged with it above those not tagged with it.

Why that tracks the ranking on the full labels: if the tagged samples of a
label are a random part of the samples that have it (tagging "completely at
random"), the untagged samples of label ``c`` are a mixture, a share
``theta_c`` of samples that have ``c`` and the rest that do not, and the AUC
of tagged against untagged is ``theta_c / 2 + (1 - theta_c) AUC_c``, an
increasing function of the true AUC ``AUC_c`` (Menon et al. 2015, "Learning
from corrupted binary labels via class-probability estimation"). Where one
tag is drawn among a sample's labels, samples with many labels are less
likely to be tagged with any one of them, so the relation holds only
approximately; measured on the quality benchmark's tasks in the user guide.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import column_or_1d

__all__ = ["tag_roc_auc_score", "tag_roc_auc_scorer"]


def tag_roc_auc_score(y_tags, y_score, *, classes=None, sample_weight=None):
    """Macro ROC AUC of the scores, with each sample's tags as its positives.

    For each label with at least one tagged and one untagged sample, the
    area under the ROC curve of its score column, tagged samples against all
    the others; the mean over those labels. Untagged labels are not taken to
    be absent: the score only asks that tagged samples rank above the rest,
    which, where tags are a random part of the true labels, grows with the
    ranking quality on the full labels (see the module's docstring).

    Parameters
    ----------
    y_tags : array-like of shape (n_samples,) or (n_samples, n_classes)
        The tags: one label per sample (1-D, values among ``classes``), or a
        2-D indicator of the tagged labels.
    y_score : array-like of shape (n_samples, n_classes)
        A score per sample and label, higher for more likely, in the order of
        ``classes`` (for example ``decision_function``).
    classes : array-like of shape (n_classes,), default=None
        The labels of ``y_score``'s columns, for 1-D ``y_tags``; None means
        the sorted unique values of ``y_tags``, which must then be all the
        columns.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Between 0 and 1; 0.5 for scores that ignore the samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minmax.metrics import tag_roc_auc_score
    >>> y_tags = np.array(["cat", "dog", "dog", "cat"])
    >>> scores = np.array([[0.9, 0.2], [0.3, 0.8], [0.6, 0.7], [0.8, 0.6]])
    >>> float(tag_roc_auc_score(y_tags, scores, classes=["cat", "dog"]))
    1.0
    """
    y_score = np.asarray(y_score, dtype=float)
    if y_score.ndim != 2:
        raise ValueError(f"y_score must be 2-D (n_samples, n_classes), got shape "
                         f"{y_score.shape}.")
    y_tags = np.asarray(y_tags)
    if len(y_tags) != len(y_score):
        raise ValueError(f"y_tags has {len(y_tags)} samples, y_score {len(y_score)}.")
    if y_tags.ndim == 2:
        Y = y_tags.astype(bool)
        if Y.shape != y_score.shape:
            raise ValueError(f"y_tags of shape {Y.shape} and y_score of shape "
                             f"{y_score.shape} differ.")
    else:
        y_tags = column_or_1d(y_tags)
        classes = np.unique(y_tags) if classes is None else np.asarray(classes)
        if len(classes) != y_score.shape[1]:
            raise ValueError(f"y_score has {y_score.shape[1]} columns for "
                             f"{len(classes)} classes.")
        if not np.isin(y_tags, classes).all():
            raise ValueError("y_tags has labels that are not in classes.")
        order = np.argsort(classes, kind="stable")
        columns = order[np.searchsorted(classes[order], y_tags)]
        Y = np.zeros(y_score.shape, dtype=bool)
        Y[np.arange(len(y_tags)), columns] = True
    tagged = Y.sum(axis=0)
    keep = (tagged > 0) & (tagged < len(Y))
    if not keep.any():
        raise ValueError("No label has both tagged and untagged samples: the "
                         "score is undefined.")
    return roc_auc_score(Y[:, keep], y_score[:, keep], average="macro",
                         sample_weight=sample_weight)


def tag_roc_auc_scorer(estimator, X, y_tags, sample_weight=None):
    """Scorer of :func:`tag_roc_auc_score` on ``estimator.decision_function``.

    Pass it as ``scoring`` to ``GridSearchCV``, ``cross_val_score`` and the
    like to choose parameters on partially tagged data: the folds' tags are
    the only labels it reads. Works with any fitted classifier (or pipeline)
    that has ``classes_`` and ``decision_function``, scores of shape
    (n_samples, n_classes).

    Parameters
    ----------
    estimator : fitted classifier
        With ``decision_function`` and, for 1-D tags, ``classes_``.
    X : array-like of shape (n_samples, n_features)
        Samples.
    y_tags : array-like of shape (n_samples,) or (n_samples, n_classes)
        Their tags, as the estimator was fitted on.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        :func:`tag_roc_auc_score`: higher is better.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_minmax import MinMaxClassifier
    >>> from sklearn_minmax.datasets import make_single_positive
    >>> from sklearn_minmax.metrics import tag_roc_auc_scorer
    >>> X, y_tags, Y_full = make_single_positive(n_samples=300, random_state=0)
    >>> search = GridSearchCV(MinMaxClassifier(max_iter=20, random_state=0),
    ...                       {"alpha": [1e-4, 1e-2]}, scoring=tag_roc_auc_scorer,
    ...                       cv=3).fit(X, y_tags)
    >>> sorted(search.best_params_)
    ['alpha']
    """
    scores = np.asarray(estimator.decision_function(X))
    classes = getattr(estimator, "classes_", None)
    if scores.ndim == 1:  # a binary classifier's single column: the second class
        scores = np.column_stack([-scores, scores])
    return tag_roc_auc_score(y_tags, scores, classes=classes,
                             sample_weight=sample_weight)
