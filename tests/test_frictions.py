"""Everyday frictions: errors that say what to pass, warnings at the user's
line, and a verbose fit that says why it stopped."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=200, centers=3, random_state=0)


def test_list_of_label_lists_names_the_indicator_format(blobs):
    X, _ = blobs
    y = [[0, 1], [1], [2]] * 60 + [[0]] * 20
    with pytest.raises(ValueError, match="MultiLabelBinarizer"):
        MinMaxClassifier(max_iter=1).fit(X, y)


def test_list_of_equal_length_indicator_rows_is_accepted(blobs):
    X, y = blobs
    Y = np.eye(3, dtype=int)[y].tolist()
    clf = MinMaxClassifier(max_iter=2, random_state=0).fit(X, Y)
    assert clf.predict(X).shape == (200, 3)


def test_huge_values_at_predict_are_a_clear_error(blobs):
    X, y = blobs
    clf = MinMaxClassifier(max_iter=2, random_state=0).fit(X, y)
    big = X[:2].copy()
    big[0, 0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        for method in (clf.predict, clf.predict_proba, clf.transform):
            with pytest.raises(ValueError, match="float32 range"):
                method(big)


def test_convergence_warning_points_at_the_callers_line(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning) as record:
        MinMaxClassifier(max_iter=1, random_state=0).fit(X, y)
    assert record[0].filename == __file__


def test_verbose_ends_with_the_reason_and_best_epoch(blobs, capsys):
    X, y = blobs
    clf = MinMaxClassifier(verbose=1, random_state=0).fit(X, y)
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "did not improve more than tol=" in last
    best = 1 + int(np.argmax(clf.validation_scores_))
    assert last.endswith(f"best epoch: {best}.")


def test_huge_but_valid_X_trains_as_well_as_unit_scale_X():
    # float32 holds 1e30, but the squared norm of its embeddings would not:
    # the cosine map rescales first, so the model is as good as at unit scale
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=3.0, random_state=1)
    unit = MinMaxClassifier(max_iter=50, random_state=0).fit(X, y)
    huge = MinMaxClassifier(max_iter=50, random_state=0).fit(X * 1e30, y)
    assert huge.score(X * 1e30, y) >= unit.score(X, y) - 0.05
    assert huge.score(X * 1e30, y) >= 0.8
