"""The product's reason to exist: every label back from partially tagged data."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax._metric_registry import METRICS as METRIC_REGISTRY
from sklearn_minmax.datasets import make_partial_tags, make_single_positive

SEED_VARIANTS = {
    "seed-3-blobs": dict(n_classes=2, shared=((0, 1),)),
    "5-blobs-shared-01": dict(n_classes=4, shared=((0, 1),)),
    "5-blobs-shared-23": dict(n_classes=4, shared=((2, 3),)),
}


def exact_by_blob(P, Y, blob):
    exact = (np.asarray(P) == Y).all(axis=1)
    return {int(b): exact[blob == b].mean() for b in np.unique(blob)}


METRICS = list(METRIC_REGISTRY)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("variant", list(SEED_VARIANTS))
def test_seed_experiment_shared_blob_gets_both_classes(variant, metric):
    X, y, Y, blob = make_partial_tags(random_state=100, **SEED_VARIANTS[variant])
    clf = MinMaxClassifier(metric=metric, random_state=0).fit(X, y)
    rates = exact_by_blob(clf.predict_multilabel(X), Y, blob)
    assert min(rates.values()) >= 0.95, rates


@pytest.mark.parametrize("metric", METRICS)
def test_single_positive_multilabel_beats_assume_negative(metric):
    X, y, Y = make_single_positive(
        n_samples=2000, n_features=20, n_classes=5, n_labels=2, random_state=0
    )
    X_tr, X_te, y_tr, _, _, Y_te = train_test_split(X, y, Y, test_size=0.5,
                                                    random_state=0)
    ours = make_pipeline(StandardScaler(), MinMaxClassifier(metric=metric, random_state=0))
    ours.fit(X_tr, y_tr)
    P = ours[-1].predict_multilabel(ours[0].transform(X_te))
    baseline = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))
    baseline.fit(X_tr, np.eye(5, dtype=int)[y_tr])
    f1_ours = f1_score(Y_te, P, average="micro")
    f1_base = f1_score(Y_te, baseline.predict(X_te), average="micro")
    assert f1_ours >= f1_base + 0.15, (f1_ours, f1_base)


@pytest.mark.parametrize("metric", METRICS)
def test_sampled_negatives_keep_the_shared_blob(metric):
    """The n_negatives training mode meets the same bar as all class pairs."""
    X, y, Y, blob = make_partial_tags(random_state=100, n_classes=4, shared=((0, 1),))
    clf = MinMaxClassifier(metric=metric, n_negatives=2, random_state=0).fit(X, y)
    rates = exact_by_blob(clf.predict_multilabel(X), Y, blob)
    assert min(rates.values()) >= 0.95, rates
