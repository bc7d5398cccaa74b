"""The same ``random_state`` gives the same model as the saved outputs of a
fixed set of fits (``regression_cases.py``): several metrics, 1-D and 2-D
targets, sampled negatives, no early stopping, a Keras encoder."""

import warnings

import numpy as np
import pytest
from regression_cases import CASES, PATH, outputs
from sklearn.exceptions import ConvergenceWarning


@pytest.fixture(scope="module")
def saved():
    with np.load(PATH) as data:
        return dict(data)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_random_state_gives_the_saved_outputs(name, saved):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got = outputs(name)
    for method, value in got.items():
        expected = saved[f"{name}/{method}"]
        if method.startswith("predict") and method != "predict_proba":
            np.testing.assert_array_equal(value, expected, err_msg=method)
        else:
            np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-4,
                                       err_msg=method)
