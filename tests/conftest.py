import os

# scikit-learn's array API check runs only when SciPy's array API mode is on,
# which must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402
from helpers import three_blobs  # noqa: E402


@pytest.fixture(scope="module")
def small_blobs():
    """60 samples, 3 features, 3 well separated classes with string labels
    (``helpers.three_blobs``), made once per test module."""
    return three_blobs()
