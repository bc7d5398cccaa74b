"""
==========================================
Tuning MinMaxClassifier with grid search
==========================================

:class:`~sklearn_minmax.MinMaxClassifier` is an ordinary scikit-learn
estimator: it can be cloned, put in a :class:`~sklearn.pipeline.Pipeline` and
tuned with :class:`~sklearn.model_selection.GridSearchCV`.

Here we tune the size of the embedding (``n_components``) and the weight of
the term that pushes the class vectors apart (``push_weight``) on the digits
data set (10 classes), scaling the pixels in the same pipeline.

Run as a script, it saves its figure as ``plot_grid_search.png`` in the
current folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example uses less data and epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")

# %%
# The data
# --------
# 8x8 images of handwritten digits, one label each. We keep a quarter of
# them aside to check the tuned model.
X, y = load_digits(return_X_y=True)
if SMALL:
    X, y = X[:500], y[:500]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# The pipeline and the grid
# -------------------------
# Parameters of a pipeline step are addressed as ``<step>__<parameter>``.
# With the cosine metric the class vectors are pushed toward orthogonal
# directions, which needs at least as many dimensions as classes: 2 is too
# few for 10 digits. ``push_weight=0`` turns the push off: only the pull
# toward each sample's class is left.
pipe = Pipeline([
    ("scale", StandardScaler()),
    ("minmax", MinMaxClassifier(max_iter=30 if SMALL else 200, random_state=0)),
])
param_grid = {
    "minmax__n_components": [2, 32] if SMALL else [2, 8, 32],
    "minmax__push_weight": [0.0, 0.5] if SMALL else [0.0, 0.5, 5.0],
}
# The search runs its fits one after the other (``n_jobs=None``): over small
# data that is the fastest way. Each worker process of ``n_jobs=2`` imports
# TensorFlow and compiles the trainer again, which costs more than these fits,
# and threads gain nothing, as fits of one architecture share one compiled
# trainer. Setting ``TF_NUM_INTRAOP_THREADS=1`` in the environment before the
# first fit makes small fits a little faster still (see the scaling guide).
search = GridSearchCV(pipe, param_grid, cv=3)  # scores by accuracy of predict
with warnings.catch_warnings():
    # some settings still improve slowly at max_iter: not a concern here
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(f"accuracy of the refitted best pipeline on the test set: "
      f"{search.score(X_test, y_test):.3f}")

# %%
# Mean test score per setting
# ---------------------------
# ``cv_results_`` holds the mean and standard deviation of the accuracy over
# the folds, for every combination of the grid. The embedding size matters
# most: 2 dimensions cannot hold 10 well separated class vectors. The push
# matters less on this single-label data, but turning it off entirely
# (``push_weight=0``) costs some accuracy.
results = search.cv_results_
n_components = param_grid["minmax__n_components"]
fig, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
for push_weight in param_grid["minmax__push_weight"]:
    rows = [
        np.flatnonzero((results["param_minmax__n_components"] == n)
                       & (results["param_minmax__push_weight"] == push_weight))[0]
        for n in n_components
    ]
    ax.errorbar(n_components, results["mean_test_score"][rows],
                yerr=results["std_test_score"][rows], marker="o", capsize=3,
                label=f"push_weight={push_weight:g}")
best = search.best_params_
ax.scatter(best["minmax__n_components"], search.best_score_, s=250,
           facecolors="none", edgecolors="k", zorder=3, label="best")
ax.set_xscale("log", base=2)
ax.set_xticks(n_components, [str(n) for n in n_components])
ax.set_xlabel("n_components (embedding size)")
ax.set_ylabel("mean cross-validated accuracy")
ax.set_title("GridSearchCV over Pipeline(StandardScaler, MinMaxClassifier)")
ax.legend()
fig.savefig(os.path.join(OUT, "plot_grid_search.png"), dpi=80)
