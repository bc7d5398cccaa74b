"""The training controls a scikit-learn user expects, with MLPClassifier's names."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=600, n_features=10, n_informative=6,
                               n_classes=3, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_early_stopping_stops_and_keeps_the_best_epoch(data):
    X, y = data
    params = dict(validation_fraction=0.2, n_iter_no_change=5, random_state=0)
    clf = MinMaxClassifier(max_iter=500, **params).fit(X, y)
    scores = clf.validation_scores_
    assert clf.n_iter_ == len(scores) == len(clf.loss_curve_) < 500
    assert clf.best_validation_score_ == max(scores)
    # stopped after 5 epochs that each failed to beat the best so far by tol
    running_best = np.maximum.accumulate(scores)
    assert all(scores[i] < running_best[i - 1] + clf.tol for i in range(-5, 0))
    best = int(np.argmax(scores))
    assert best < clf.n_iter_ - 1  # the last epoch is not the best
    assert clf.best_loss_ is None
    # the kept weights are the best epoch's: a fit that ends at that epoch
    ends_at_best = MinMaxClassifier(max_iter=best + 1, **params).fit(X, y)
    assert ends_at_best.best_validation_score_ == scores[best]
    np.testing.assert_array_equal(clf.class_embeddings_, ends_at_best.class_embeddings_)
    for a, b in zip(clf.coefs_, ends_at_best.coefs_):
        np.testing.assert_array_equal(a, b)
    no_es = MinMaxClassifier(early_stopping=False, max_iter=5, random_state=0).fit(X, y)
    assert no_es.validation_scores_ is None
    assert no_es.best_loss_ == min(no_es.loss_curve_)


def test_warm_start_continues_from_previous_weights(data):
    X, y = data
    clf = MinMaxClassifier(max_iter=10, random_state=0).fit(X, y)
    first_curve = list(clf.loss_curve_)
    embeddings = clf.class_embeddings_.copy()
    clf.set_params(warm_start=True).fit(X, y)
    # the second fit starts where the first ended, not from scratch; as in
    # MLPClassifier, the curves continue and n_iter_ counts this fit's epochs
    assert clf.loss_curve_[:10] == first_curve and clf.n_iter_ == 10
    assert len(clf.loss_curve_) == len(clf.validation_scores_) == 20
    assert clf.loss_curve_[10] < first_curve[0]
    assert clf.loss_curve_[10] == pytest.approx(first_curve[-1], rel=0.2)
    assert not np.array_equal(clf.class_embeddings_, embeddings)
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert cold.loss_curve_[0] == pytest.approx(first_curve[0])


def test_warm_start_runs_max_iter_epochs_each_fit_as_mlp_classifier(data):
    X, y = data
    params = dict(max_iter=4, warm_start=True, n_iter_no_change=np.inf, random_state=0)
    ours = MinMaxClassifier(**params).fit(X, y)
    theirs = MLPClassifier(early_stopping=True, **params).fit(X, y)
    for est in (ours, theirs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.set_params(max_iter=6).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 6
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 10
    assert len(ours.validation_scores_) == len(theirs.validation_scores_) == 10


def test_warm_start_refuses_other_classes(data):
    X, y = data
    clf = MinMaxClassifier(max_iter=2, warm_start=True, random_state=0).fit(X, y)
    keep = y != y[0]
    with pytest.raises(ValueError, match="warm_start can only be used where y has the "
                       "same classes"):
        clf.fit(X[keep], y[keep])


def test_warm_start_continues_the_optimizer(data):
    """One epoch, then one more with warm_start, is a two-epoch fit: Adam's
    moments and step count carry over (one batch an epoch, so the order of
    the rows in it does not matter)."""
    X, y = data
    params = dict(batch_size=len(X), early_stopping=False, random_state=0)
    two = MinMaxClassifier(max_iter=2, **params).fit(X, y)
    warm = MinMaxClassifier(max_iter=1, warm_start=True, **params).fit(X, y).fit(X, y)
    np.testing.assert_allclose(warm.loss_curve_, two.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(warm.class_embeddings_, two.class_embeddings_,
                               rtol=1e-5, atol=1e-7)
    for a, b in zip(warm.coefs_, two.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_partial_fit_over_chunks_approaches_a_single_fit(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    single = MinMaxClassifier(random_state=0, max_iter=30).fit(X_tr, y_tr)
    online = MinMaxClassifier(random_state=0)
    for _ in range(30):
        for chunk in np.array_split(np.arange(len(X_tr)), 3):
            online.partial_fit(X_tr[chunk], y_tr[chunk], classes=[0, 1, 2])
    assert online.n_iter_ == 90
    assert online.score(X_te, y_te) >= single.score(X_te, y_te) - 0.05


def test_partial_fit_checks_classes(data):
    X, y = data
    with pytest.raises(ValueError, match="classes must be passed"):
        MinMaxClassifier().partial_fit(X, y)
    clf = MinMaxClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels not in classes_.*\[7\]"):
        clf.partial_fit(X[:5], [0, 1, 2, 7, 1])
    # a failed call leaves the model as it was
    assert clf.n_iter_ == 1 and list(clf.classes_) == [0, 1, 2]


def test_partial_fit_first_batch_may_hold_one_declared_class(data):
    # time-ordered streams: the first chunk may carry one class only
    X, y = data
    clf = MinMaxClassifier(random_state=0)
    clf.partial_fit(X[y == 0][:50], y[y == 0][:50], classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]
    np.testing.assert_allclose(clf.predict_proba(X[:5]).sum(axis=1), 1.0)
    for _ in range(10):
        clf.partial_fit(X[:450], y[:450])
    assert clf.score(X[450:], y[450:]) >= 0.7
    Y = np.zeros((20, 3), dtype=int)
    Y[:, 1] = 1  # a 2-D y declares its classes by its columns
    assert MinMaxClassifier(random_state=0).partial_fit(X[:20], Y).classes_.tolist() == [
        0, 1, 2]
    with pytest.raises(ValueError, match="at least 2 labels"):
        MinMaxClassifier().partial_fit(X[:10], np.zeros(10, int), classes=[0])
    with pytest.raises(ValueError, match="at least 2 classes"):
        MinMaxClassifier().fit(X[:10], np.zeros(10, int))


@pytest.mark.parametrize("seed", range(4))
def test_early_stopping_keeps_every_class_in_training(data, seed):
    # three rows of three classes: holding one out would leave its class
    # untrained; early stopping then has nothing to hold out
    X, _ = data
    clf = MinMaxClassifier(random_state=seed).fit(X[:3], [0, 1, 2])
    assert clf.validation_scores_ is None
    np.testing.assert_array_equal(clf.predict(X[:3]), [0, 1, 2])
    # a class of one row, or every row of a class drawn, goes back to training
    from sklearn_minmax._targets import validation_split

    rng = np.random.RandomState(seed)
    tags = np.r_[np.zeros(30, int), np.ones(3, int), 2][:, None]
    for _ in range(50):
        train, held_out = validation_split(tags, 0.5, rng)
        assert set(tags[train, 0]) == {0, 1, 2}
        assert len(held_out) >= 15
    indicator = np.array([[0, 1], [0, 1], [1, 1], [-1, 1]] * 5)  # label 0: 5 rows
    for _ in range(50):
        train, _ = validation_split(indicator, 0.9, rng)
        assert (indicator[train] == 0).any()


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_blobs(n_samples=[900, 60], centers=[[0, 0], [1.5, 0]],
                      cluster_std=1.0, random_state=0)
    plain = MinMaxClassifier(random_state=0, max_iter=50).fit(X, y)
    balanced = clone(plain).set_params(class_weight="balanced").fit(X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X)) + 0.1
    as_dict = clone(plain).set_params(class_weight={0: 1.0, 1: 15.0}).fit(X, y)
    assert recall_score(y, as_dict.predict(X)) > recall_score(y, plain.predict(X)) + 0.1
    with pytest.raises(ValueError, match="class_weight names label 5"):
        clone(plain).set_params(class_weight={5: 2.0}).fit(X, y)


def test_feature_names_and_pandas_output(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(10)])
    clf = MinMaxClassifier(n_components=4, max_iter=3, random_state=0).fit(df, y)
    assert list(clf.feature_names_in_) == list(df.columns)
    names = clf.get_feature_names_out()
    assert list(names) == [f"minmaxclassifier{i}" for i in range(4)]
    expected = clf.transform(df)
    clf.set_output(transform="pandas")
    Z = clf.transform(df)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == list(names)
    np.testing.assert_array_equal(Z.to_numpy(), expected)


def test_verbose_reports_each_epoch_on_stderr(data, capsys):
    X, y = data
    MinMaxClassifier(max_iter=3, verbose=1, early_stopping=True, n_iter_no_change=50,
                     random_state=0).fit(X, y)
    err = capsys.readouterr().err.strip().splitlines()
    epochs = [line for line in err if line.startswith("Epoch ")]
    assert [line.split(",")[0] for line in epochs] == ["Epoch 1", "Epoch 2", "Epoch 3"]
    for line in epochs:
        assert "loss = " in line and "validation score = " in line and "time = " in line
    MinMaxClassifier(max_iter=3, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""
