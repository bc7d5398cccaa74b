"""Many labels: ranking and label sets from 50 to 5,000 classes.

Data: ``make_multilabel_classification(n_labels=3, length=500,
allow_unlabeled=False, random_state=0)``, about 3 labels a row, split 75/25
(``random_state=seed``). Dense settings: 300 count features, standardised
(``StandardScaler`` fitted on the training part). Text-like settings
(``text``): 5,000 sparse count features turned into TF-IDF
(``TfidfTransformer`` fitted on the training part), given sparse to every
model that takes sparse input.

Targets. ``single``: each training row keeps ONE of its true labels, drawn
at random (``sklearn_minmax.datasets.hide_labels``); ``full``: the whole
label sets (a 2-D indicator). Test rows always keep their full label sets.

Models (each fitted in a process of its own, for its peak memory):

* ``ours``: ``MinMaxClassifier(random_state=seed)`` at defaults, on the 1-D
  single tags (``predict_multilabel`` for the label sets) or on the full
  2-D indicator (``predict``);
* ``ours-neg``: the same with ``n_negatives=NEGATIVES``;
* ``ovr-sgd``: ``OneVsRestClassifier(SGDClassifier(loss="log_loss",
  max_iter=10, tol=None))``; with single tags it is "assume negative" (AN):
  trained on the one-hot tag as if it were complete;
* ``mlp``: ``MLPClassifier(random_state=seed)`` at defaults, AN (one-hot tag
  as an indicator) or on the full labels;
* ``em``: the single-positive loss of Zhou et al. 2022 (see
  ``bench_quality.py``) on a network with our encoder's default hidden
  layer (100 ReLU units) and sigmoid outputs; single tags only.

Metrics on the test rows: mAP (macro average precision over the classes
present), P@1, P@5, micro-F1 of the label sets, predicted labels per row
against the true mean, fit time, peak memory of the fitting process (its
maximum resident set, TensorFlow's runtime included for ours and em) after
``fit`` ("fit MB", ours and OvR-SGD; "data MB": before ``fit``, with the data
loaded and the libraries imported) and after the evaluation, which holds
the test scores of every class several times ("peak MB"). For
the AN models, micro-F1 is also given with the single global threshold
tuned on the TEST labels ("F1*"): the best their scores allow, an
optimistic reference. A model that would not finish in reasonable time on
a setting is not run there: MLPClassifier beyond 200 classes, EM and the
full labels beyond 1,000; at 5,000 classes OvR-SGD is fitted on the first
250 of its binary problems and its fit time extrapolated to all classes
(marked "~").

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_many_labels.py [--quick] [--seeds N] [--threads N]

``--quick``: the 50- and 200-class dense settings and the 200-class text
setting with a third of the rows, one seed. ``--settings`` picks settings
by name. Progress goes to stderr, the tables to stdout.
"""

import _common

THREADS = _common.setup()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

# n_negatives of ``ours-neg``
NEGATIVES = 20
# settings: name -> (classes, training rows, text-like)
SETTINGS = {
    "dense-50": (50, 15000, False),
    "dense-200": (200, 22500, False),
    "dense-1000": (1000, 30000, False),
    "dense-5000": (5000, 100000, False),
    "text-200": (200, 15000, True),
    "text-1000": (1000, 30000, True),
}
QUICK = {"dense-50": 5000, "dense-200": 7500, "text-200": 5000}
MODELS = ("ours", "ours-neg", "em", "ovr-sgd", "mlp")
# binary problems OvR-SGD is fitted on beyond this many classes (time extrapolated)
OVR_SUBSET = 250


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data
def make_data(name, n_train, seed, folder):
    """The setting's split, saved to ``folder``; returns the file's path."""
    from sklearn.datasets import make_multilabel_classification
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sklearn_minmax.datasets import hide_labels

    n_classes, _, text = SETTINGS[name]
    X, Y = make_multilabel_classification(
        n_samples=int(round(n_train / 0.75)), n_features=5000 if text else 300,
        n_classes=n_classes, n_labels=3, length=500, allow_unlabeled=False,
        sparse=text, return_indicator="sparse", random_state=0)
    Y = Y.astype(np.int8).toarray()  # a dense int64 one takes 5 GB at 5,000 classes
    X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y, test_size=0.25, random_state=seed)
    scaler = TfidfTransformer() if text else StandardScaler()
    X_tr, X_te = scaler.fit_transform(X_tr), scaler.transform(X_te)
    y = hide_labels(Y_tr, random_state=seed)
    path = os.path.join(folder, f"{name}-{seed}.npz")
    parts = dict(Y_tr=Y_tr, Y_te=Y_te, y=y)
    if text:
        parts.update({f"{k}_{a}": getattr(M.tocsr(), a) for k, M in
                      (("X_tr", X_tr), ("X_te", X_te))
                      for a in ("data", "indices", "indptr")},
                     X_tr_shape=X_tr.shape, X_te_shape=X_te.shape)
    else:
        parts.update(X_tr=X_tr.astype(np.float32), X_te=X_te.astype(np.float32))
    np.savez(path, **parts)
    return path


def load_data(path):
    d = dict(np.load(path))  # int8 indicators: see `indicator`
    for k in ("X_tr", "X_te"):
        if f"{k}_shape" in d:
            d[k] = sp.csr_matrix((d[f"{k}_data"], d[f"{k}_indices"], d[f"{k}_indptr"]),
                                 shape=tuple(d[f"{k}_shape"]))
    return d


# ---------------------------------------------------------------- metrics
def metrics(Y, S, P=None):
    """mAP, P@1, P@5, micro-F1, labels per row (of the sets ``P``)."""
    from sklearn.metrics import average_precision_score, f1_score

    keep = Y.sum(axis=0) > 0
    out = {"mAP": average_precision_score(Y[:, keep], S[:, keep], average="macro")}
    top = np.argsort(-S, axis=1)[:, :5]
    out["P@1"] = float(Y[np.arange(len(Y)), top[:, 0]].mean())
    out["P@5"] = float(np.take_along_axis(Y, top, axis=1).mean())
    if P is not None:
        out["F1"] = f1_score(Y, P, average="micro", zero_division=0.0)
        out["labels"] = float(P.sum(axis=1).mean())
    return out


def tuned_f1(Y, S):
    """micro-F1 of the best single global threshold on the test labels."""
    s, y = S.ravel(), Y.ravel().astype(float)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]
    f1 = 2 * np.cumsum(y) / (np.arange(1, len(s) + 1) + Y.sum())
    i = np.argmax(np.where(last, f1, -1))
    return float(f1[i]), float((i + 1) / Y.shape[0])


def indicator(d, targets, cols=None):
    """The training targets as an int64 indicator (of the columns ``cols``):
    the full labels, or the single tags one-hot (assume negative).
    OneVsRestClassifier of SGDClassifier learns nothing from an int8 one
    (scikit-learn 1.9)."""
    n_classes = d["Y_tr"].shape[1]
    cols = np.arange(n_classes) if cols is None else cols
    if targets == "full":
        return d["Y_tr"][:, cols].astype(np.int64)
    return (d["y"][:, None] == cols).astype(np.int64)


def full_columns(A, classes, n_classes, fill):
    out = np.full((A.shape[0], n_classes), fill, dtype=float)
    out[:, np.asarray(classes, dtype=int)] = A
    return out


# ---------------------------------------------------------------- models
def fit_ours(d, targets, seed, **params):
    from sklearn_minmax import MinMaxClassifier

    y = d["y"] if targets == "single" else d["Y_tr"]
    clf = MinMaxClassifier(random_state=seed, **params)
    base_mb = _peak_mb()
    start = time.perf_counter()
    clf.fit(d["X_tr"], y)
    fit_s = time.perf_counter() - start
    fit_mb = _peak_mb()
    C = d["Y_te"].shape[1]
    S = full_columns(clf.decision_function(d["X_te"]), clf.classes_, C, -1e9)
    P = full_columns(clf.predict_multilabel(d["X_te"]), clf.classes_, C, 0)
    return fit_s, S, P, {"epochs": clf.n_iter_, "fit_mb": fit_mb, "base_mb": base_mb}


def fit_ovr(d, targets, seed):
    from sklearn.linear_model import SGDClassifier
    from sklearn.multiclass import OneVsRestClassifier

    C = d["Y_tr"].shape[1]
    cols = np.arange(C) if C <= 1000 else np.arange(OVR_SUBSET)
    Y = indicator(d, targets, cols)
    est = OneVsRestClassifier(SGDClassifier(loss="log_loss", max_iter=10, tol=None,
                                            random_state=seed))
    start = time.perf_counter()
    est.fit(d["X_tr"], Y)
    fit_s = (time.perf_counter() - start) * C / len(cols)
    if len(cols) < C:
        return fit_s, None, None, {"extrapolated": True, "fit_mb": _peak_mb()}
    # a class without any training tag gets a constant score of 0, above the
    # others' (mostly negative) ones: ranked last instead, as for ours
    absent = Y.sum(axis=0) == 0
    S = np.where(absent, -1e9, est.decision_function(d["X_te"]))
    return fit_s, S, est.predict(d["X_te"]) * ~absent, {"fit_mb": _peak_mb()}


def fit_mlp(d, targets, seed):
    from sklearn.neural_network import MLPClassifier

    Y = indicator(d, targets)
    keep = Y.any(axis=0)  # MLPClassifier needs every column to vary
    est = MLPClassifier(random_state=seed)
    start = time.perf_counter()
    est.fit(d["X_tr"], Y[:, keep])
    fit_s = time.perf_counter() - start
    C = Y.shape[1]
    S = full_columns(est.predict_proba(d["X_te"]), np.flatnonzero(keep), C, 0.0)
    P = full_columns(est.predict(d["X_te"]), np.flatnonzero(keep), C, 0)
    return fit_s, S, P, {}


def fit_em(d, targets, seed):
    from bench_quality import fit_sigmoid_mlp

    X_tr, X_te = d["X_tr"], d["X_te"]
    if sp.issparse(X_tr):
        X_tr, X_te = X_tr.toarray(), X_te.toarray()
    start = time.perf_counter()
    predict = fit_sigmoid_mlp(X_tr, d["y"], d["Y_tr"].shape[1], "em", seed, hidden=100,
                              batch=200)
    fit_s = time.perf_counter() - start
    p = predict(X_te)
    return fit_s, p, (p >= 0.5).astype(int), {}


def _peak_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_model(path, model, targets, seed):
    """Fit one model on one split; returns its metrics (in the child process)."""
    warnings.simplefilter("ignore")
    d = load_data(path)
    if model == "ours":
        fit_s, S, P, extra = fit_ours(d, targets, seed)
    elif model == "ours-neg":
        fit_s, S, P, extra = fit_ours(d, targets, seed, n_negatives=NEGATIVES)
    elif model == "ovr-sgd":
        fit_s, S, P, extra = fit_ovr(d, targets, seed)
    elif model == "mlp":
        fit_s, S, P, extra = fit_mlp(d, targets, seed)
    else:
        fit_s, S, P, extra = fit_em(d, targets, seed)
    out = {"fit_s": fit_s, **extra}
    if S is not None:
        out.update(metrics(d["Y_te"], S, P))
        if model in ("ovr-sgd", "mlp", "em"):
            out["F1*"] = tuned_f1(d["Y_te"], S)[0]
    out["peak_mb"] = _peak_mb()
    return out


def runs(name, quick):
    """The (model, targets) pairs run on a setting: MLPClassifier up to 200
    classes and the full labels up to 1,000 (beyond, they take hours on two
    cores)."""
    n_classes = SETTINGS[name][0]
    out = [("ours", "single"), ("ours-neg", "single"), ("ovr-sgd", "single")]
    if n_classes <= 1000:
        out.append(("em", "single"))
    if n_classes <= 200:
        out.append(("mlp", "single"))
    if n_classes <= 1000:
        out += [("ours", "full"), ("ovr-sgd", "full")]
    if n_classes <= 200 and not quick:
        out.append(("mlp", "full"))
    return out


def child(path, model, targets, seed):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", path, model, targets,
           str(seed), "--threads", str(THREADS)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
    if done.returncode != 0:
        log(done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report
def fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


def report(results, true_counts):
    rows = []
    for (name, targets, model), res in results.items():
        ok = [r for r in res if r is not None]
        if not ok:
            continue

        def mean(key, ok=ok):
            vals = [r[key] for r in ok if key in r]
            return float(np.mean(vals)) if vals else None

        fit = fmt(mean("fit_s"), ".1f") + ("~" if ok[0].get("extrapolated") else "")
        rows.append([name, targets, model, fmt(mean("mAP")), fmt(mean("P@1")),
                     fmt(mean("P@5")), fmt(mean("F1")), fmt(mean("F1*")),
                     fmt(mean("labels"), ".1f"), f"{true_counts[name]:.1f}", fit,
                     fmt(mean("base_mb"), ".0f"), fmt(mean("fit_mb"), ".0f"),
                     fmt(mean("peak_mb"), ".0f")])
    _common.table(rows, ["setting", "targets", "model", "mAP", "P@1", "P@5", "F1",
                         "F1*", "labels", "true", "fit s", "data MB", "fit MB",
                         "peak MB"], ["<", "<", "<"] + [">"] * 11)


def main():
    p = _common.argument_parser(__doc__, "three small settings, one seed")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--settings", nargs="*", default=None, choices=sorted(SETTINGS))
    p.add_argument("--models", nargs="*", default=None, choices=MODELS)
    args = p.parse_args()
    names = args.settings or (list(QUICK) if args.quick else list(SETTINGS))
    _common.header("bench_many_labels: ranking and label sets with many classes",
                   THREADS)
    results, true_counts = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            n_train = QUICK[name] if args.quick and name in QUICK else SETTINGS[name][1]
            for seed in range(args.seeds):
                path = make_data(name, n_train, seed, folder)
                true_counts[name] = float(np.load(path)["Y_te"].sum(axis=1).mean())
                for model, targets in runs(name, args.quick):
                    if args.models and model not in args.models:
                        continue
                    start = time.perf_counter()
                    res = child(path, model, targets, seed)
                    log(f"{name} seed {seed} {targets} {model}: {res} "
                        f"({time.perf_counter() - start:.0f} s)")
                    results.setdefault((name, targets, model), []).append(res)
    print(f"n_negatives of ours-neg: {NEGATIVES}; {args.seeds} seed(s); F1* = micro-F1 "
          "with a global threshold tuned on the test labels; '~' = time "
          f"extrapolated from {OVR_SUBSET} classes")
    report(results, true_counts)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        path, model, targets, seed = sys.argv[2:6]
        print(json.dumps(run_model(path, model, targets, int(seed))))
    else:
        main()
