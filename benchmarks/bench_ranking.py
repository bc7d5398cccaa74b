"""Loss and parameter variants of MinMaxClassifier on single-positive tasks.

Measures what changes the ranking (mAP of ``decision_function``), the label
sets (micro-F1 of ``predict_multilabel``) and the number of predicted labels
of ``MinMaxClassifier``, on every single-positive task of
``bench_quality.py`` part A (same data, splits, hidden labels and seeds; the
full-size tasks unless ``--quick``), with ``random_state=seed`` and default
parameters except the variant's. Reported per task, mean over seeds: mAP,
micro-F1 and the mean predicted labels per test sample over the true mean
("count ratio"), with the difference of each variant to the defaults (mean
and worst over tasks).

Variants (``--variants`` selects some by name; default all):

* ``defaults``;
* pulls that replace the cosine pull ``1 - cos`` (``_loss_ops.pull_distance``
  is swapped for this benchmark's process only, before the first fit traces
  the training step): ``hinge m``, ``relu(m - cos)``, which stops pulling
  once the cosine reaches m; ``logit t b``, ``softplus(t (b - cos)) / t``, a
  smooth hinge; ``pow p``, ``(1 - cos)**p`` (p > 1 weakens the pull near the
  class, p < 1 strengthens it);
* ``simplex s``: the push target of class pairs at cosine ``-s / (C - 1)``
  instead of 0 (s = 1: the regular simplex);
* terms added to the min-max loss (``_training.minmax_loss`` wrapped), over
  each sample's untagged classes ``j``, weight ``b`` per sample:
  ``self b``, a pull ``sg(relu(cos_j)) (1 - cos_j)`` toward the classes the
  model already finds close (``sg``: no gradient through the weight; online
  label estimation); ``self-share b``, the same pull, weight 1 where the
  class's share of the sample is at least 0.5; ``neg b``, ``relu(cos_j)**2``
  (weak negatives: every untagged class pushed toward orthogonality);
  ``rank b``, ``relu(max_j cos_j - cos_tag)``: the tag at least as close as
  every untagged class (a tie, as between a sample's labels, costs nothing);
* parameters: ``hidden 256``, ``hidden 512``, ``hidden 256x2``,
  ``components 128``, ``hidden 256 components 128``, ``push 0.25``,
  ``push 1``, ``alpha 0.1``, ``metric kl``.

Each variant runs in a child process (the compiled training step is traced
once per process). ``--quick``: bench_quality's quick tasks. Every library is
limited to ``--threads`` threads (default 1).

Usage::

    python benchmarks/bench_ranking.py [--quick] [--seeds N]
        [--variants "defaults,hinge 0.7"] [--threads N]
"""

import _common

THREADS = _common.setup()

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

VARIANTS = {
    "defaults": {},
    "hinge 0.5": {"pull": ("hinge", 0.5)},
    "hinge 0.7": {"pull": ("hinge", 0.7)},
    "hinge 0.85": {"pull": ("hinge", 0.85)},
    "logit 10 0.5": {"pull": ("logit", 10.0, 0.5)},
    "logit 10 0.7": {"pull": ("logit", 10.0, 0.7)},
    "logit 5 0.5": {"pull": ("logit", 5.0, 0.5)},
    "pow 0.5": {"pull": ("pow", 0.5)},
    "pow 1.5": {"pull": ("pow", 1.5)},
    "pow 2": {"pull": ("pow", 2.0)},
    "simplex 0.5": {"simplex": 0.5},
    "simplex 1": {"simplex": 1.0},
    "self 0.1": {"extra": ("self", 0.1)},
    "self-share 0.1": {"extra": ("self-share", 0.1)},
    "neg 0.03": {"extra": ("neg", 0.03)},
    "neg 0.1": {"extra": ("neg", 0.1)},
    "rank 0.1": {"extra": ("rank", 0.1)},
    "rank 0.3": {"extra": ("rank", 0.3)},
    "hidden 256": {"params": {"hidden_layer_sizes": (256,)}},
    "hidden 512": {"params": {"hidden_layer_sizes": (512,)}},
    "hidden 256x2": {"params": {"hidden_layer_sizes": (256, 256)}},
    "components 128": {"params": {"n_components": 128}},
    "hidden 256 components 128": {"params": {"hidden_layer_sizes": (256,),
                                              "n_components": 128}},
    "push 0.25": {"params": {"push_weight": 0.25}},
    "push 1": {"params": {"push_weight": 1.0}},
    "alpha 0.1": {"params": {"alpha": 0.1}},
    "metric kl": {"params": {"metric": "kl"}},
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ------------------------------------------------------- variants of the loss
def cosine_pull(kind, *a):
    """A replacement of ``_loss_ops.pull_distance`` for the cosine metric."""
    from sklearn_minmax._backend import tf

    def pull(z, e, metric, max_norm=None):
        cos = tf.reduce_sum(z * e, axis=-1)
        if kind == "hinge":
            return tf.nn.relu(a[0] - cos)
        if kind == "logit":
            return tf.nn.softplus(a[0] * (a[1] - cos)) / a[0]
        return tf.pow(tf.maximum(1.0 - cos, 1e-6), a[0])

    return pull


def simplex_push(s):
    """A replacement of ``_loss_ops.push_loss`` (cosine): pairs of classes
    pushed toward cosine ``-s / (C - 1)``."""
    from sklearn_minmax._backend import tf

    def push_loss(e, metric, max_norm=None):
        n = tf.cast(tf.shape(e)[0], e.dtype)
        gram = tf.matmul(e, e, transpose_b=True)
        pen = tf.square(gram + s / tf.maximum(n - 1.0, 1.0))
        off_diag = tf.reduce_sum(pen) - tf.reduce_sum(tf.linalg.diag_part(pen))
        return off_diag / tf.maximum(n * (n - 1.0), 1.0)

    return push_loss


def with_untagged_term(loss_fn, kind, beta):
    """``loss_fn`` (the min-max loss) plus ``beta`` times a mean per-sample
    term over the untagged classes (cosine)."""
    from sklearn_minmax import _loss_ops
    from sklearn_minmax._backend import tf

    def loss(z, tags, class_embeddings, **kwargs):
        out = loss_fn(z, tags, class_embeddings, **kwargs)
        S = tf.matmul(_loss_ops.sample_space(z, "cosine"),
                      _loss_ops.class_space(class_embeddings, "cosine"),
                      transpose_b=True)
        tags = tf.cast(tf.convert_to_tensor(tags), tf.int32)
        if tags.shape.rank == 1:
            tags = tags[:, None]
        untagged = 1.0 - tf.reduce_max(tf.one_hot(tf.maximum(tags, 0), tf.shape(S)[1]),
                                       axis=1)
        if kind == "rank":  # per sample, not per untagged class
            tagged_best = tf.reduce_max(tf.where(untagged > 0, -2.0, S), axis=1)
            untagged_best = tf.reduce_max(tf.where(untagged > 0, S, -2.0), axis=1)
            return out + beta * tf.reduce_mean(tf.nn.relu(untagged_best - tagged_best))
        if kind == "neg":
            term = tf.square(tf.nn.relu(S))
        else:
            if kind == "self":
                w = tf.nn.relu(S)
            else:  # self-share
                w = tf.cast(S >= 0.5 * tf.reduce_max(S, axis=1, keepdims=True), S.dtype)
            term = tf.stop_gradient(w) * (1.0 - S)
        return out + beta * tf.reduce_mean(tf.reduce_sum(untagged * term, axis=1))

    return loss


def apply_variant(spec):
    """Swap the package's loss functions for this process; returns the
    estimator parameters of the variant."""
    from sklearn_minmax import _loss_ops, _mlp_training, _training

    if {"pull", "simplex", "extra"} & spec.keys():
        # the written-out step of the cosine metric would bypass the swapped
        # functions: the variants train on the automatic gradient
        _mlp_training._MLPTrainer.closed_form_metrics = ()
    if "pull" in spec:
        _loss_ops.pull_distance = cosine_pull(*spec["pull"])
    if "simplex" in spec:
        _loss_ops.push_loss = simplex_push(spec["simplex"])
    if "extra" in spec:
        _training.minmax_loss = with_untagged_term(_training.minmax_loss, *spec["extra"])
    return dict(spec.get("params", {}))


# ------------------------------------------------------------------ a child
def run_variant(name, quick, seeds):
    """Every task and seed with one variant: {task: [(f1, ap, ratio), ...]}."""
    import bench_quality as bq
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sklearn_minmax import MinMaxClassifier
    from sklearn_minmax.datasets import hide_labels

    params = apply_variant(VARIANTS[name])
    out = {}
    for task, make in bq.tasks(quick):
        X, Y, _ = make()
        C = Y.shape[1]
        for seed in range(seeds):
            Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.5, random_state=seed)
            sc = StandardScaler().fit(Xtr)
            Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
            y = hide_labels(Ytr, random_state=seed)
            mm = MinMaxClassifier(random_state=seed, **params).fit(Xtr, y)
            P = bq.full_columns(mm.predict_multilabel(Xte), mm.classes_, C, 0)
            S = bq.full_columns(mm.decision_function(Xte), mm.classes_, C, -1e9)
            out.setdefault(task, []).append(
                (bq.micro_f1(Yte, P.astype(int)), bq.macro_ap(Yte, S),
                 P.sum(1).mean() / Yte.sum(1).mean()))
    return out


# ------------------------------------------------------------------ tables
def main():
    p = _common.argument_parser(__doc__, quick="bench_quality's quick tasks")
    p.add_argument("--seeds", type=int, default=3, help="default 3")
    p.add_argument("--variants", default=None,
                   help="comma-separated names (default: all); 'defaults' is always run")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        import warnings

        warnings.filterwarnings("ignore")
        _common.limit_tf_threads(THREADS)
        print(json.dumps(run_variant(args.child, args.quick, args.seeds)))
        return
    names = list(VARIANTS) if args.variants is None else [
        "defaults", *(v.strip() for v in args.variants.split(",") if v.strip() != "defaults")]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        p.error(f"unknown variants {unknown}; known: {list(VARIANTS)}")
    start = time.perf_counter()
    _common.header("bench_ranking: loss and parameter variants on SPML tasks", THREADS,
                   f"seeds = {args.seeds}{', --quick' if args.quick else ''}")
    results = {}
    for name in names:
        t0 = time.perf_counter()
        cmd = [sys.executable, __file__, "--child", name, "--seeds", str(args.seeds),
               "--threads", str(THREADS)] + (["--quick"] if args.quick else [])
        out = subprocess.run(cmd, capture_output=True, text=True,
                             env=_common.child_env(THREADS))
        if out.returncode:
            sys.exit(f"variant {name!r} failed:\n{out.stderr[-3000:]}")
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"{name}: {time.perf_counter() - t0:.1f} s")
    tasks = list(results["defaults"])
    for k, what in ((1, "mAP"), (0, "micro-F1"), (2, "count ratio (predicted / true labels)")):
        base = np.array([np.mean([v[k] for v in results["defaults"][t]]) for t in tasks])
        rows = []
        for name in names:
            m = np.array([np.mean([v[k] for v in results[name][t]]) for t in tasks])
            rows.append([name, *(f"{x:.3f}" for x in m), f"{m.mean():.3f}",
                         f"{(m - base).mean():+.3f}", f"{(m - base).min():+.3f}",
                         f"{(m - base).max():+.3f}"])
        print(f"{what}, mean over {args.seeds} seeds; d = variant - defaults, mean, "
              "worst and best over tasks")
        _common.table(rows, ["variant", *tasks, "mean", "d mean", "d min", "d max"])
    print(f"total runtime: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
