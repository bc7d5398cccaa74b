"""Saved models: pickle, joblib and skops round trips are exact, loading needs
no TensorFlow, and a pickle from another version warns."""

import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
from helpers import PREDICT_METHODS
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=3, n_features=5, random_state=0)
    return X, np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="module")
def fitted(blobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MinMaxClassifier(max_iter=20, random_state=0).fit(*blobs)


def test_pickle_and_joblib_round_trips_are_exact(blobs, fitted, tmp_path):
    X, _ = blobs
    restored = pickle.loads(pickle.dumps(fitted))
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    for method in PREDICT_METHODS:
        expected = getattr(fitted, method)(X)
        np.testing.assert_array_equal(getattr(restored, method)(X), expected)
        np.testing.assert_array_equal(getattr(loaded, method)(X), expected)


def test_unpickled_model_predicts_without_tensorflow(blobs, fitted, tmp_path):
    X, _ = blobs
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X)
    for method in PREDICT_METHODS:
        np.save(tmp_path / f"{method}.npy", getattr(fitted, method)(X))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import pickle, sys, numpy as np
        d = {str(tmp_path)!r}
        clf = pickle.loads(open(d + '/model.pkl', 'rb').read())
        X = np.load(d + '/X.npy')
        def same_as_saved(m):
            # labels exactly; floats to rounding (the parent's BLAS may run
            # on other threads than this process's)
            got, saved = getattr(clf, m)(X), np.load(f'{{d}}/{{m}}.npy')
            if got.dtype.kind == 'f':
                return np.allclose(got, saved, rtol=1e-12, atol=1e-15)
            return np.array_equal(got, saved)
        same = [same_as_saved(m) for m in {PREDICT_METHODS!r}]
        print(all(same), 'tensorflow' in sys.modules)
    """)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


def test_pickle_from_another_version_warns_with_both_versions(fitted):
    import sklearn_minmax

    data = pickle.dumps(fitted)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(data)  # same version: silent
    old = data.replace(sklearn_minmax.__version__.encode(), b"0.0.1")
    assert old != data
    with pytest.warns(UserWarning, match=rf"sklearn_minmax 0\.0\.1 with "
                                          rf"sklearn_minmax {sklearn_minmax.__version__}"):
        loaded = pickle.loads(old)
    # saved again, it carries this version and loads silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(loaded))


def test_skops_round_trip_trusts_only_this_library(blobs, fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, _ = blobs
    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == [f"{type(fitted).__module__}.{type(fitted).__qualname__}"]
    assert untrusted[0].startswith("sklearn_minmax.")
    loaded = sio.load(path, trusted=untrusted)
    for method in PREDICT_METHODS:
        np.testing.assert_array_equal(getattr(loaded, method)(X),
                                      getattr(fitted, method)(X), err_msg=method)
