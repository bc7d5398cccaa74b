"""Shared helpers of the benchmark scripts (not a benchmark itself).

Import this module *before* numpy / scikit-learn / TensorFlow: ``setup()``
fixes the number of threads of BLAS, OpenMP and TensorFlow through
environment variables, which those libraries read only when they load.
"""

import argparse
import contextlib
import importlib
import os
import platform
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _threads_from_argv(argv, default):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default


def setup(default_threads=1):
    """Limit every thread pool to ``--threads`` (default 1) and quiet TF.

    Must run before numpy, scikit-learn and TensorFlow are imported. Returns
    the number of threads.
    """
    n = _threads_from_argv(sys.argv, default_threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.update(dict.fromkeys(THREAD_VARS, str(n)))
    return n


def argument_parser(doc, quick=""):
    """Command line of a benchmark: its docstring's first line as description,
    ``--threads`` (already read by :func:`setup`) and, unless ``quick`` is
    None, ``--quick`` with ``quick`` as its help."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    if quick is not None:
        p.add_argument("--quick", action="store_true", help=quick or None)
    p.add_argument("--threads", type=int, default=1,
                   help="threads of each library (BLAS, OpenMP, TensorFlow); default 1")
    return p


def limit_tf_threads(n):
    """Same limit set through the TF API (call before the first TF op)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # runtime already initialised: env vars apply
        pass


def limit_blas_threads(n):
    from threadpoolctl import threadpool_limits

    return threadpool_limits(n)


def child_env(threads):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.update(dict.fromkeys(THREAD_VARS, str(threads)))
    return env


def minmax_kwargs(**kwargs):
    """Keyword arguments of MinMaxClassifier, minus ones this version lacks.

    Later versions hold out a validation split by default
    (``early_stopping=True``); the benchmarks train on every row for a fixed
    number of epochs, so it is turned off wherever it exists.
    """
    from sklearn_minmax import MinMaxClassifier

    params = MinMaxClassifier().get_params()
    if "early_stopping" in params:
        kwargs.setdefault("early_stopping", False)
    return {k: v for k, v in kwargs.items() if k in params}


def timeit(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def median(xs):
    return statistics.median(xs)


def classification_data(n_train, n_test, n_features=100, n_classes=20):
    """``make_classification`` rows (20 informative features, seed 0) split
    into the first ``n_train`` and the next ``n_test``: ``X, y, X_test,
    y_test``. The data of ``bench_fit.py`` and ``bench_predict.py``."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_train + n_test, n_features=n_features, n_informative=20,
        n_redundant=0, n_classes=n_classes, random_state=0,
    )
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# The stages of MinMaxClassifier.fit and prediction, each by the package
# function that does it, as "module.attribute" under sklearn_minmax. No public
# hook times a stage, so these private functions are wrapped, here only. The
# later names in a tuple are those from before the core was split into
# _base / _targets / _decision / _inference, so that an older checkout can be
# measured against the same stages.
STAGES = {
    "train": ("_mlp_training.train_mlp", "_keras_training.train_keras",  # epochs
              "_training.train_mlp", "_training.train_keras", "_training.train"),
    "merge_duplicates": ("_targets.merge_duplicates", "_classifier.merge_duplicates"),
    "decision_rule": ("_decision.fit_decision_rule",
                      "_classifier.MinMaxClassifier._fit_decision_rule"),
    "fit_share_rule": ("_decision.fit_share_rule",),
    "softmax_scale": ("_decision.fit_softmax_scale",),
    "shares": ("_inference.shares", "_scoring.shares"),
    "scores": ("_inference.scores", "_scoring.scores"),
    "embed": ("_base.BaseMinMax._embed", "_classifier.MinMaxClassifier._embed"),
}


def _owner(path):
    """The object holding ``sklearn_minmax.<path>`` and the attribute's name,
    or None where this version of the package has no such attribute of its
    own (an inherited method is wrapped where it is defined)."""
    *parts, name = path.split(".")
    try:
        owner = importlib.import_module(f"sklearn_minmax.{parts[0]}")
    except ModuleNotFoundError:
        return None
    for part in parts[1:]:
        owner = getattr(owner, part, None)
    if owner is None or name not in vars(owner):
        return None
    return owner, name


@contextlib.contextmanager
def timed_stages(*keys, after=None):
    """Time every call of the :data:`STAGES` ``keys`` while the block runs.

    Yields ``(seconds, calls)``: dicts by stage, of the wall-clock time
    spent in its calls (a stage called inside another counts in both) and
    of their number, in the order the stages first finish. ``after(key)``
    runs at the end of each call. A stage this version of the package lacks
    is not timed. The functions are restored on exit.
    """
    seconds, calls, saved = {}, {}, []

    def timer(orig, key):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return orig(*args, **kwargs)
            finally:
                seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - start
                calls[key] = calls.get(key, 0) + 1
                if after is not None:
                    after(key)

        return timed

    try:
        for key in keys:
            for owner, name in filter(None, map(_owner, STAGES[key])):
                orig = vars(owner)[name]
                saved.append((owner, name, orig))
                setattr(owner, name, timer(orig, key))
        yield seconds, calls
    finally:
        for owner, name, orig in reversed(saved):
            setattr(owner, name, orig)


def package_stamp():
    """Which ``sklearn_minmax`` is measured: path, source hash, git state."""
    import hashlib
    import importlib.util
    import subprocess

    spec = importlib.util.find_spec("sklearn_minmax")
    pkg = os.path.dirname(spec.origin)
    digest = hashlib.sha1()
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            with open(os.path.join(pkg, name), "rb") as f:
                digest.update(name.encode() + f.read())
    git = ""
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--",
                                "sklearn_minmax"], capture_output=True,
                               text=True).stdout.strip()
        git = f"; repo HEAD {head}, working tree sklearn_minmax/ " + (
            "modified" if dirty else "clean")
    except OSError:
        pass
    where = "" if pkg.startswith(REPO) else " [a copy outside this repo]"
    return (f"sklearn_minmax from {pkg}{where} (sources sha1 "
            f"{digest.hexdigest()[:10]}){git}")


def header(title, threads, extra=""):
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"== {title} ==")
    print(package_stamp())
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"threads per library = {threads}, load average at start = "
          f"{', '.join(f'{x:.2f}' for x in load)}")
    if extra:
        print(extra)
    print()


def table(rows, headers, aligns=None):
    """Plain-text table; ``rows`` is a list of lists of str."""
    cols = list(zip(headers, *rows))
    widths = [max(len(str(c)) for c in col) for col in cols]
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)

    def fmt(row):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(row, aligns, widths))

    lines = [fmt(headers), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    print("\n".join(lines))
    print()


def fmt_s(sec):
    if sec is None:
        return "-"
    if sec < 1e-3:
        return f"{sec * 1e6:.1f} us"
    if sec < 1:
        return f"{sec * 1e3:.2f} ms"
    return f"{sec:.3f} s"


def fmt_ratio(r, target=None):
    if r is None:
        return "-"
    s = f"{r:.2f}x" if r < 100 else f"{r:.0f}x"
    if target is not None:
        op, val = target
        ok = r <= val if op == "<=" else r >= val
        s += f" (target {op} {val}: {'met' if ok else 'NOT met'})"
    return s
