"""Scaling of MinMaxClassifier with the number of classes (sampled negatives).

What it measures, for ``n_negatives=5``, ``n_features=100``,
``n_components=64``, ``hidden_layer_sizes=(100,)``, ``batch_size=200``, as
the number of classes grows (default 100, 10,000, 100,000):

* seconds per epoch of training (``max_iter=--epochs`` epochs, default 2,
  read from the estimator's ``verbose`` output, after a warm-up fit on tiny
  data has traced the compiled epoch function) and seconds per minibatch
  step;
* the rest of ``fit`` split by stage: duplicate merging, the decision rule
  (``fit_decision_rule``; inside it the thresholds (``fit_share_rule``),
  the softmax temperature (``fit_softmax_scale``) and the embedding, scoring
  and shares of subsamples), timed by wrapping those functions of the
  package (``_common.timed_stages``);
* peak resident memory (``ru_maxrss``) of a fresh child process per
  configuration, read by the parent with ``os.wait4``, plus the peak so far
  as seen by the child after the data, after ``fit`` and after prediction;
* ``predict`` of ``--predict-rows`` rows (default 10,000) against all
  classes, and the latency of ``predict`` on one row.

Rows: ``10 x n_classes``, capped by ``--rows`` (default 1,000,000); the rows
actually used are printed. Data: one Gaussian blob per class (random centre,
``N(0, 1)`` per feature, noise 0.3), float32; labels ``arange(rows) %
n_classes``, so every class is present (checked: ``len(classes_)``).

A second sweep (``--fixed-rows``, default 100,000 rows; 0 skips it) trains on
the same number of rows for every class count, so that the per-step cost can
be compared at identical data and only the class table growing (it must be
at least the largest class count: every class gets at least one row).

``--quick``: classes 100 and 10,000 with at most 20,000 rows, 1 epoch,
1,000 predicted rows, fixed-rows sweep over 100, 1,000 and 10,000 classes
with 10,000 rows.

Every library is limited to ``--threads`` threads (default 1).

Usage::

    python benchmarks/bench_classes.py [--quick] [--classes 100,10000,100000]
        [--rows 1000000] [--epochs 2] [--fixed-rows 100000]
        [--fixed-classes 100,1000,10000,30000,100000] [--threads N]
"""

import _common

THREADS = _common.setup()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

N_FEATURES, N_COMPONENTS, HIDDEN, BATCH, N_NEG = 100, 64, (100,), 200, 5


def parse_args():
    p = _common.argument_parser(
        __doc__, quick="2 class counts, 20,000 rows at most, 1 epoch")
    p.add_argument("--classes", default=None)
    p.add_argument("--rows", type=int, default=None, help="cap on training rows")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--predict-rows", type=int, default=None)
    p.add_argument("--fixed-rows", type=int, default=None)
    p.add_argument("--fixed-classes", default=None)
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds before a child configuration is killed")
    p.add_argument("--child", nargs=2, type=int, metavar=("CLASSES", "ROWS"),
                   help=argparse.SUPPRESS)
    p.add_argument("--ops", type=int, help=argparse.SUPPRESS)
    p.add_argument("--no-ops", action="store_true",
                   help="skip section C (per-op cost of the class-table work)")
    a = p.parse_args()
    q = a.quick
    a.classes = [int(c) for c in (a.classes or ("100,10000" if q else
                                                "100,10000,100000")).split(",")]
    a.rows = a.rows or (20_000 if q else 1_000_000)
    a.epochs = a.epochs or (1 if q else 2)
    a.predict_rows = a.predict_rows or (1_000 if q else 10_000)
    if a.fixed_rows is None:
        a.fixed_rows = 10_000 if q else 100_000
    a.fixed_classes = [int(c) for c in (a.fixed_classes or (
        "100,1000,10000" if q else "100,1000,10000,30000,100000")).split(",")]
    return a


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_blobs(n_classes, rows, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((n_classes, N_FEATURES), dtype=np.float32)
    y = np.arange(rows) % n_classes
    rng.shuffle(y)
    X = centers[y]
    for start in range(0, rows, 100_000):  # no float64 temporaries
        block = X[start:start + 100_000]
        block += 0.3 * rng.standard_normal(block.shape, dtype=np.float32)
    return X, y


def child(args):
    """One configuration, in its own process; prints a JSON line."""
    n_classes, rows = args.child
    _common.limit_blas_threads(args.threads)
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_minmax import MinMaxClassifier

    res = {"n_classes": n_classes, "rows": rows}
    if rows < n_classes:
        raise SystemExit(f"rows ({rows}) < classes ({n_classes}): not all present")
    X, y = make_blobs(n_classes, rows)
    res["rss_after_data_mib"] = peak_mib()

    def est(max_iter, verbose=0):
        return MinMaxClassifier(**_common.minmax_kwargs(
            n_components=N_COMPONENTS, hidden_layer_sizes=HIDDEN,
            n_negatives=N_NEG, batch_size=BATCH, max_iter=max_iter, tol=0.0,
            n_iter_no_change=max_iter + 1, random_state=0, verbose=verbose,
        ))

    warnings.simplefilter("ignore", ConvergenceWarning)
    # warm-up: imports TF and traces the sampled-negatives epoch function
    Xw, yw = make_blobs(50, 1000, seed=1)
    res["warmup_s"], _ = _common.timeit(est(1).fit, Xw, yw)
    res["rss_after_warmup_mib"] = peak_mib()

    peaks = {}  # peak RSS so far, at the end of each stage's last call

    def peak_at_end(key):
        peaks[key] = peak_mib()

    with _common.timed_stages(*_common.STAGES, after=peak_at_end) as (spent, calls):
        clf = est(args.epochs, verbose=1)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            res["fit_s"], _ = _common.timeit(clf.fit, X, y)
        assert len(clf.classes_) == n_classes, len(clf.classes_)
        res["epoch_s"] = [float(t) for t in re.findall(r"time = ([0-9.]+)s",
                                                       err.getvalue())]
        res["n_batches"] = -(-rows // BATCH)
        res["stages_s"] = dict(spent)
        res["stage_calls"] = dict(calls)
        res["rss_after_fit_mib"] = peak_mib()
        res["rss_peak_at_end_of_mib"] = dict(peaks)
        spent.clear()
        calls.clear()

        # prediction
        n_pred = args.predict_rows
        Xp = X[np.arange(n_pred) % rows]
        res["predict_s"], pred = _common.timeit(clf.predict, Xp)
        res["predict_rows"] = n_pred
        res["predict_stages_s"] = dict(spent)
        res["train_acc_on_pred_rows"] = float(np.mean(pred == y[np.arange(n_pred) % rows]))
        res["rss_after_predict_mib"] = peak_mib()
        one = []
        for i in range(21):
            t0 = time.perf_counter()
            clf.predict(X[i:i + 1])
            one.append(time.perf_counter() - t0)
        res["predict_1row_s"] = float(np.median(one[1:]))
    print(json.dumps(res), flush=True)


def ops_child(args):
    """Per-op cost of one training step's class-table work, at one class count.

    Times, in compiled TF functions (median of repeated calls, 200-row batch,
    64 dimensions, 5 sampled negatives):
    * ``losses.minmax_loss`` forward + gradient w.r.t. the class table, with
      the gradient returned as produced (``IndexedSlices`` when only gathered
      rows are touched) and densified (``tf.convert_to_tensor``, what a dense
      Adam update of the table needs; the package's ``_MLPTrainer.run_epoch``
      updates only the touched rows, "lazy" Adam);
    * one dense Adam update of an ``(n_classes, 64)`` table (new m, v, p);
    * a gather + ``scatter_sub`` of a step's rows on a ``tf.Variable`` table,
      without and with a ``tf.shape`` of the variable in the same step (a
      dense read, which copies the whole table once the variable has been
      accessed sparsely: copy-on-read);
    * the encoder's forward + backward on the same batch, for scale.
    """
    import numpy as np
    import tensorflow as tf

    from sklearn_minmax import losses

    n_classes = args.ops
    d, b = N_COMPONENTS, BATCH
    rng = np.random.RandomState(0)
    table = tf.constant(rng.standard_normal((n_classes, d)).astype(np.float32))
    z = tf.constant(rng.standard_normal((b, d)).astype(np.float32))
    tags = tf.constant(rng.randint(0, n_classes, (b, 1)).astype(np.int32))
    x = tf.constant(rng.standard_normal((b, N_FEATURES)).astype(np.float32))
    W1 = tf.constant(rng.standard_normal((N_FEATURES, 100)).astype(np.float32) * .1)
    W2 = tf.constant(rng.standard_normal((100, d)).astype(np.float32) * .1)
    seed = tf.constant([1, 2], tf.int32)
    k = tf.constant(N_NEG, tf.int32)

    def grad(dense):
        @tf.function
        def f(table):
            with tf.GradientTape() as tape:
                tape.watch(table)
                loss = losses.minmax_loss(z, tags, table, metric="cosine",
                                          n_negatives=k, seed=seed)
            g = tape.gradient(loss, table)
            if dense:
                return tf.convert_to_tensor(g)
            if isinstance(g, tf.IndexedSlices):
                return g.values, g.indices
            return g
        return f

    @tf.function
    def adam(p, g, m, v):
        b1, b2, eps, step = 0.9, 0.999, 1e-8, 1e-3
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * tf.square(g)
        return p - step * m / (tf.sqrt(v) + eps), m, v

    @tf.function
    def encoder(W1, W2):
        with tf.GradientTape() as tape:
            tape.watch([W1, W2])
            out = tf.matmul(tf.nn.relu(tf.matmul(x, W1)), W2)
            loss = tf.reduce_sum(out * z)
        return tape.gradient(loss, [W1, W2])

    def bench(fn, *a, reps=30):
        fn(*a)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            out = fn(*a)
            tf.nest.map_structure(lambda t: t.numpy().ravel()[:1], out)  # sync
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    # A table held in a tf.Variable and updated sparsely (lazy Adam) is in
    # copy-on-read mode: any dense read of it, even only for tf.shape, copies
    # all of it. Cost of one gather + scatter step, without and with such a
    # read.
    var = tf.Variable(tf.zeros([0, 0]), shape=tf.TensorShape([None, None]))
    var.assign(table)
    rows = tf.constant(rng.randint(0, n_classes, b * (N_NEG + 1)).astype(np.int32))

    def scatter_loop(dense_read):
        @tf.function
        def f(n):
            for _ in tf.range(n):
                g = tf.gather(var, rows) * 1e-6
                if dense_read:
                    k = tf.cast(tf.shape(var)[0], tf.float32)
                    g = g * k / k
                var.scatter_sub(tf.IndexedSlices(g, rows))
            return tf.constant(0.0)
        return f

    def per_iter(fn, n=100):
        fn(tf.constant(2))
        t0 = time.perf_counter()
        fn(tf.constant(n)).numpy()
        return (time.perf_counter() - t0) / n

    zeros = tf.zeros_like(table)
    g_raw = grad(False)(table)
    res = {
        "n_classes": n_classes,
        "grad_kind": type(g_raw).__name__ if not isinstance(g_raw, tuple)
        else "IndexedSlices",
        "loss_grad_raw_s": bench(grad(False), table),
        "loss_grad_dense_s": bench(grad(True), table),
        "adam_dense_s": bench(adam, table, zeros, zeros, zeros),
        "encoder_s": bench(encoder, W1, W2),
        "var_scatter_s": per_iter(scatter_loop(False)),
        "var_scatter_shape_s": per_iter(scatter_loop(True)),
    }
    print(json.dumps(res), flush=True)


def run_child_wait4(args, n_classes, rows):
    """Run one configuration in a fresh process; its peak RSS via ``os.wait4``."""
    import tempfile
    import threading

    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(n_classes),
           str(rows), "--threads", str(args.threads), "--epochs", str(args.epochs),
           "--predict-rows", str(args.predict_rows)]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errfile:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile,
                                text=True, env=_common.child_env(args.threads))
        killer = threading.Timer(args.timeout, proc.kill)
        killer.start()
        out = proc.stdout.read()  # until the child closes stdout (it exits)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        errfile.seek(0)
        errtail = [ln for ln in errfile.read().splitlines()
                   if "absl" not in ln and "oneDNN" not in ln and "cuda" not in ln]
    wall = time.perf_counter() - t0
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        why = "killed (timeout)" if wall >= args.timeout else f"exit {proc.returncode}"
        return {"n_classes": n_classes, "rows": rows,
                "error": f"{why} after {wall:.0f} s, peak RSS {peak:,.0f} MiB; "
                         + " | ".join(errtail[-3:])}
    res["child_wall_s"] = wall
    res["peak_rss_mib"] = peak
    return res


def report(results, title, extrapolate):
    print(title)
    rows = []
    for r in results:
        if "error" in r:
            rows.append([f"{r['n_classes']:,}", f"{r['rows']:,}", "ERROR (below)"]
                        + ["-"] * 9)
            continue
        ep = r["epoch_s"]
        epoch = min(ep) if ep else float("nan")
        step = epoch / r["n_batches"]
        full_rows = 10 * r["n_classes"]
        extra = ""
        if extrapolate and full_rows > r["rows"]:
            extra = f"{step * -(-full_rows // BATCH):.0f} s (extrap.)"
        rows.append([
            f"{r['n_classes']:,}", f"{r['rows']:,}",
            " / ".join(f"{t:.2f}" for t in ep), f"{step * 1e3:.2f} ms",
            extra or "-",
            f"{r['stages_s'].get('decision_rule', 0):.2f}",
            f"{r['fit_s']:.1f}",
            f"{r['peak_rss_mib']:,.0f}",
            f"{r['rss_after_fit_mib']:,.0f}",
            f"{r['predict_s']:.2f} ({r['predict_rows']:,})",
            _common.fmt_s(r["predict_1row_s"]),
            f"{r['warmup_s']:.1f}",
        ])
    _common.table(rows, [
        "classes", "rows used", "epoch s (each)", "s / step",
        "epoch @10xC rows", "dec.rule s", "fit s", "peak RSS MiB",
        "RSS@fit MiB", "predict s (rows)", "predict 1 row", "warm-up s",
    ])
    for r in results:
        if "error" in r:
            print(f"ERROR at {r['n_classes']:,} classes, {r['rows']:,} rows: "
                  f"{r['error']}")
    # stage breakdown
    rows = []
    for r in results:
        if "error" in r:
            continue
        s = r["stages_s"]
        train = s.get("train", 0.0)
        rule = s.get("decision_rule", 0.0)
        wq, sm = s.get("fit_share_rule", 0.0), s.get("softmax_scale", 0.0)
        sc = s.get("scores", 0.0) + s.get("shares", 0.0)
        em = s.get("embed", 0.0)
        rows.append([
            f"{r['n_classes']:,}", f"{r['rows']:,}", f"{r['fit_s']:.2f}",
            f"{train:.2f}", f"{s.get('merge_duplicates', 0):.2f}", f"{rule:.2f}",
            f"{wq:.2f}", f"{sm:.2f}",
            f"{sc + em:.2f}", f"{rule - wq - sm - sc - em:.2f}",
            f"{r['fit_s'] - train - rule - s.get('merge_duplicates', 0):.2f}",
        ])
    _common.table(rows, [
        "classes", "rows", "fit s", "train", "merge_dup", "dec.rule",
        "  thresholds (fit_share_rule)", "  softmax_scale", "  embed+scores+shares",
        "  rest of dec.rule", "other",
    ])


def main():
    args = parse_args()
    if args.child:
        child(args)
        return
    if args.ops:
        _common.limit_blas_threads(args.threads)
        ops_child(args)
        return
    _common.header(
        "bench_classes: MinMaxClassifier scaling with n_classes (n_negatives=5)",
        args.threads,
        f"n_features={N_FEATURES}, n_components={N_COMPONENTS}, hidden={HIDDEN}, "
        f"batch_size={BATCH}, epochs={args.epochs}; rows = min(10 x classes, "
        f"{args.rows:,}); one fresh process per configuration; predict on "
        f"{args.predict_rows:,} rows",
    )
    results = []
    for c in args.classes:
        rows = max(min(10 * c, args.rows), c)  # every class needs a row
        r = run_child_wait4(args, c, rows)
        results.append(r)
        print(f"  done: {c:,} classes, {rows:,} rows "
              f"({r.get('child_wall_s', float('nan')):.0f} s) "
              + (r.get("error", "")), flush=True)
    print()
    report(results, "A. rows = 10 x n_classes (capped):", extrapolate=True)
    if args.fixed_rows:
        fixed = []
        for c in args.fixed_classes:
            r = run_child_wait4(args, c, args.fixed_rows)
            fixed.append(r)
            print(f"  done: {c:,} classes, {args.fixed_rows:,} rows "
                  f"({r.get('child_wall_s', float('nan')):.0f} s) "
                  + (r.get("error", "")), flush=True)
        print()
        report(fixed, f"B. same {args.fixed_rows:,} rows for every class count "
               "(per-step cost vs table size):", extrapolate=False)
        base = next((r for r in fixed if "error" not in r), None)
        if base:
            b_step = min(base["epoch_s"]) / base["n_batches"]
            _common.table(
                [[f"{r['n_classes']:,}",
                  f"{min(r['epoch_s']) / r['n_batches'] * 1e3:.2f} ms",
                  _common.fmt_ratio(min(r["epoch_s"]) / r["n_batches"] / b_step),
                  f"{r['stages_s'].get('decision_rule', 0):.2f} s",
                  _common.fmt_ratio(r["stages_s"].get("decision_rule", 1e-9)
                                    / max(base["stages_s"].get("decision_rule",
                                                               1e-9), 1e-9))]
                 for r in fixed if "error" not in r],
                ["classes", "s / step", f"vs {base['n_classes']:,} classes",
                 "decision rule", f"vs {base['n_classes']:,} classes"],
            )
    if not args.no_ops:
        ops = []
        for c in args.fixed_classes:
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--ops", str(c),
                 "--threads", str(args.threads)], capture_output=True, text=True,
                env=_common.child_env(args.threads))
            try:
                ops.append(json.loads(out.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                print(f"ops child failed at {c:,} classes: {out.stderr[-500:]}")
        if ops:
            print("C. one training step's class-table work, per op (compiled TF, "
                  "200-row batch, 5 negatives):")
            _common.table(
                [[f"{o['n_classes']:,}", o["grad_kind"],
                  _common.fmt_s(o["loss_grad_raw_s"]),
                  _common.fmt_s(o["loss_grad_dense_s"]),
                  _common.fmt_s(o["adam_dense_s"]),
                  _common.fmt_s(o["var_scatter_s"]),
                  _common.fmt_s(o["var_scatter_shape_s"]),
                  _common.fmt_s(o["encoder_s"])]
                 for o in ops],
                ["classes", "table grad type", "minmax_loss fwd+grad",
                 "same, grad densified", "dense Adam, whole table",
                 "Variable gather+scatter", "same + tf.shape(var)",
                 "encoder fwd+bwd (ref)"],
            )
    for r in results:
        r.pop("stage_calls", None)
    print("raw (JSON, A):")
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
