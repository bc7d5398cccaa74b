"""Calibration of predict_proba: cross-validated log loss against
LogisticRegression and MLPClassifier.

What it measures: ``cross_val_score(est, X, y, cv=StratifiedKFold(3,
shuffle=True), scoring="neg_log_loss")`` at default parameters (a
``StandardScaler`` first, except on raw digits), averaged over seeds, for
each of three models side by side on the same folds; for the 2-D indicator
task, the mean over labels of the per-label log loss of held-out rows
(``LogisticRegression`` and ``MLPClassifier`` one-vs-rest via their
multilabel support). The target: MinMaxClassifier at most 1.1x the better
reference on every data set. Also the expected calibration error (ECE, 10
bins of the top probability) of 1-D targets.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_calibration.py
"""

import _common  # noqa: I001  (first: fixes thread counts before numpy loads)

THREADS = _common.setup()

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_minmax import MinMaxClassifier  # noqa: E402


def models(seed, multilabel):
    lr = LogisticRegression(max_iter=2000)
    return {
        "LogisticRegression": OneVsRestClassifier(lr) if multilabel else lr,
        "MLPClassifier": MLPClassifier(random_state=seed),
        "MinMaxClassifier": MinMaxClassifier(random_state=seed),
    }


def datasets():
    X, y = load_digits(return_X_y=True)
    yield "digits, raw pixels", X, y, False
    yield "digits, standardised", X, y, True
    for name, load in (("wine", load_wine), ("iris", load_iris),
                       ("breast_cancer", load_breast_cancer)):
        X, y = load(return_X_y=True)
        yield f"{name}, standardised", X, y, True
    X, Y = make_multilabel_classification(n_samples=1000, n_features=20, n_classes=8,
                                          random_state=0)
    yield "2-D indicator (8 labels)", X, Y, True


def ece(P, y):
    """Expected calibration error of the top class, 10 equal-width bins."""
    conf, hit = P.max(axis=1), (P.argmax(axis=1) == y)
    bins = np.minimum((conf * 10).astype(int), 9)
    return sum(abs(hit[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean()
               for b in range(10) if (bins == b).any())


def cv_scores(est, X, y, scale, seed):
    """Mean held-out log loss (per label for 2-D y) and ECE (1-D y)."""
    multilabel = y.ndim == 2
    cv = (KFold if multilabel else StratifiedKFold)(3, shuffle=True, random_state=seed)
    losses, errors = [], []
    for train, test in cv.split(X, y):
        model = make_pipeline(StandardScaler(), est) if scale else est
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X[train], y[train])
        P = np.clip(model.predict_proba(X[test]), 1e-15, 1 - 1e-15)
        if multilabel:
            losses.append(np.mean([log_loss(y[test][:, j], P[:, j], labels=[0, 1])
                                   for j in range(y.shape[1])]))
        else:
            losses.append(log_loss(y[test], P, labels=np.unique(y)))
            errors.append(ece(P, np.searchsorted(np.unique(y), y[test])))
    return np.mean(losses), (np.mean(errors) if errors else None)


def main():
    parser = _common.argument_parser(__doc__, quick="one seed")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    seeds = range(1 if args.quick else args.seeds)
    _common.header("bench_calibration: cross-validated log loss", THREADS,
                   f"seeds = {len(seeds)}, 3-fold CV")
    rows = []
    for name, X, y, scale in datasets():
        res = {m: [] for m in models(0, y.ndim == 2)}
        for seed in seeds:
            for m, est in models(seed, y.ndim == 2).items():
                res[m].append(cv_scores(est, X, y, scale, seed))
        loss = {m: np.mean([r[0] for r in v]) for m, v in res.items()}
        err = {m: (None if v[0][1] is None else np.mean([r[1] for r in v]))
               for m, v in res.items()}
        best = min(loss["LogisticRegression"], loss["MLPClassifier"])
        ratio = loss["MinMaxClassifier"] / best
        rows.append([name, *(f"{loss[m]:.3f}" for m in loss),
                     f"{ratio:.2f}x", "met" if ratio <= 1.1 else "NOT met",
                     *("-" if err[m] is None else f"{err[m]:.3f}" for m in err)])
        print(f"[{name}] " + ", ".join(f"{m} {loss[m]:.3f}" for m in loss), flush=True)
    print()
    _common.table(rows, ["data", "LR log loss", "MLP log loss", "MinMax log loss",
                         "MinMax / best", "<= 1.1x", "LR ECE", "MLP ECE", "MinMax ECE"])


if __name__ == "__main__":
    main()
