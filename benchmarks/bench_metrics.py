"""Single-positive multi-label quality of each metric, on the same data.

``make_single_positive(n_samples=2000, n_features=20, n_classes=5,
n_labels=2)``: training samples keep one random true label, held-out samples
keep all of them. Prints micro-F1 of ``predict_multilabel`` and mean average
precision of ``decision_function`` against the full held-out labels, mean and
spread over seeds, for each metric with otherwise default parameters, and for
an assume-negative one-vs-rest LogisticRegression trained on the same tags.

Usage::

    python benchmarks/bench_metrics.py [--seeds N]

LogisticRegression runs on numpy's OpenBLAS; the documented figures come from
runs with OpenBLAS left to choose its own kernels::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_metrics.py
"""

import argparse
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_single_positive


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    models = {m: (lambda s, m=m: MinMaxClassifier(metric=m, random_state=s))
              for m in ("cosine", "euclidean", "manhattan", "kl")}
    models["one-vs-rest LR (assume negative)"] = (
        lambda s: OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    print(f"{'model':34s} {'micro-F1':>16s} {'mAP':>16s}")
    for name, make in models.items():
        f1s, maps = [], []
        for seed in range(args.seeds):
            X, y, Y = make_single_positive(n_samples=2000, n_features=20, n_classes=5,
                                           n_labels=2, random_state=seed)
            X_tr, X_te, y_tr, _, _, Y_te = train_test_split(X, y, Y, test_size=0.5,
                                                            random_state=seed)
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
            model = make(seed)
            if isinstance(model, MinMaxClassifier):
                model.fit(X_tr, y_tr)
                P = model.predict_multilabel(X_te)
            else:
                model.fit(X_tr, np.eye(5, dtype=int)[y_tr])
                P = model.predict(X_te)
            f1s.append(f1_score(Y_te, P, average="micro"))
            maps.append(average_precision_score(Y_te, model.decision_function(X_te)))
        print(f"{name:34s} {np.mean(f1s):8.3f} +- {np.std(f1s):.3f} "
              f"{np.mean(maps):8.3f} +- {np.std(maps):.3f}")


if __name__ == "__main__":
    main()
