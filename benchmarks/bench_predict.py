"""Prediction latency and throughput of MinMaxClassifier vs MLPClassifier.

What it measures, on models fitted as in ``bench_fit.py`` (make_classification,
100 features, 20 classes, hidden=(100,), batch_size=200; fewer rows and epochs
because prediction cost does not depend on how well the model is trained):

* latency of ONE row (``X[i:i+1]``, a fresh row each call, float64): median
  and 90th percentile over ``--calls`` calls (default 200) after 20 warm-up
  calls, for ``predict``, ``predict_proba``, ``predict_multilabel``,
  ``transform`` and ``decision_function`` of MinMaxClassifier, and
  ``predict`` / ``predict_proba`` of MLPClassifier;
* throughput on 100,000 rows (median of ``--repeats`` calls), rows/second.

Ratios are ours / ``MLPClassifier.predict`` (and ours / ``MLPClassifier.
predict_proba`` for the probability methods), measured in the same process.
Prediction of MinMaxClassifier is numpy only; TensorFlow is used by ``fit``.

``--quick``: 50 calls, 20,000 rows for throughput. Every library is limited
to ``--threads`` threads (default 1).

Usage::

    python benchmarks/bench_predict.py [--quick] [--threads N]

MLPClassifier runs on numpy's OpenBLAS; the documented figures come from runs
with OpenBLAS left to choose its own kernels::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_predict.py
"""

import _common

THREADS = _common.setup()

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from sklearn_minmax import MinMaxClassifier  # noqa: E402

N_FEATURES, N_CLASSES = 100, 20


def parse_args():
    p = _common.argument_parser(__doc__, quick="50 calls, 20,000 rows for throughput")
    p.add_argument("--fit-rows", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--calls", type=int, default=None)
    p.add_argument("--rows", type=int, default=None, help="rows for throughput")
    p.add_argument("--repeats", type=int, default=None)
    a = p.parse_args()
    a.calls = a.calls or (50 if a.quick else 200)
    a.rows = a.rows or (20_000 if a.quick else 100_000)
    a.repeats = a.repeats or (2 if a.quick else 5)
    return a


def latency(fn, X, calls, warmup=20):
    n = len(X)
    for i in range(warmup):
        fn(X[i % n:i % n + 1])
    times = []
    for i in range(calls):
        j = (warmup + i) % n
        row = X[j:j + 1]
        t0 = time.perf_counter()
        fn(row)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.percentile(times, 90))


def throughput(fn, X, repeats):
    fn(X[:1000])
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(X)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    args = parse_args()
    _common.limit_blas_threads(args.threads)
    _common.header(
        "bench_predict: MinMaxClassifier vs MLPClassifier prediction", args.threads,
        f"models fitted on make_classification {args.fit_rows:,} x {N_FEATURES}, "
        f"{N_CLASSES} classes, hidden=(100,), {args.epochs} epochs; MinMax "
        f"n_components={N_CLASSES}; latency: {args.calls} calls of 1 row; "
        f"throughput: {args.rows:,} rows, median of {args.repeats}",
    )
    Xfit, yfit, Xp, _ = _common.classification_data(args.fit_rows, args.rows,
                                                     N_FEATURES, N_CLASSES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MinMaxClassifier(**_common.minmax_kwargs(
            n_components=N_CLASSES, max_iter=args.epochs, random_state=0,
        )).fit(Xfit, yfit)
        ref = MLPClassifier(hidden_layer_sizes=(100,), solver="adam",
                            max_iter=args.epochs, random_state=0).fit(Xfit, yfit)

    methods = [
        ("MLPClassifier.predict", ref.predict, None),
        ("MLPClassifier.predict_proba", ref.predict_proba, None),
        ("MinMaxClassifier.predict", ours.predict, "MLPClassifier.predict"),
        ("MinMaxClassifier.predict_proba", ours.predict_proba,
         "MLPClassifier.predict_proba"),
        ("MinMaxClassifier.predict_multilabel", ours.predict_multilabel,
         "MLPClassifier.predict"),
        ("MinMaxClassifier.transform", ours.transform, "MLPClassifier.predict"),
        ("MinMaxClassifier.decision_function", ours.decision_function,
         "MLPClassifier.predict"),
    ]
    lat, thr = {}, {}
    for name, fn, _ in methods:
        lat[name] = latency(fn, Xp, args.calls)
    for name, fn, _ in methods:
        thr[name] = throughput(fn, Xp, args.repeats)

    rows = []
    for name, _, base in methods:
        med, p90 = lat[name]
        t = thr[name]
        rows.append([
            name, _common.fmt_s(med), _common.fmt_s(p90),
            _common.fmt_ratio(med / lat[base][0]) if base else "1 (ref)",
            _common.fmt_s(t), f"{args.rows / t:,.0f}",
            _common.fmt_ratio(t / thr[base]) if base else "1 (ref)",
            base or "",
        ])
    _common.table(rows, ["method", "1-row median", "1-row p90", "ratio",
                         f"{args.rows:,} rows", "rows/s", "ratio", "ratio vs"])


if __name__ == "__main__":
    main()
