"""
================================================
Probabilities you can bet on: reliability curves
================================================

:meth:`~sklearn_minmax.MinMaxClassifier.predict_proba` turns the scores into
probabilities with a scale fitted on the rows held out for early stopping,
which the encoder never trained on. Here we check them as a user would,
against :class:`~sklearn.linear_model.LogisticRegression` and
:class:`~sklearn.neural_network.MLPClassifier`: cross-validated log loss, and
a reliability curve of each model's confidence in its top class against how
often that class is right.

Run as a script, it saves its figure as ``calibration.png`` in the current
folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example uses less data and epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")

# %%
# Cross-validated probabilities
# -----------------------------
# Digits (10 classes), standardised in the pipeline. Each model's
# probabilities of every image come from the fold that did not train on it.
X, y = load_digits(return_X_y=True)
if SMALL:
    X, y = X[:600], y[:600]
max_iter = 30 if SMALL else 200
models = {
    "LogisticRegression": LogisticRegression(max_iter=2000),
    "MLPClassifier": MLPClassifier(max_iter=max_iter, random_state=0),
    "MinMaxClassifier": MinMaxClassifier(max_iter=max_iter, random_state=0),
}
cv = StratifiedKFold(3, shuffle=True, random_state=0)
proba = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, model in models.items():
        pipe = make_pipeline(StandardScaler(), model)
        proba[name] = cross_val_predict(pipe, X, y, cv=cv, method="predict_proba")

for name, P in proba.items():
    print(f"{name:>18}: log loss {log_loss(y, P):.3f}, "
          f"accuracy {np.mean(P.argmax(1) == y):.3f}")

# %%
# Reliability of the top class
# ----------------------------
# For each image, the model's probability of the class it predicts, and
# whether that class is right. A calibrated model's curve follows the
# diagonal: of the images it gives 0.8, about 80% are right. The histogram
# below shows where each model puts its confidence.
fig, (ax, hist) = plt.subplots(2, 1, figsize=(6, 7), height_ratios=(3, 1),
                               sharex=True)
ax.plot([0, 1], [0, 1], ":", color="gray", label="calibrated")
for name, P in proba.items():
    top, right = P.max(axis=1), P.argmax(axis=1) == y
    frac, conf = calibration_curve(right, top, n_bins=10)
    ax.plot(conf, frac, "o-", label=name)
    hist.hist(top, bins=20, range=(0, 1), histtype="step", label=name)
ax.set_ylabel("share of top classes that are right")
ax.set_title("Reliability of the top class (digits, 3-fold CV)")
ax.legend(loc="upper left")
hist.set_xlabel("probability of the top class")
hist.set_ylabel("images")
hist.set_yscale("log")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "calibration.png"))

# %%
# The same comparison on more data sets, with the expected calibration error
# and a 2-D indicator target, is ``benchmarks/bench_calibration.py``; the
# user guide's page on the decision rule explains how the scale is fitted.
