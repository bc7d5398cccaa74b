"""Shared helpers of the benchmark scripts (not a benchmark itself).

Import this module *before* numpy / scikit-learn / TensorFlow: ``setup()``
fixes the number of threads of BLAS, OpenMP and TensorFlow through
environment variables, which those libraries read only when they load.
"""

import os
import platform
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "TF_NUM_INTRAOP_THREADS"):
        os.environ[var] = str(n)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(n)
    return n


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
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env[var] = str(threads)
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
