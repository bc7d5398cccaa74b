"""Resident memory over many consecutive small fits in one process.

A grid search fits the same estimator hundreds of times in one process, with
other hyper-parameters and other folds (other numbers of rows) each time. This
script does the same: ``--n-fits`` (default 200) small fits of
MinMaxClassifier cycling through a grid of hidden layers, learning rates,
metrics and 5 cross-validation folds, and prints the resident set size after
fit 1, 10, 50, 100 and 200, and the growth between them. Memory that keeps
growing after the first few fits (once TensorFlow is imported and every
architecture of the grid has been traced) is a leak: retraced functions,
accumulated graphs or tensors kept alive by a cache.

Resident memory comes from ``/proc/self/statm`` (Linux), or psutil where
installed. Every library is limited to ``--threads`` threads (default 1).
Not a timing benchmark; run it alone::

    python benchmarks/bench_repeated_fits.py [--n-fits N] [--max-iter N] [--sparse]
"""

import _common

_common.setup()

import gc  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

CHECKPOINTS = (1, 10, 50, 100, 200)


def rss_bytes():
    """Resident set size of this process, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        import psutil  # only where /proc is missing

        return psutil.Process().memory_info().rss


def mib(n):
    return n / 2**20


def main(argv=None):
    parser = _common.argument_parser(__doc__, quick=None)
    parser.add_argument("--n-fits", type=int, default=200)
    parser.add_argument("--max-iter", type=int, default=5)
    parser.add_argument("--sparse", action="store_true", help="CSR input")
    args = parser.parse_args(argv)

    import scipy.sparse as sp
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold

    from sklearn_minmax import MinMaxClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = make_classification(n_samples=300, n_features=20, n_informative=8,
                               n_classes=4, random_state=0)
    if args.sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    # every architecture (layers x metric: 4 cached trainers) within the first
    # 6 fits, so that memory after fit 10 is past all one-off tracing
    settings = itertools.product(
        range(len(folds)), [1e-3, 1e-2], ["cosine", "euclidean"],
        [(16,), (32,), (16, 16)],
    )
    grid = [(hidden, lr, metric, fold) for fold, lr, metric, hidden in settings]
    checkpoints = sorted({c for c in CHECKPOINTS if c <= args.n_fits} | {args.n_fits})
    rss = {0: rss_bytes()}
    print(f"python {sys.version.split()[0]}, {args.n_fits} fits of "
          f"{len(grid)} distinct settings, max_iter={args.max_iter}, "
          f"{'sparse' if args.sparse else 'dense'} X {X.shape}")
    print(f"before the first fit: {mib(rss[0]):8.1f} MiB")
    start = time.perf_counter()
    for i in range(1, args.n_fits + 1):
        hidden, lr, metric, fold = grid[(i - 1) % len(grid)]
        train, test = folds[fold]
        clf = MinMaxClassifier(hidden_layer_sizes=hidden, learning_rate=lr,
                               metric=metric, n_components=8, max_iter=args.max_iter,
                               random_state=i)
        clf.fit(X[train], y[train])
        clf.score(X[test], y[test])
        del clf
        if i in checkpoints:
            gc.collect()
            rss[i] = rss_bytes()
            print(f"after fit {i:4d}: {mib(rss[i]):8.1f} MiB "
                  f"({time.perf_counter() - start:6.1f}s elapsed)")
    last = checkpoints[-1]
    first = 10 if 10 in rss and last > 10 else checkpoints[0]
    growth = rss[last] - rss[first]
    per_fit = growth / max(last - first, 1)
    print(f"growth fit {first} -> {last}: {mib(growth):+.1f} MiB "
          f"({per_fit / 1024:+.1f} KiB per fit)")
    for a, b in zip(checkpoints[:-1], checkpoints[1:]):
        print(f"  fit {a:4d} -> {b:4d}: {mib(rss[b] - rss[a]):+.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
