"""Demo: the partially tagged blobs of the original min-max loss post.

``python -m sklearn_minmax [--classes 2] [--output partial_tags.png]``

Three blobs; the points of blob 2 belong to both classes 0 and 1 but each is
tagged with only one of them, at random. A softmax classifier and a sigmoid
(one-vs-rest, "BCE") classifier learn to split blob 2; MinMaxClassifier
predicts both classes for it. Prints, per blob, the share of points whose
predicted label set is exactly the true one, and saves a plot of the
predicted memberships (needs matplotlib).
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_partial_tags


def fit_models(X, y, n_classes, random_state=0):
    """Predicted label sets of each model, as 0/1 indicator matrices."""
    ours = MinMaxClassifier(random_state=random_state).fit(X, y)
    softmax = LogisticRegression().fit(X, y)
    bce = OneVsRestClassifier(LogisticRegression()).fit(X, np.eye(n_classes)[y])
    return {
        "MinMaxClassifier": ours.predict_multilabel(X),
        # rows sum to 1: a class is predicted when it gets at least half
        "softmax": (softmax.predict_proba(X) >= 0.5).astype(int),
        "BCE (one-vs-rest)": bce.predict(X).astype(int),
    }


def membership_table(predictions, Y, blob):
    """Per blob: its true label set and each model's exact-match share."""
    names = list(predictions)
    lines = [f"{'blob':>4}  {'true labels':<12}" + "".join(f"{n:>20}" for n in names)]
    for b in np.unique(blob):
        members = blob == b
        true_set = "{" + ", ".join(map(str, np.flatnonzero(Y[members][0]))) + "}"
        shares = [(predictions[n][members] == Y[members]).all(1).mean() for n in names]
        lines.append(f"{b:>4}  {true_set:<12}" + "".join(f"{s:>20.3f}" for s in shares))
    return "\n".join(lines)


def plot_memberships(X, predictions, path):
    """One row per model, one column per class: points colored by membership."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_classes = next(iter(predictions.values())).shape[1]
    fig, axes = plt.subplots(len(predictions), n_classes, sharex=True, sharey=True,
                             figsize=(3.2 * n_classes, 3.0 * len(predictions)),
                             squeeze=False)
    for row, (name, P) in enumerate(predictions.items()):
        for c in range(n_classes):
            ax = axes[row, c]
            ax.scatter(X[:, 0], X[:, 1], c=P[:, c], cmap="coolwarm", vmin=0, vmax=1,
                       s=8, edgecolors="none")
            ax.set_title(f"{name}: class {c}", fontsize=9)
    fig.suptitle("Predicted membership (red = member) on partially tagged blobs")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sklearn_minmax",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, default=2,
                        help="classes with a blob of their own (blob N is shared "
                             "by classes 0 and 1); 2 is the original post's setup")
    parser.add_argument("--output", default="partial_tags.png",
                        help="where to save the plot")
    args = parser.parse_args(argv)
    X, y, Y, blob = make_partial_tags(n_classes=args.classes, random_state=100)
    predictions = fit_models(X, y, args.classes)
    print("Share of each blob's points whose predicted label set is exactly right")
    print(membership_table(predictions, Y, blob))
    try:
        plot_memberships(X, predictions, args.output)
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
    else:
        print(f"plot saved to {args.output}")


if __name__ == "__main__":
    main()
