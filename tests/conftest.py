import os

# scikit-learn's array API check runs only when SciPy's array API mode is on,
# which must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
