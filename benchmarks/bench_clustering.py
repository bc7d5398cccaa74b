"""MinMaxClustering side by side with KMeans, GaussianMixture, SpectralClustering, Ward
and HDBSCAN.

Two panels of the same nine data sets, standardised (``StandardScaler``):

* the post's blobs: ``make_separated_blobs`` (10 blobs of 100 points in 2-D,
  centres at least 5 standard deviations apart);
* scikit-learn's clustering-comparison shapes, 500 points each: noisy
  circles (``factor=0.5``), noisy moons, anisotropic blobs (``make_blobs``
  sheared by ``[[0.6, -0.6], [-0.4, 0.8]]``) and blobs of varied variance
  (``cluster_std=[1.0, 2.5, 0.5]``);
* digits, iris, wine and breast_cancer from ``sklearn.datasets``.

``--panel dev`` is the panel the defaults of MinMaxClustering were chosen on:
data seed 0 (the shapes' noise 0.05, as in scikit-learn's comparison) and
model seeds 0 and 1. ``--panel bench`` is the panel that is reported: data
seeds 1, 2 and 3 with more noise (moons 0.08, circles 0.07), each model
seeded with the data seed. The real data sets are the same in both; only
the models' seeds differ.

Tables: NMI (``normalized_mutual_info_score``) per data set, model and seed,
averaged over seeds, and the mean over the panel; accuracy on the post's
blobs after matching clusters to blobs (``linear_sum_assignment``) beside
the Bayes accuracy (QDA fitted with the true blobs, the ceiling of any
clustering); held-out points (fit on 70% of the rows, NMI of ``labels_`` on
them and of ``predict`` on the other 30%) for the models that predict; with
``--large``, 500,000 points of 10 blobs in 10-D (of equal spread, and of
varied spread), fit time, NMI and peak resident memory of a fresh process,
MinMaxClustering against KMeans.

Every model uses its defaults but the number of clusters and the seed
(KMeans with ``n_init=10``; SpectralClustering with
``affinity="nearest_neighbors"``; Ward is ``AgglomerativeClustering``'s
default linkage; HDBSCAN finds the number of clusters itself, with
``min_cluster_size`` at 2% of the rows and at least 5, its noise points
counted as one more cluster). The NMI table gives, for each set, the best
model other than MinMaxClustering and MinMaxClustering's gap to it; the
fit-time table gives each model's mean fit time per set. Threads of every
library: ``--threads`` (default 1).

    python benchmarks/bench_clustering.py --panel dev
    python benchmarks/bench_clustering.py --panel bench --large
"""

import _common

_common.setup()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

MODELS = ("MinMax", "KMeans", "GMM", "Spectral", "Ward", "HDBSCAN")
PREDICTING = ("MinMax", "KMeans", "GMM")
PANELS = {
    "dev": dict(data_seeds=(0,), model_seeds=(0, 1), moons=0.05, circles=0.05),
    "bench": dict(data_seeds=(1, 2, 3), model_seeds=None, moons=0.08, circles=0.07),
}
SHAPE_ROWS = 500
HELD_OUT = 0.3
LARGE = dict(n_samples=500_000, n_features=10, centers=10)
# the large data sets: make_blobs(**LARGE) with these cluster_std
LARGE_STD = {"blobs": 1.0, "varied blobs": tuple(np.linspace(0.5, 2.5, 10).round(2))}


def panel(seed, moons, circles):
    """The nine data sets of one data seed, standardised: ``{name: (X, y)}``."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    from sklearn_minmax.datasets import make_separated_blobs

    n, shear = SHAPE_ROWS, np.array([[0.6, -0.6], [-0.4, 0.8]])
    X_aniso, y_aniso = datasets.make_blobs(n_samples=n, random_state=170 + seed)
    data = {
        "post's blobs": make_separated_blobs(random_state=seed),
        "circles": datasets.make_circles(n_samples=n, factor=0.5, noise=circles,
                                         random_state=seed),
        "moons": datasets.make_moons(n_samples=n, noise=moons, random_state=seed),
        "anisotropic": (X_aniso @ shear, y_aniso),
        "varied": datasets.make_blobs(n_samples=n, cluster_std=[1.0, 2.5, 0.5],
                                      random_state=170 + seed),
    }
    for name in ("digits", "iris", "wine", "breast_cancer"):
        data[name] = getattr(datasets, f"load_{name}")(return_X_y=True)
    return {name: (StandardScaler().fit_transform(X), y) for name, (X, y) in data.items()}


def model(name, k, seed, n_rows=0):
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, SpectralClustering
    from sklearn.mixture import GaussianMixture

    from sklearn_minmax import MinMaxClustering

    return {
        "MinMax": lambda: MinMaxClustering(k, random_state=seed),
        "KMeans": lambda: KMeans(k, n_init=10, random_state=seed),
        "GMM": lambda: GaussianMixture(k, random_state=seed),
        "Spectral": lambda: SpectralClustering(k, affinity="nearest_neighbors",
                                               random_state=seed),
        "Ward": lambda: AgglomerativeClustering(k),
        "HDBSCAN": lambda: HDBSCAN(min_cluster_size=max(5, round(0.02 * n_rows))),
    }[name]()


def matched_accuracy(y, labels):
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import confusion_matrix

    C = confusion_matrix(y, labels)
    rows, cols = linear_sum_assignment(-C)
    return C[rows, cols].sum() / len(y)


def bayes_accuracy(X, y):
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

    return QuadraticDiscriminantAnalysis().fit(X, y).score(X, y)


def held_out(est, X, y, seed):
    """NMI of ``labels_`` on 70% of the rows and of ``predict`` on the rest."""
    from sklearn.metrics import normalized_mutual_info_score as nmi
    from sklearn.model_selection import train_test_split

    X_fit, X_new, y_fit, y_new = train_test_split(X, y, test_size=HELD_OUT,
                                                  random_state=seed)
    est.fit(X_fit)
    # GaussianMixture keeps no labels_
    labels = est.labels_ if hasattr(est, "labels_") else est.predict(X_fit)
    return nmi(y_fit, labels), nmi(y_new, est.predict(X_new))


def run_panel(spec, models, with_held_out):
    """``results[(data set, model)]``: a list of dicts per (data seed, model
    seed), with the NMI, the fit time and, where measured, the accuracy and
    held-out NMIs."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    results = {}
    for data_seed in spec["data_seeds"]:
        data = panel(data_seed, spec["moons"], spec["circles"])
        for name, (X, y) in data.items():
            k = len(np.unique(y))
            for m in models:
                for seed in spec["model_seeds"] or (data_seed,):
                    start = time.perf_counter()
                    labels = model(m, k, seed, len(X)).fit_predict(X)
                    row = dict(nmi=nmi(y, labels), time=time.perf_counter() - start)
                    if name == "post's blobs":
                        row.update(accuracy=matched_accuracy(y, labels),
                                   bayes=bayes_accuracy(X, y))
                    if with_held_out and m in PREDICTING:
                        row["fitted"], row["held_out"] = held_out(
                            model(m, k, seed, len(X)), X, y, seed)
                    results.setdefault((name, m), []).append(row)
                    print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return results


def mean_of(results, name, m, key):
    values = [r[key] for r in results.get((name, m), []) if key in r]
    return np.mean(values) if values else None


def fmt(value, digits=3):
    return "-" if value is None else f"{value:.{digits}f}"


def report(results, models, with_held_out):
    names = list(dict.fromkeys(name for name, _ in results))
    others = [m for m in models if m != "MinMax"]
    rows = []
    for name in [*names, "mean"]:
        nmis = {m: (np.mean([mean_of(results, n, m, "nmi") for n in names])
                    if name == "mean" else mean_of(results, name, m, "nmi"))
                for m in models}
        best = max(others, key=nmis.get)
        rows.append([name] + [fmt(nmis[m]) for m in models]
                    + [best, f"{nmis['MinMax'] - nmis[best]:+.3f}"])
    print("NMI (mean over seeds); gap: MinMax minus the best other model")
    _common.table(rows, ["data set", *models, "best other", "gap"])
    rows = [[name] + [fmt(mean_of(results, name, m, "time"), 2) for m in models]
            for name in names]
    rows.append(["whole panel"] + [
        f"{sum(r['time'] for (n, mm), rs in results.items() if mm == m for r in rs):.1f}"
        for m in models])
    print("Fit time in seconds (mean over seeds; the whole panel: the sum of every fit)")
    _common.table(rows, ["data set", *models])
    print()
    blobs = "post's blobs"
    print("The post's blobs: accuracy after matching clusters to blobs (Bayes: "
          f"{fmt(mean_of(results, blobs, models[0], 'bayes'))}; per seed "
          + ", ".join(fmt(r["bayes"]) for r in results[(blobs, models[0])]) + ")")
    _common.table([[m, fmt(mean_of(results, blobs, m, "accuracy")),
                    " ".join(fmt(r["accuracy"]) for r in results[(blobs, m)])]
                   for m in models], ["model", "mean", "per seed"])
    if with_held_out:
        held = [m for m in models if m in PREDICTING]
        rows = [[name] + [f"{fmt(mean_of(results, name, m, 'fitted'))} / "
                          f"{fmt(mean_of(results, name, m, 'held_out'))}" for m in held]
                for name in names]
        rows.append(["mean"] + [
            f"{fmt(np.mean([mean_of(results, n, m, 'fitted') for n in names]))} / "
            f"{fmt(np.mean([mean_of(results, n, m, 'held_out') for n in names]))}"
            for m in held])
        print(f"Held-out: NMI fitted ({1 - HELD_OUT:.0%} of rows, labels_) / "
              f"held out ({HELD_OUT:.0%}, predict)")
        _common.table(rows, ["data set", *held])


def large_child(name, data):
    """Fit one model on one large data set in this (fresh) process; print JSON."""
    import resource

    from sklearn.datasets import make_blobs
    from sklearn.metrics import normalized_mutual_info_score as nmi

    X, y = make_blobs(**LARGE, cluster_std=LARGE_STD[data], random_state=0)
    X = X.astype(np.float32)
    est = model(name, LARGE["centers"], 0)
    start = time.perf_counter()
    labels = est.fit_predict(X)
    fit = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(dict(model=name, fit_s=fit, nmi=nmi(y, labels), peak_mib=peak)))


def large_rows(threads):
    rows = []
    for data in LARGE_STD:
        for name in ("KMeans", "MinMax"):
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--large-child", name,
                 "--large-data", data, "--threads", str(threads)],
                capture_output=True, text=True, env=_common.child_env(threads))
            if out.returncode:
                rows.append([data, name, "error", "-", out.stderr.strip().splitlines()[-1]])
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append([data, name, f"{r['fit_s']:.1f} s", f"{r['peak_mib']:,.0f} MiB",
                         f"{r['nmi']:.4f}"])
    print(f"Large data: make_blobs({LARGE['n_samples']:,} x {LARGE['n_features']}, "
          f"{LARGE['centers']} centres) in float32, cluster_std 1 (blobs) or "
          f"{LARGE_STD['varied blobs'][0]} to {LARGE_STD['varied blobs'][-1]} (varied "
          "blobs); a fresh process per model, peak resident memory of that process")
    _common.table(rows, ["data", "model", "fit", "peak RSS", "NMI"])


def main(argv=None):
    parser = _common.argument_parser(
        __doc__, quick="dev panel, MinMax and KMeans only, one seed, no held-out rows")
    parser.add_argument("--panel", choices=sorted(PANELS), default="dev")
    parser.add_argument("--large", action="store_true",
                        help="add the rows of 500,000 samples (fresh processes)")
    parser.add_argument("--only-large", action="store_true",
                        help="the rows of 500,000 samples alone")
    parser.add_argument("--large-child", help=argparse.SUPPRESS)
    parser.add_argument("--large-data", default="blobs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.large_child:
        return large_child(args.large_child, args.large_data)
    if args.only_large:
        return large_rows(args.threads)
    _common.limit_tf_threads(args.threads)
    warnings.simplefilter("ignore")  # convergence and connectivity warnings
    spec, models = dict(PANELS[args.panel]), MODELS
    if args.quick:
        spec.update(model_seeds=(0,))
        models = ("MinMax", "KMeans")
    _common.header(f"bench_clustering: {args.panel} panel", args.threads,
                   f"data seeds {spec['data_seeds']}, model seeds "
                   f"{spec['model_seeds'] or 'the data seed'}, moons noise "
                   f"{spec['moons']}, circles noise {spec['circles']}")
    results = run_panel(spec, models, with_held_out=not args.quick)
    report(results, models, with_held_out=not args.quick)
    if args.large:
        large_rows(args.threads)


if __name__ == "__main__":
    main()
