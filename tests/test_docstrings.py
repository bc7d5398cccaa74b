"""The examples in the public docstrings run and print what they show."""

import doctest
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import sklearn_minmax

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PACKAGE = Path(sklearn_minmax.__file__).parent

# every public object or module whose docstrings hold examples, by its name in
# the public API; "slow" where they train a model for many seconds
DOCUMENTED = {
    "MinMaxClassifier": "slow",
    "MinMaxClustering": "slow",
    "datasets": "",
    "layers": "",
    "metrics": "",
}


def _public(name):
    return (importlib.import_module(f"sklearn_minmax.{name}") if name.islower()
            else getattr(sklearn_minmax, name))


def _defining_module(name):
    obj = _public(name)
    return obj.__name__ if name.islower() else obj.__module__


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.slow] if mark else [])
             for n, mark in DOCUMENTED.items()])
def test_docstring_examples_run(name):
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = [t for t in finder.find(_public(name), f"sklearn_minmax.{name}") if t.examples]
    assert tests, f"no docstring example found in sklearn_minmax.{name}"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        np.random.seed(0)  # each docstring starts from the same global random state
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"


def test_every_module_with_examples_is_run():
    with_examples = {
        ".".join(("sklearn_minmax", *path.relative_to(PACKAGE).with_suffix("").parts))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\s*>>> ", path.read_text(), re.MULTILINE)
    }
    run = {_defining_module(name) for name in DOCUMENTED}
    assert with_examples <= run, f"examples never run: {sorted(with_examples - run)}"
