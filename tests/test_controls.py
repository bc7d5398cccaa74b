"""The training controls a scikit-learn user expects, with MLPClassifier's names."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
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
    # the second fit starts where the first ended, not from scratch
    assert clf.loss_curve_[:10] == first_curve and clf.n_iter_ == 20
    assert clf.loss_curve_[10] < first_curve[0]
    assert clf.loss_curve_[10] == pytest.approx(first_curve[-1], rel=0.2)
    assert not np.array_equal(clf.class_embeddings_, embeddings)
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert cold.loss_curve_[0] == pytest.approx(first_curve[0])


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


def test_zero_weight_equals_removal(data):
    X, y = data
    w = np.ones(len(X))
    w[::3] = 0
    weighted = MinMaxClassifier(random_state=0, max_iter=20).fit(X, y, sample_weight=w)
    removed = MinMaxClassifier(random_state=0, max_iter=20).fit(X[w > 0], y[w > 0])
    np.testing.assert_array_equal(weighted.decision_function(X),
                                  removed.decision_function(X))


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


def test_sample_weight_is_routed_through_a_pipeline(data):
    X, y = data
    w = np.random.RandomState(0).randint(0, 3, len(X)).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            MinMaxClassifier(random_state=0, max_iter=10).set_fit_request(
                sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=w)
    direct = MinMaxClassifier(random_state=0, max_iter=10).fit(
        StandardScaler().fit_transform(X), y, sample_weight=w)
    np.testing.assert_allclose(pipe[-1].class_embeddings_, direct.class_embeddings_)


def test_feature_names_and_pandas_output(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(10)])
    clf = MinMaxClassifier(n_components=4, max_iter=3, random_state=0).fit(df, y)
    assert list(clf.feature_names_in_) == list(df.columns)
    names = clf.get_feature_names_out()
    assert list(names) == [f"minmaxclassifier{i}" for i in range(4)]
    clf.set_output(transform="pandas")
    Z = clf.transform(df)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == list(names)


def test_verbose_reports_each_epoch_on_stderr(data, capsys):
    X, y = data
    MinMaxClassifier(max_iter=3, verbose=1, early_stopping=True, n_iter_no_change=50,
                     random_state=0).fit(X, y)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3
    assert all("loss = " in line and "validation score = " in line and "time = " in line
               for line in err)
    MinMaxClassifier(max_iter=3, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""


def test_skops_round_trip_trusts_only_this_library(data, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = data
    clf = MinMaxClassifier(max_iter=5, random_state=0).fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == ["sklearn_minmax._classifier.MinMaxClassifier"]
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
