"""Min-max loss classifiers for scikit-learn, for partially tagged data."""

# SPDX-License-Identifier: BSD-3-Clause

from ._classifier import MinMaxClassifier

__version__ = "0.1.0"
__all__ = ["MinMaxClassifier", "__version__"]
