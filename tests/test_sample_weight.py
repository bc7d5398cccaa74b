"""``sample_weight``: an integer weight is that many copies of the row, zero
removes it, and a pipeline routes it to the estimator."""

import numpy as np
import pytest
import sklearn
from helpers import assert_same_model, assert_unfitted, make
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def test_integer_weights_equal_repeated_rows(small_blobs):
    X, y = small_blobs
    w = np.random.RandomState(1).randint(1, 4, len(X))
    weighted = make().fit(X, y, sample_weight=w)
    repeated = make().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_same_model(weighted, repeated)
    assert not np.array_equal(weighted.class_embeddings_,
                              make().fit(X, y).class_embeddings_)


def test_zero_weight_equals_removal(small_blobs):
    X, y = small_blobs
    w = np.ones(len(X))
    w[::4] = 0
    weighted = make().fit(X, y, sample_weight=w)
    removed = make().fit(X[w > 0], y[w > 0])
    assert_same_model(weighted, removed)


@pytest.mark.parametrize("keep, match", [
    (lambda y: np.zeros(len(y)), "at least one non-zero"),
    (lambda y: (y == "ant").astype(float), "at least 2 classes with positive weight"),
], ids=["all_zero", "one_class_left"])
def test_weights_that_leave_too_little_are_a_clear_error(small_blobs, keep, match):
    X, y = small_blobs
    clf = make()
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, sample_weight=keep(y))
    assert_unfitted(clf)


def test_sample_weight_is_routed_through_a_pipeline(small_blobs):
    X, y = small_blobs
    w = np.random.RandomState(0).randint(0, 3, len(X)).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            make().set_fit_request(sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=w)
    direct = make().fit(StandardScaler().fit_transform(X), y, sample_weight=w)
    assert_same_model(pipe[-1], direct)
    unweighted = make().fit(StandardScaler().fit_transform(X), y)
    assert not np.array_equal(pipe[-1].class_embeddings_, unweighted.class_embeddings_)
