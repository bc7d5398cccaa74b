"""Choosing parameters from single tags: what a grid search on the training
tags picks, and how its pick does on the full labels.

What it measures: on the single-positive tasks of ``bench_quality.py`` part
A (same data, same 50/50 splits, ``StandardScaler`` fitted on the training
half, one random true label kept per training sample), a
``GridSearchCV(MinMaxClassifier(random_state=seed), GRID, cv=3)`` on the
training tags alone, scored by

* ``tag_roc_auc_scorer`` (``sklearn_minmax.metrics``): macro ROC AUC of
  ``decision_function``, tagged samples against the others;
* ``accuracy``: ``GridSearchCV``'s default for a classifier, whether the
  best label is the one that happened to be tagged;

from the same cross-validation fits. Every grid point is also fitted on the
whole training half and scored on the test half's FULL label sets: mAP of
``decision_function`` (macro average precision) and micro-F1 of
``predict_multilabel``. Reported per task (mean over seeds): the test mAP
and micro-F1 of the default parameters, of each criterion's pick and of the
best grid point in hindsight (the highest test mAP), and the Spearman
correlation over grid points between each criterion's CV score and the test
mAP.

Usage::

    python benchmarks/bench_model_selection.py [--quick] [--seeds N] [--threads N]

``--quick``: the quick tasks of ``bench_quality.py`` and 2 seeds (default 3).
"""

import _common  # noqa: I001  (first: fixes thread counts before numpy loads)

THREADS = _common.setup()

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from bench_quality import full_columns, log, macro_ap, micro_f1, tasks  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_minmax import MinMaxClassifier  # noqa: E402
from sklearn_minmax.datasets import hide_labels  # noqa: E402
from sklearn_minmax.metrics import tag_roc_auc_scorer  # noqa: E402

GRID = {"hidden_layer_sizes": [(64,), (256,)], "n_components": [None, 128],
        "alpha": [1e-4, 1e-2]}
CRITERIA = {"tag AUC": tag_roc_auc_scorer, "accuracy": "accuracy"}


def test_scores(est, Xte, Yte):
    """(mAP, micro-F1) of a fitted estimator on the full test labels."""
    C = Yte.shape[1]
    S = full_columns(est.decision_function(Xte), est.classes_, C, -1e9)
    P = full_columns(est.predict_multilabel(Xte), est.classes_, C, 0).astype(int)
    return macro_ap(Yte, S), micro_f1(Yte, P)


def run(X, Y, seed):
    Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.5, random_state=seed)
    sc = StandardScaler().fit(Xtr)
    Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    y = hide_labels(Ytr, random_state=seed)
    base = MinMaxClassifier(random_state=seed)
    search = GridSearchCV(base, GRID, scoring=CRITERIA, refit=False, cv=3).fit(Xtr, y)
    cv = {c: search.cv_results_[f"mean_test_{c}"] for c in CRITERIA}
    points = list(search.cv_results_["params"])
    test = np.array([test_scores(clone(base).set_params(**p).fit(Xtr, y), Xte, Yte)
                     for p in points])
    out = {"default": test_scores(clone(base).fit(Xtr, y), Xte, Yte),
           "hindsight": tuple(test[np.argmax(test[:, 0])])}
    for c, s in cv.items():
        out[c] = tuple(test[np.argmax(s)])
        out[f"rho {c}"] = spearmanr(s, test[:, 0]).statistic
    return out


def main():
    p = _common.argument_parser(__doc__, quick="the quick tasks, 2 seeds")
    p.add_argument("--seeds", type=int, default=None, help="default 3 (2 with --quick)")
    args = p.parse_args()
    seeds = args.seeds or (2 if args.quick else 3)
    _common.header("bench_model_selection: parameters chosen from single tags",
                   THREADS, f"seeds = {seeds}; grid {GRID}")
    rows, picks = [], ["default", "tag AUC", "accuracy", "hindsight"]
    for name, make in tasks(args.quick):
        X, Y, _ = make()
        res = []
        for seed in range(seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                res.append(run(X, Y, seed))
            log(f"{name} seed {seed}: " + ", ".join(
                f"{k} mAP {res[-1][k][0]:.3f}" for k in picks))
        mean = {k: np.mean([r[k] for r in res], axis=0) for k in res[0]}
        rows.append([name, *(f"{mean[k][0]:.3f} / {mean[k][1]:.3f}" for k in picks),
                     *(f"{mean[f'rho {c}']:+.2f}" for c in CRITERIA)])
    print("test mAP / micro-F1 on the full labels of the parameters each way picks "
          "(mean over seeds); rho: Spearman correlation over the grid of the CV "
          "score with the test mAP")
    _common.table(rows, ["task", *picks, *(f"rho {c}" for c in CRITERIA)])


if __name__ == "__main__":
    main()
