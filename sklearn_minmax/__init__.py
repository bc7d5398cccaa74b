"""Min-max loss estimators for scikit-learn: a classifier for partially tagged
data, and clustering with the same loss without labels."""

# SPDX-License-Identifier: BSD-3-Clause

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["MinMaxClassifier", "MinMaxClustering", "__version__"]

if TYPE_CHECKING:
    from ._classifier import MinMaxClassifier
    from ._clustering import MinMaxClustering


def __getattr__(name):
    # The estimator (and scikit-learn with it) is imported on first use, so
    # that ``import sklearn_minmax`` alone, or of its datasets or losses, stays
    # cheap. TensorFlow itself is imported only by ``fit``.
    if name == "MinMaxClassifier":
        from ._classifier import MinMaxClassifier

        globals()[name] = MinMaxClassifier
        return MinMaxClassifier
    if name == "MinMaxClustering":
        from ._clustering import MinMaxClustering

        globals()[name] = MinMaxClustering
        return MinMaxClustering
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
