"""Grid search over small data, each run in a fresh process: the ways a user
can run one with MinMaxClassifier, against MLPClassifier.

What it measures: the wall time of a fresh ``python`` process that runs
``GridSearchCV(make_pipeline(StandardScaler(), est), {hidden_layer_sizes:
[(64,), (128,)], alpha: [1e-4, 1e-3]}, cv=3, n_jobs=n_jobs).fit(X, y)`` on
digits (12 fits and the refit), imports included. TensorFlow's import is paid
once per process, so every worker process of joblib's default (``loky``)
backend pays it again; the variants of MinMaxClassifier are:

- ``n_jobs`` 1 and 2 with joblib's default backend;
- ``n_jobs=2`` inside ``joblib.parallel_backend("threading")``: one process,
  one import, the fits run on threads (TensorFlow releases the GIL);
- each of those with ``TF_NUM_INTRAOP_THREADS=1`` set in the environment
  (one thread per fit instead of one per core).

The ratio is each variant's time over MLPClassifier's best (``n_jobs`` 1 or
2 with the default backend); the best CV accuracy is printed to show every
variant runs the same search. Inside a MinMaxClassifier process the time to
import TensorFlow is printed too.

Usage (numpy at its real speed, the machine's default threading)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_grid_search.py
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
name, n_jobs, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
from contextlib import nullcontext
from joblib import parallel_backend
with warnings.catch_warnings(), (
        parallel_backend(backend) if backend != "default" else nullcontext()):
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
print(json.dumps({"total_s": time.perf_counter() - start,
                  "best_score": search.best_score_, **extra}))
"""


def run(name, n_jobs, backend="default", tf_intra_threads=None):
    env = {k: v for k, v in os.environ.items() if k not in _common.THREAD_VARS}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if tf_intra_threads is not None:
        env["TF_NUM_INTRAOP_THREADS"] = str(tf_intra_threads)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(n_jobs), backend],
                         capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    return {"wall_s": wall, **json.loads(out.stdout.strip().splitlines()[-1])}


# (label, estimator, n_jobs, joblib backend, TF_NUM_INTRAOP_THREADS)
VARIANTS = [
    ("MLPClassifier, n_jobs=1", "MLPClassifier", 1, "default", None),
    ("MLPClassifier, n_jobs=2", "MLPClassifier", 2, "default", None),
    ("ours, n_jobs=1", "MinMaxClassifier", 1, "default", None),
    ("ours, n_jobs=1, TF intra-op 1", "MinMaxClassifier", 1, "default", 1),
    ("ours, n_jobs=2 (loky)", "MinMaxClassifier", 2, "default", None),
    ("ours, n_jobs=2 (loky), TF intra-op 1", "MinMaxClassifier", 2, "default", 1),
    ("ours, n_jobs=2 (threading)", "MinMaxClassifier", 2, "threading", None),
    ("ours, n_jobs=2 (threading), TF intra-op 1", "MinMaxClassifier", 2,
     "threading", 1),
]


def main():
    parser = _common.argument_parser(__doc__, quick="one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    _common.header("bench_grid_search: GridSearchCV on digits, fresh processes",
                   "machine default", f"median of {repeats} runs")
    res = {v[0]: [] for v in VARIANTS}
    for _ in range(repeats):  # interleaved, so that drifts hit all alike
        for label, name, n_jobs, backend, threads in VARIANTS:
            r = run(name, n_jobs, backend, threads)
            res[label].append(r)
            print(f"{label}: {r['wall_s']:.1f} s", flush=True)
    wall = {label: _common.median([r["wall_s"] for r in runs])
            for label, runs in res.items()}
    mlp = min(t for label, t in wall.items() if label.startswith("MLP"))
    rows = []
    for label, runs in res.items():
        imp = [r["import_tf_s"] for r in runs if "import_tf_s" in r]
        rows.append([label, f"{wall[label]:.1f} s", f"{wall[label] / mlp:.2f}x",
                     f"{_common.median(imp):.1f} s" if imp else "",
                     f"{runs[0]['best_score']:.3f}"])
    print()
    _common.table(rows, ["variant", "time", "ratio to MLP's best",
                         "import TF (once)", "best CV acc"])


if __name__ == "__main__":
    main()
