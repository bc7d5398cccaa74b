"""
====================================================
Single-positive multi-label learning vs baselines
====================================================

In single-positive multi-label data each sample has several true labels, but
only one of them is observed. The usual workaround, "assume negative", trains a
one-vs-rest classifier on the one-hot observed label, i.e. treats every
unobserved label as absent. :class:`~sklearn_minmax.MinMaxClassifier` trains on
the observed label only and never uses a missing label as a negative.

We compare both on held-out data, scored against the *full* (hidden) labels:
micro-F1 of the predicted label sets and mean average precision (mAP) of the
scores. A one-vs-rest logistic regression trained on the full labels, which
are hidden from the other models, gives an upper bound for linear models.

Run as a script, it saves its figure as ``plot_single_positive.png`` in the
current folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_single_positive

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example uses less data and epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")
N_SAMPLES = 600 if SMALL else 2000
MAX_ITER = 30 if SMALL else 200  # training epochs at most

# %%
# The data
# --------
# ``make_single_positive`` draws multi-label data with
# :func:`~sklearn.datasets.make_multilabel_classification` and keeps one random
# true label per sample: ``y`` is the observed label, ``Y`` the full 0/1 label
# matrix, which the models never see (except the upper bound).
X, y, Y = make_single_positive(n_samples=N_SAMPLES, n_classes=5, random_state=0)
print(f"{Y.shape[1]} classes, {Y.sum(axis=1).mean():.2f} true labels per sample, "
      "1 observed")

X_train, X_test, y_train, y_test, Y_train, Y_test = train_test_split(
    X, y, Y, test_size=0.5, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
# the "assume negative" targets: one-hot observed label
Y_observed = np.eye(Y.shape[1], dtype=int)[y_train]

# %%
# The models
# ----------
# ``MinMaxClassifier`` is fitted on the 1-D observed labels. Its
# ``predict_multilabel`` returns every class whose share of the sample (its
# score over the best class's) reaches a per-class threshold, and
# ``decision_function`` gives the scores we rank for mAP.
#
# Each training sample carries one of its labels *at random*: trained long
# enough, the encoder starts to memorise which one, and loses the others. By
# default ``MinMaxClassifier`` holds out ``validation_fraction=0.1`` of the
# training rows, stops when their pull toward their tags stops improving, and
# keeps the best epoch's weights. We also fit it with ``early_stopping=False``
# for all ``max_iter`` epochs, to show what the early stop avoids.
#
# The baselines are fitted on the one-hot observed labels (2-D targets) and
# predict a label when its probability reaches 0.5.
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # epochs capped
early = MinMaxClassifier(max_iter=MAX_ITER, random_state=0).fit(X_train, y_train)
full = MinMaxClassifier(max_iter=MAX_ITER, early_stopping=False, random_state=0)
full.fit(X_train, y_train)
minmax = {
    f"MinMaxClassifier\n(early stopping, {early.n_iter_} epochs)": early,
    f"MinMaxClassifier\n(early_stopping=False, {full.n_iter_} epochs)": full,
}
baselines = {
    "assume-negative\nLogisticRegression": OneVsRestClassifier(LogisticRegression()),
    "assume-negative\nMLPClassifier": MLPClassifier(max_iter=MAX_ITER, random_state=0),
}
for model in baselines.values():
    model.fit(X_train, Y_observed)
upper = OneVsRestClassifier(LogisticRegression()).fit(X_train, Y_train)

# %%
# Scores on the full test labels
# ------------------------------
# micro-F1 compares the predicted label sets with the full label sets; mAP
# averages, over classes, the average precision of each class's scores.
results = {}
for name, model in minmax.items():
    results[name] = (model.predict_multilabel(X_test), model.decision_function(X_test))
for name, model in baselines.items():
    results[name] = (model.predict(X_test), model.predict_proba(X_test))
results["full-label LogisticRegression\n(linear upper bound)"] = (
    upper.predict(X_test), upper.predict_proba(X_test)
)

table = {
    name: (
        f1_score(Y_test, predicted, average="micro"),
        average_precision_score(Y_test, scores),
        predicted.sum(axis=1).mean(),
    )
    for name, (predicted, scores) in results.items()
}
print(f"\n{'model':<52}{'micro-F1':>9}{'mAP':>7}{'labels/sample':>15}")
for name, (f1, ap, n_labels) in table.items():
    print(f"{name.replace(chr(10), ' '):<52}{f1:>9.3f}{ap:>7.3f}{n_labels:>15.2f}")
print(f"{'true':<68}{Y_test.sum(axis=1).mean():>15.2f}")

# %%
# The baselines learned that a sample has a single label, and predict about
# one label per sample or less: their micro-F1 suffers, although their
# scores still rank the labels well (mAP). The min-max model predicts more of
# the true labels. Without early stopping it goes on to fit the random
# observed labels, and both of its scores drop.
fig, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
width = 0.8 / len(table)
colors = [*plt.cm.tab10.colors[: len(table) - 1], "0.6"]  # upper bound in gray
for i, (name, values) in enumerate(table.items()):
    bars = ax.bar(np.arange(2) + (i - (len(table) - 1) / 2) * width, values[:2],
                  width, label=name, color=colors[i])
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_xticks(np.arange(2), ["micro-F1 (label sets)", "mAP (scores)"])
ax.set_ylim(0, 1)
ax.set_ylabel("score on the full test labels")
ax.set_title("Single-positive multi-label data: one observed label per sample")
ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8, labelspacing=1)
fig.savefig(os.path.join(OUT, "plot_single_positive.png"), dpi=80)
