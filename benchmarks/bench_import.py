"""Import time of ``sklearn_minmax`` in a fresh interpreter, and TF laziness.

What it measures: wall time of ``python -c "import sklearn_minmax"`` in a
fresh subprocess (median and min of ``--repeats``, default 5), and of
``from sklearn_minmax import MinMaxClassifier`` (the estimator, hence
scikit-learn, is imported on first use), next to the same for a bare
interpreter (``python -c pass``), for
``import sklearn.neural_network`` (what MLPClassifier costs) and for
``import tensorflow`` (what a non-lazy import would add). It also checks, in
a fresh subprocess, that ``import sklearn_minmax`` and
``from sklearn_minmax import MinMaxClassifier`` leave ``tensorflow`` and
``keras`` out of ``sys.modules``; the script exits with status 1 if not.

``--quick``: 3 repeats.

Usage::

    python benchmarks/bench_import.py [--quick] [--repeats R]
"""

import _common

_common.setup()

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

CHECK = """
import json, sys
import sklearn_minmax
from sklearn_minmax import MinMaxClassifier
MinMaxClassifier()  # constructing does not import TF either
mods = [m for m in ("tensorflow", "keras") if m in sys.modules]
print(json.dumps(mods))
"""


def run(code, env):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd="/",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    p = _common.argument_parser(__doc__, quick="3 repeats")
    p.add_argument("--repeats", type=int, default=None)
    args = p.parse_args()
    repeats = args.repeats or (3 if args.quick else 5)
    env = _common.child_env(args.threads)
    _common.header("bench_import: fresh-process import time", args.threads,
                   f"median of {repeats} fresh subprocesses each, interleaved")

    cases = [
        ("python -c pass", "pass"),
        ("import sklearn_minmax", "import sklearn_minmax"),
        ("from sklearn_minmax import MinMaxClassifier",
         "from sklearn_minmax import MinMaxClassifier"),
        ("import sklearn.neural_network", "import sklearn.neural_network"),
        ("import tensorflow", "import tensorflow"),
    ]
    run("import sklearn_minmax, tensorflow", env)  # warm the OS file cache
    times = {name: [] for name, _ in cases}
    for _ in range(repeats):
        for name, code in cases:
            times[name].append(run(code, env))
    med = {k: _common.median(v) for k, v in times.items()}
    base = med["python -c pass"]
    ref = med["import sklearn.neural_network"]
    rows = [[name, _common.fmt_s(med[name]), _common.fmt_s(min(times[name])),
             _common.fmt_s(med[name] - base), _common.fmt_ratio(med[name] / ref)]
            for name, _ in cases]
    _common.table(rows, ["command (python -c ...)", "median", "min",
                         "minus bare python", "ratio vs sklearn.neural_network"])

    out = subprocess.run([sys.executable, "-c", CHECK], env=env, check=True,
                         capture_output=True, text=True, cwd="/")
    leaked = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"tensorflow in sys.modules after import sklearn_minmax: "
          f"{'tensorflow' in leaked}")
    print(f"keras in sys.modules after import sklearn_minmax: {'keras' in leaked}")
    if leaked:
        print(f"FAIL: import sklearn_minmax imported {leaked}")
        sys.exit(1)
    print("OK: TensorFlow is not imported until fit")


if __name__ == "__main__":
    main()
