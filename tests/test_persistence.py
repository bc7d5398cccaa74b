"""Saved models: pickle, joblib and skops round trips are exact, loading needs
no TensorFlow, and a pickle from another version warns."""

import json
import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from helpers import PREDICT_METHODS
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from sklearn_minmax import MinMaxClassifier, MinMaxClustering


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


# Run in a fresh process as on a machine without TensorFlow: imports
# sklearn_minmax, unpickles the models and calls their prediction methods. A
# hook makes TensorFlow and Keras impossible to import and records the stack
# of any attempt.
_SERVING = """
import json, pickle, sys, traceback
import numpy as np

first_import = {}


class Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in ("tensorflow", "keras"):
            first_import.setdefault(top, "".join(traceback.format_stack()))
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, Watch())
import sklearn_minmax  # noqa: E402

folder = sys.argv[1]
X = np.load(folder + "/X.npy")
same = {}
for name, methods in json.loads(open(folder + "/methods.json").read()).items():
    model = pickle.loads(open(f"{folder}/{name}.pkl", "rb").read())
    for m in methods:
        got, saved = getattr(model, m)(X), np.load(f"{folder}/{name}.{m}.npy")
        # labels exactly; floats to rounding (the parent's BLAS may run on
        # other threads than this process's)
        if got.dtype.kind == "f":
            same[f"{name}.{m}"] = bool(np.allclose(got, saved, rtol=1e-12, atol=1e-15))
        else:
            same[f"{name}.{m}"] = bool(np.array_equal(got, saved))
print(json.dumps({"same": same, "first_import": first_import,
                  "in_sys_modules": [m for m in ("tensorflow", "keras") if m in sys.modules]}))
"""


@pytest.mark.slow
def test_unpickled_models_predict_without_tensorflow(blobs, fitted, tmp_path):
    X, _ = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clustering = MinMaxClustering(3, n_init=1, max_iter=5, random_state=0).fit(X)
    models = {
        "classifier": (fitted, PREDICT_METHODS),
        "clustering": (clustering, ["predict", "predict_proba", "transform"]),
    }
    np.save(tmp_path / "X.npy", X)
    for name, (model, methods) in models.items():
        (tmp_path / f"{name}.pkl").write_bytes(pickle.dumps(model))
        for m in methods:
            np.save(tmp_path / f"{name}.{m}.npy", getattr(model, m)(X))
    (tmp_path / "methods.json").write_text(
        json.dumps({name: methods for name, (_, methods) in models.items()}))
    done = subprocess.run([sys.executable, "-c", _SERVING, str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["first_import"] == {}, "\n".join(
        f"{top} imported by:\n{stack}" for top, stack in report["first_import"].items())
    assert report["in_sys_modules"] == []
    assert report["same"] == {f"{name}.{m}": True
                              for name, (_, methods) in models.items() for m in methods}


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
