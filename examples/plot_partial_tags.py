"""
=====================================================
Predicting every class from partially tagged blobs
=====================================================

Each point of a shared blob belongs to two classes, but carries only one of
them as its tag, picked at random. A softmax classifier and a one-vs-rest
("BCE") classifier both read a missing tag as "not this class", so they split
the shared blob between its two classes. :class:`~sklearn_minmax.MinMaxClassifier`
never treats a missing tag as a negative, and predicts both classes for it.

We run the experiment of the original min-max loss post (three blobs, blob 2
shared by classes 0 and 1) and a variant with four classes.

Run as a script, it saves its figure as ``plot_partial_tags.png`` in the
current folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.__main__ import membership_table
from sklearn_minmax.datasets import make_partial_tags

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example trains for fewer epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")
MAX_ITER = 30 if SMALL else 200

# %%
# The data
# --------
# ``make_partial_tags`` draws one Gaussian blob per class, then one blob per
# group of ``shared`` classes. ``y`` holds the single tag of each point (what
# the models see), ``Y`` every class it truly belongs to (what we score
# against) and ``blob`` the blob it was drawn from. With the defaults and
# ``random_state=100`` this is the data of the original post.
datasets = {
    "2 classes": make_partial_tags(random_state=100),
    "4 classes": make_partial_tags(n_classes=4, shared=((0, 1),), random_state=100),
}
X, y, Y, blob = datasets["2 classes"]
print("tags in the shared blob:", np.bincount(y[blob == 2]))
print("true labels of the shared blob:", Y[blob == 2][0])


# %%
# Three ways to predict label sets
# --------------------------------
# Each model is trained on the single tags ``y`` and asked for the *set* of
# classes of every point, as a 0/1 indicator matrix:
#
# - :class:`~sklearn_minmax.MinMaxClassifier`: ``predict_multilabel`` returns
#   every class whose share of the point (its score over the best class's)
#   reaches its threshold, about one half (fitted on the training data).
# - softmax (multinomial :class:`~sklearn.linear_model.LogisticRegression`):
#   its probabilities sum to 1, so we predict a class when it gets at least
#   half of the probability.
# - BCE: one sigmoid (binary logistic regression) per class, trained on the
#   one-hot tag, where every missing tag counts as a negative.
def predict_label_sets(X, y, n_classes):
    minmax = MinMaxClassifier(max_iter=MAX_ITER, random_state=0).fit(X, y)
    softmax = LogisticRegression().fit(X, y)
    bce = OneVsRestClassifier(LogisticRegression()).fit(X, np.eye(n_classes)[y])
    return {
        "MinMaxClassifier": minmax.predict_multilabel(X),
        "softmax": (softmax.predict_proba(X) >= 0.5).astype(int),
        "BCE (one-vs-rest)": bce.predict(X).astype(int),
    }


predictions = {
    name: predict_label_sets(X, y, Y.shape[1])
    for name, (X, y, Y, _) in datasets.items()
}

# %%
# Exact matches per blob
# ----------------------
# For each blob, the share of its points whose predicted label set is exactly
# the true one (the table of ``python -m sklearn_minmax``). All three models
# get the pure blobs (nearly) right; only the min-max loss puts the shared blob in
# both of its classes.
for name, (_, _, Y, blob) in datasets.items():
    print(f"\n{name}: share of each blob's points with exactly the right labels")
    print(membership_table(predictions[name], Y, blob))

# %%
# Membership per class
# --------------------
# One panel per model (rows) and class (columns): red points are predicted
# members of the class. The shared blob is circled. Softmax and BCE draw a
# boundary through it; MinMaxClassifier colors it red for both class 0 and
# class 1.
fig = plt.figure(figsize=(13, 7.5), layout="constrained")
subfigs = fig.subfigures(1, 2, width_ratios=[2, 4], wspace=0.04)
for subfig, (name, (X, _, Y, blob)) in zip(subfigs, datasets.items(), strict=True):
    n_classes = Y.shape[1]
    shared = X[blob == n_classes]
    center, radius = shared.mean(axis=0), 2.5 * shared.std(axis=0).max()
    axes = subfig.subplots(3, n_classes, sharex=True, sharey=True, squeeze=False)
    for row, (model, P) in enumerate(predictions[name].items()):
        share = (P[blob == n_classes] == Y[blob == n_classes]).all(axis=1).mean()
        axes[row, 0].set_ylabel(f"{model}\nshared blob exact: {share:.0%}", fontsize=9)
        for c in range(n_classes):
            ax = axes[row, c]
            ax.scatter(X[:, 0], X[:, 1], c=P[:, c], cmap="coolwarm", vmin=0, vmax=1,
                       s=5, edgecolors="none")
            ax.add_patch(plt.Circle(center, radius, fill=False, ls="--", lw=1))
            ax.set_title(f"class {c}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    subfig.suptitle(f"{name} (shared blob: classes 0 and 1)")
fig.suptitle("Predicted membership (red = member) from one tag per point",
             fontweight="bold")
fig.savefig(os.path.join(OUT, "plot_partial_tags.png"), dpi=80)
