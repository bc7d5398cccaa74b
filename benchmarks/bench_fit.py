"""Fit time of MinMaxClassifier against MLPClassifier and a plain Keras model.

What it measures, all at equal work (same data, same batch size, same number
of epochs, one hidden layer of 100 units):

* ``MinMaxClassifier`` (this package): warm (steady-state) wall time of
  ``fit``, after one warm-up fit on tiny data has imported TensorFlow and
  traced the compiled epoch function; the warm-up itself is timed and
  reported, and so is a *cold* first fit at full size in a fresh subprocess
  (TensorFlow import + tracing + the work). A separate instrumented fit
  splits ``fit`` into training epochs, duplicate merging and the decision
  rule (by wrapping the package's functions for them,
  ``_common.timed_stages``).
* ``sklearn.neural_network.MLPClassifier(solver="adam")``: wall time of
  ``fit`` with ``max_iter`` epochs, ``tol=0`` and ``n_iter_no_change``
  larger than ``max_iter``, so that both estimators run exactly the same
  number of epochs (checked through ``n_iter_``).
* "The original post's way": the same dual encoder built in Keras (Dense
  encoder, ``keras.layers.Embedding`` class table, cosine similarities from
  ``keras.layers.Dot(normalize=True)``), trained by ``Model.fit`` on the MSE
  of cos(sample, its class) to +1 and cos(its class, a random other class) to
  -1. One negative class per example, drawn once before training. Reported
  as the total ``Model.fit`` time (which includes its own tracing) and as a
  steady-state time (median epoch after the first, times the epochs), at the
  same batch size; and at the post's own ``batch_size=1``, timed on the second
  epoch over a 2,000-row slice and scaled to the full data and epochs.

Data: ``make_classification`` with 50,000 training rows x 100 features, 20
classes (plus 10,000 held-out rows for a sanity accuracy), batch_size=200,
10 epochs. ``--quick`` uses 10,000 rows and 3 epochs.

Every library is limited to ``--threads`` threads (default 1) so that the
comparison is fair and reproducible on a shared machine. Repeats of
MinMaxClassifier and MLPClassifier are interleaved; medians are reported.

Usage::

    python benchmarks/bench_fit.py [--quick] [--threads N] [--repeats R]

MLPClassifier runs on numpy's OpenBLAS; the documented figures come from runs
with OpenBLAS left to choose its own kernels::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_fit.py --repeats 5
"""

import _common

THREADS = _common.setup()

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

import sklearn_minmax  # noqa: E402
from sklearn_minmax import MinMaxClassifier  # noqa: E402

N_FEATURES, N_CLASSES, HIDDEN, BATCH = 100, 20, (100,), 200
# the stages of the instrumented fit, as they are printed
STAGES = {"train": "train (epochs)", "merge_duplicates": "merge_duplicates",
          "decision_rule": "fit_decision_rule"}


def parse_args():
    p = _common.argument_parser(__doc__, quick="10,000 rows, 3 epochs")
    p.add_argument("--rows", type=int, default=None, help="training rows")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--keras-epochs", type=int, default=None,
                   help="epochs of the Keras baseline (scaled per epoch if fewer)")
    p.add_argument("--n-components", type=int, default=N_CLASSES,
                   help="embedding size of MinMaxClassifier (default 20 = the "
                        "width of MLPClassifier's output layer)")
    p.add_argument("--no-cold", action="store_true",
                   help="skip the cold first fit in a fresh subprocess")
    a = p.parse_args()
    a.rows = a.rows or (10_000 if a.quick else 50_000)
    a.epochs = a.epochs or (3 if a.quick else 10)
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.keras_epochs = a.keras_epochs or a.epochs
    return a


def make_data(rows):
    """``rows`` training rows and 10,000 held-out ones."""
    return _common.classification_data(rows, 10_000, N_FEATURES, N_CLASSES)


def ours(epochs, n_components, random_state=0):
    return MinMaxClassifier(**_common.minmax_kwargs(
        hidden_layer_sizes=HIDDEN, n_components=n_components, batch_size=BATCH,
        max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
        random_state=random_state,
    ))


def mlp(epochs, random_state=0):
    return MLPClassifier(
        hidden_layer_sizes=HIDDEN, solver="adam", batch_size=BATCH,
        max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
        random_state=random_state,
    )


def timed_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _common.timeit(est.fit, X, y)[0]


def instrumented_fit(est, X, y):
    """Fit with wall-clock timers around the stages of ``fit``."""
    with _common.timed_stages(*STAGES) as (seconds, _):
        total = timed_fit(est, X, y)
    spent = {STAGES[key]: t for key, t in seconds.items()}
    spent["other (validation, init, copies)"] = total - sum(spent.values())
    return total, spent


def keras_original(X, y, epochs, n_components, seed=0, batch_size=None):
    """The original post's dual encoder, trained by ``Model.fit``."""
    import keras

    keras.utils.set_random_seed(seed)
    n_classes = int(y.max()) + 1
    rng = np.random.RandomState(seed)
    neg = (y + rng.randint(1, n_classes, size=len(y))) % n_classes

    x_in = keras.Input((X.shape[1],), name="x")
    c_in = keras.Input((), dtype="int32", name="cls")
    n_in = keras.Input((), dtype="int32", name="neg")
    h = keras.layers.Dense(HIDDEN[0], activation="relu")(x_in)
    z = keras.layers.Dense(n_components)(h)
    table = keras.layers.Embedding(n_classes, n_components)
    e_c, e_n = table(c_in), table(n_in)
    s_pos = keras.layers.Dot(axes=1, normalize=True, name="pos")([z, e_c])
    s_neg = keras.layers.Dot(axes=1, normalize=True, name="neg_sim")([e_c, e_n])
    model = keras.Model([x_in, c_in, n_in], [s_pos, s_neg])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=["mse", "mse"])

    epoch_times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.t0)

    ones = np.ones((len(y), 1), np.float32)
    inputs = [X.astype(np.float32), y.astype(np.int32), neg.astype(np.int32)]
    start = time.perf_counter()
    model.fit(inputs, [ones, -ones], batch_size=batch_size or BATCH, epochs=epochs,
              verbose=0,
              shuffle=True, callbacks=[Timer()])
    total = time.perf_counter() - start
    return total, epoch_times


def cold_fit_subprocess(args):
    """Full-size first fit in a fresh interpreter: TF import + tracing + work."""
    code = f"""
import json, sys, time, warnings
sys.path.insert(0, {_common.REPO + '/benchmarks'!r})
import _common
_common.setup()
import bench_fit as b
X, y, _, _ = b.make_data({args.rows})
t = b.timed_fit(b.ours({args.epochs}, {args.n_components}), X, y)
assert "tensorflow" in sys.modules
print(json.dumps({{"cold_fit": t}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code, "--threads", str(args.threads)],
        capture_output=True, text=True, env=_common.child_env(args.threads),
        check=True, cwd="/",  # not the repo root: import what PYTHONPATH/venv give
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["cold_fit"]


def main():
    args = parse_args()
    _common.limit_blas_threads(args.threads)
    _common.header(
        "bench_fit: MinMaxClassifier.fit vs MLPClassifier(adam) vs Keras Model.fit",
        args.threads,
        f"data: make_classification {args.rows:,} x {N_FEATURES}, {N_CLASSES} "
        f"classes; hidden={HIDDEN}, batch_size={BATCH}, epochs={args.epochs}, "
        f"MinMax n_components={args.n_components}; repeats={args.repeats} "
        f"(medians); sklearn_minmax {sklearn_minmax.__version__}",
    )
    X, y, Xt, yt = make_data(args.rows)

    # 1. warm-up on tiny data: imports TensorFlow (lazily, inside fit) and
    #    traces the epoch function of this architecture.
    assert "tensorflow" not in sys.modules
    t_warmup = timed_fit(ours(2, args.n_components), X[:400], y[:400])
    import tensorflow as tf  # already imported by fit

    # 2. cold full-size first fit in a fresh process
    t_cold = None if args.no_cold else cold_fit_subprocess(args)

    # 3. steady state, interleaved
    t_ours, t_mlp, acc = [], [], {}
    for r in range(args.repeats):
        est = ours(args.epochs, args.n_components, random_state=r)
        t_ours.append(timed_fit(est, X, y))
        assert est.n_iter_ == args.epochs, est.n_iter_
        acc["MinMaxClassifier"] = est.score(Xt, yt)
        ref = mlp(args.epochs, random_state=r)
        t_mlp.append(timed_fit(ref, X, y))
        assert ref.n_iter_ == args.epochs, ref.n_iter_
        acc["MLPClassifier"] = ref.score(Xt, yt)
    total_i, stages = instrumented_fit(ours(args.epochs, args.n_components), X, y)

    # 4. the original post's way
    k_total, k_epochs = keras_original(X, y, args.keras_epochs, args.n_components)
    scale = args.epochs / args.keras_epochs
    k_total_scaled = k_total * scale
    steady = k_epochs[1:] if len(k_epochs) > 1 else k_epochs
    k_steady = float(np.median(steady)) * args.epochs

    # the post itself trains with batch_size=1: timed on a slice, per row
    n_one = min(2000, args.rows)
    one_total, one_epochs = keras_original(X[:n_one], y[:n_one], 2, args.n_components,
                                           batch_size=1)
    k_one = one_epochs[-1] / n_one * args.rows * args.epochs

    ours_w, mlp_w = _common.median(t_ours), _common.median(t_mlp)
    n_batches = -(-args.rows // BATCH)
    rows = [
        ["MinMaxClassifier.fit, warm (steady state)", _common.fmt_s(ours_w),
         _common.fmt_s(ours_w / args.epochs), f"{acc['MinMaxClassifier']:.3f}"],
        ["MLPClassifier(adam).fit", _common.fmt_s(mlp_w),
         _common.fmt_s(mlp_w / args.epochs), f"{acc['MLPClassifier']:.3f}"],
        ["Keras Model.fit, total incl. tracing" + (
            f" (scaled from {args.keras_epochs} ep.)" if scale != 1 else ""),
         _common.fmt_s(k_total_scaled), _common.fmt_s(k_total / args.keras_epochs),
         "-"],
        ["Keras Model.fit, steady (median epoch>1 x epochs)",
         _common.fmt_s(k_steady), _common.fmt_s(k_steady / args.epochs), "-"],
        [f"Keras Model.fit, batch_size=1 as in the post (2nd epoch on {n_one:,} "
         "rows, scaled)", _common.fmt_s(k_one), _common.fmt_s(k_one / args.epochs), "-"],
        ["MinMaxClassifier warm-up fit, 400 rows x 2 ep.",
         _common.fmt_s(t_warmup), "-", "-"],
        ["  (= TF import + tracing + tiny work)", "", "", ""],
        ["MinMaxClassifier first fit, full size, fresh process",
         _common.fmt_s(t_cold), "-", "-"],
        ["  (= TF import + tracing + the work)", "", "", ""],
    ]
    _common.table(rows, ["what", f"time ({args.epochs} epochs)", "per epoch",
                         "held-out acc"])
    print(f"all runs (s): MinMax {[round(t, 3) for t in t_ours]}, "
          f"MLP {[round(t, 3) for t in t_mlp]}, Keras epochs "
          f"{[round(t, 3) for t in k_epochs]}")
    print(f"{n_batches} minibatches per epoch; tensorflow {tf.__version__}\n")

    _common.table(
        [[k, _common.fmt_s(v), f"{100 * v / total_i:.1f}%"] for k, v in stages.items()]
        + [["total (instrumented fit)", _common.fmt_s(total_i), "100%"]],
        ["MinMaxClassifier.fit stage", "time", "share"],
    )
    ratios = [
        ["ours / MLP (warm)", _common.fmt_ratio(ours_w / mlp_w, ("<=", 0.5))],
        ["keras_fit / ours (steady Keras vs warm ours)",
         _common.fmt_ratio(k_steady / ours_w, (">=", 10))],
        ["keras_fit / ours (total Keras incl. tracing vs warm ours)",
         _common.fmt_ratio(k_total_scaled / ours_w, (">=", 10))],
        ["keras_fit batch_size=1 (the post's setting) / ours",
         _common.fmt_ratio(k_one / ours_w, (">=", 10))],
        ["ours first fit (fresh process) / MLP",
         _common.fmt_ratio(t_cold / mlp_w) if t_cold else "-"],
    ]
    _common.table(ratios, ["ratio", "value"], ["<", "<"])


if __name__ == "__main__":
    main()
