"""Silence: no TensorFlow or Keras output unless the user asks for it."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # fresh processes

SCRIPT = textwrap.dedent("""
    import numpy as np
    from sklearn.datasets import make_blobs
    from sklearn_minmax import MinMaxClassifier

    X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    clf = MinMaxClassifier(random_state=0).fit(X, y)
    clf.predict(X); clf.predict_proba(X); clf.decision_function(X)
    clf.predict_multilabel(X); clf.transform(X)
    clf.partial_fit(X, y)
    print(clf.n_iter_ < clf.max_iter)
""")


def _run(**env):
    base = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True,
                          text=True, env={**base, **env}, check=True)


@pytest.mark.parametrize("level", [None, "3"])
def test_fresh_process_default_fit_writes_nothing_to_stderr(level):
    # TensorFlow writes some start-up lines even at level 3 (before reading it)
    done = _run() if level is None else _run(TF_CPP_MIN_LOG_LEVEL=level)
    assert done.stderr == ""
    assert done.stdout.strip() == "True"  # stopped early, without a warning


def test_users_own_log_level_is_respected():
    # asking for everything (level 0) brings TensorFlow's start-up lines back
    done = _run(TF_CPP_MIN_LOG_LEVEL="0")
    assert done.stderr != ""
