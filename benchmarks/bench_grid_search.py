"""Grid search over small data, each run in a fresh process: MinMaxClassifier
against MLPClassifier.

What it measures: the wall time of a fresh ``python`` process that runs
``GridSearchCV(make_pipeline(StandardScaler(), est), {hidden_layer_sizes:
[(64,), (128,)], alpha: [1e-4, 1e-3]}, cv=3, n_jobs=n_jobs).fit(X, y)`` on
digits, imports included (each worker process of ``n_jobs=2`` pays them as
well), for ``n_jobs`` 1 and 2; the ratio is MinMaxClassifier's time over
MLPClassifier's (target: at most 1.0x), and the best CV accuracy of each.
Inside the MinMaxClassifier process, the time to import TensorFlow and of
the first fit (tracing) are printed too.

Usage (numpy at its real speed, the machine's default threading)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_grid_search.py

``--tf-intra-threads N`` adds a run of MinMaxClassifier with
``TF_NUM_INTRAOP_THREADS=N`` in its process (the setting a user can make for
many small fits), side by side with the others.
"""

import json
import os
import subprocess
import sys
import time

import _common

CHILD = r"""
import json, sys, time, warnings
start = time.perf_counter()
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
name, n_jobs = sys.argv[1], int(sys.argv[2])
extra = {}
if name == "MinMaxClassifier":
    from sklearn_minmax import MinMaxClassifier as Est
    t = time.perf_counter()
    import sklearn_minmax._training  # TensorFlow, as the first fit would
    extra["import_tf_s"] = time.perf_counter() - t
    est = Est(random_state=0)
else:
    from sklearn.neural_network import MLPClassifier as Est
    est = Est(random_state=0)
X, y = load_digits(return_X_y=True)
grid = {"est__hidden_layer_sizes": [(64,), (128,)], "est__alpha": [1e-4, 1e-3]}
pipe = Pipeline([("scale", StandardScaler()), ("est", est)])
search = GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
print(json.dumps({"total_s": time.perf_counter() - start,
                  "best_score": search.best_score_, **extra}))
"""


def run(name, n_jobs, tf_intra_threads=None):
    env = {k: v for k, v in os.environ.items() if k not in _common.THREAD_VARS}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if tf_intra_threads is not None:
        env["TF_NUM_INTRAOP_THREADS"] = str(tf_intra_threads)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(n_jobs)],
                         capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    return {"wall_s": wall, **json.loads(out.stdout.strip().splitlines()[-1])}


def main():
    parser = _common.argument_parser(__doc__, quick="one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tf-intra-threads", type=int, default=None,
                        help="also run ours with TF_NUM_INTRAOP_THREADS set to this")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    _common.header("bench_grid_search: GridSearchCV on digits, fresh processes",
                   "machine default", f"median of {repeats} runs")
    rows = []
    for n_jobs in (1, 2):
        variants = [("MLPClassifier", "MLPClassifier", None),
                    ("MinMaxClassifier", "MinMaxClassifier", None)]
        if args.tf_intra_threads is not None:
            variants.append((f"MinMaxClassifier, TF intra-op {args.tf_intra_threads}",
                             "MinMaxClassifier", args.tf_intra_threads))
        res = {label: [] for label, _, _ in variants}
        for _ in range(repeats):  # interleaved, so that drifts hit all alike
            for label, name, threads in variants:
                res[label].append(run(name, n_jobs, threads))
        for label, runs in res.items():
            print(f"[n_jobs={n_jobs}] {label}: " + ", ".join(
                f"{r['wall_s']:.1f} s" for r in runs), flush=True)
        mlp_runs = res.pop("MLPClassifier")
        mlp = _common.median([r["wall_s"] for r in mlp_runs])
        for label, runs in res.items():
            ours = _common.median([r["wall_s"] for r in runs])
            imp = _common.median([r["import_tf_s"] for r in runs])
            rows.append([str(n_jobs), label, f"{mlp:.1f} s", f"{ours:.1f} s",
                         _common.fmt_ratio(ours / mlp, ("<=", 1.0)), f"{imp:.1f} s",
                         f"{mlp_runs[0]['best_score']:.3f}",
                         f"{runs[0]['best_score']:.3f}"])
    print()
    _common.table(rows, ["n_jobs", "ours", "MLPClassifier", "ours time", "ratio",
                         "import TF (in ours)", "MLP best CV acc", "ours best CV acc"])


if __name__ == "__main__":
    main()
