"""Scores from partial tags (sklearn_minmax.metrics)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_single_positive
from sklearn_minmax.metrics import tag_roc_auc_score, tag_roc_auc_scorer


def test_ranks_tagged_samples_above_the_rest():
    y = np.array([0, 1, 1, 0, 2, 2])
    S = np.eye(3)[y] + 0.1 * np.arange(6)[:, None]  # each tagged column on top
    assert tag_roc_auc_score(y, S) == 1.0
    assert tag_roc_auc_score(y, -S) == 0.0
    assert tag_roc_auc_score(y, np.zeros((6, 3))) == 0.5
    # a 2-D indicator of tags gives the same as its 1-D form
    assert tag_roc_auc_score(np.eye(3)[y], S) == 1.0


def test_string_classes_in_any_order_map_to_their_columns():
    y = np.array(["dog", "cat", "cat", "bird"])
    S = np.array([[0, 0, 1], [0, 1, 0], [0, 1, 0], [1, 0, 0]], dtype=float)
    assert tag_roc_auc_score(y, S, classes=["bird", "cat", "dog"]) == 1.0
    assert tag_roc_auc_score(y, S[:, ::-1], classes=["dog", "cat", "bird"]) == 1.0
    assert tag_roc_auc_score(y, S, classes=["dog", "cat", "bird"]) < 1.0


def test_labels_without_tags_are_left_out_of_the_mean():
    y = np.array([0, 0, 1, 1])
    S = np.array([[1, 0, 5], [1, 0, 5], [0, 1, 5], [0, 1, 5.0]])
    # label 2 has no tagged sample: the mean is over labels 0 and 1
    assert tag_roc_auc_score(y, S, classes=[0, 1, 2]) == 1.0


@pytest.mark.parametrize("signal", [0.5, 1.0, 2.0])
def test_tracks_the_full_label_auc_when_tags_are_random(signal):
    # tags a random half of each label's samples: the tag AUC is
    # theta / 2 + (1 - theta) * AUC, increasing in the true AUC
    rng = np.random.RandomState(0)
    n = 20000
    Y = rng.rand(n, 1) < 0.3
    tags = Y & (rng.rand(n, 1) < 0.5)
    theta = (Y & ~tags).sum() / (~tags).sum()
    S = signal * Y + rng.normal(size=(n, 1))
    expected = theta / 2 + (1 - theta) * roc_auc_score(Y[:, 0], S[:, 0])
    got = tag_roc_auc_score(np.column_stack([tags, ~tags]), np.column_stack([S, -S]))
    assert abs(got - expected) < 0.01


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="y_score must be 2-D"):
        tag_roc_auc_score([0, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="2 columns for 3 classes"):
        tag_roc_auc_score([0, 1], np.zeros((2, 2)), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in classes"):
        tag_roc_auc_score([0, 5], np.zeros((2, 2)), classes=[0, 1])
    with pytest.raises(ValueError, match="samples"):
        tag_roc_auc_score([0, 1, 1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="undefined"):
        tag_roc_auc_score([0, 0], np.zeros((2, 1)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scorer_in_a_grid_search_on_single_tags():
    X, y, Y = make_single_positive(n_samples=600, n_classes=4, random_state=0)
    search = GridSearchCV(MinMaxClassifier(max_iter=30, random_state=0),
                          {"hidden_layer_sizes": [(1,), (64,)]},
                          scoring=tag_roc_auc_scorer, cv=3).fit(X, y)
    # one hidden unit cannot rank four labels: the scorer sees it from tags alone
    assert search.best_params_ == {"hidden_layer_sizes": (64,)}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 0.05


def test_scorer_handles_a_binary_classifier():
    X, y, _ = make_single_positive(n_samples=200, n_classes=2, random_state=0)
    clf = LogisticRegression().fit(X, y)
    expected = roc_auc_score(y == clf.classes_[1], clf.decision_function(X))
    assert tag_roc_auc_scorer(clf, X, y) == pytest.approx(expected)
