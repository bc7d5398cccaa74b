"""Prediction quality of MinMaxClassifier against assume-negative baselines.

Part A, single-positive multi-label (SPML) learning. Every training sample
keeps ONE of its true labels, drawn at random with
``sklearn_minmax.datasets.hide_labels``; test samples keep all of theirs.
The seed changes the train/test split, the hidden labels and the seeds of
every model (the generated data sets themselves are drawn once, with
``random_state=0``).

Tasks (all split 50/50 into train/test, ``StandardScaler`` fitted on train):

* ``gen C/L``: ``make_multilabel_classification(n_samples=2000,
  n_features=20, n_classes=C, n_labels=L, allow_unlabeled=False)`` for
  (C, L) in (5, 2), (10, 3), (20, 4), (10, 1). With ``allow_unlabeled=False``
  the number of labels is a Poisson(L) draw conditioned on >= 1, so L=1 gives
  ~1.6 labels per sample; the true mean is printed for every task.
* ``digits-attr``: ``load_digits`` (1797 8x8 images, 64 pixel features), each
  image labelled with the attributes of its digit (5 labels, 2.2 per digit on
  average; the digit itself is never a label):

      even      {0, 2, 4, 6, 8}
      prime     {2, 3, 5, 7}
      ge5       {5, 6, 7, 8, 9}
      loop      {0, 4, 6, 8, 9}  (a closed loop in the usual glyph)
      straight  {1, 4, 7}        (made of straight strokes only)

  so digit 4 is {even, loop, straight}, digit 1 only {straight}; every digit
  has at least one attribute, 8 of 10 digits have two or more.
* ``wine-desc``: ``load_wine`` (178 wines, 13 chemical measurements, 3
  cultivars), labelled with its cultivar (one of 3 labels) plus up to 3
  descriptors, each "above the median of the whole data set" of one column:
  ``high_alcohol`` (alcohol), ``deep_color`` (color_intensity) and
  ``high_flavanoids`` (flavanoids). Those 3 columns are removed from the
  features (10 remain), so descriptors must be inferred from the other
  chemistry, with which they co-vary, and from the cultivar (cultivar 0 is
  mostly alcoholic and rich in flavanoids, cultivar 2 deeply coloured and
  poor in flavanoids, cultivar 1 low in alcohol and colour). 6 labels,
  about 2.5 per wine. Small: 89 training wines.
* ``diab-risk``: ``load_diabetes`` (442 patients), labels "above the median"
  of bmi (``high_bmi``), blood pressure (``high_bp``), s5 (log serum
  triglycerides, ``high_s5``) and of the disease progression target
  (``fast_progr``). Features: the other 7 columns (age, sex, s1 total
  cholesterol, s2 LDL, s3 HDL, s4 TC/HDL ratio, s6 blood sugar). Patients
  with none of the 4 labels are dropped (98 of 442; every SPML sample needs
  one tag), leaving 344 with 2.5 labels on average. A noisy task: the
  labels are only weakly predictable from the other measurements.

Models, on each task and seed:

* ``minmax``: ``MinMaxClassifier(random_state=seed)`` with default
  parameters, fitted on the 1-D single tags. micro-F1 from
  ``predict_multilabel``, mAP from ``decision_function``.
* ``lr-an``: assume-negative one-vs-rest ``LogisticRegression(max_iter=1000)``
  on the one-hot single tag (``OneVsRestClassifier``); ``predict`` for F1,
  ``decision_function`` for mAP.
* ``mlp-an``: assume-negative ``MLPClassifier(random_state=seed)`` on the
  one-hot single tag (a multilabel indicator: independent sigmoid outputs);
  ``predict`` for F1, ``predict_proba`` for mAP.
* ``an-ls``: assume-negative with label smoothing (Cole et al. 2021,
  "Multi-label learning from single positive labels", AN-LS): the network
  of ``em`` (below) trained with binary cross-entropy on the one-hot single
  tag smoothed by 0.1, targets 0.95 for the tag and 0.05 for every other
  label; ``p >= 0.5`` for F1, ``p`` for mAP.
* ``em``: a published single-positive loss (Zhou et al. 2022,
  "Acknowledging the unknown for multi-label learning with single positive
  labels"), ``-log p_tag - a * sum over the other labels of H(p_j)`` with
  ``H`` the binary entropy and ``a = 0.1``, averaged over the entries of
  the batch, on a ReLU network of one 256-unit hidden layer with sigmoid
  outputs (Adam, learning rate 1e-3, batch 32, L2 1e-4 on the weights).
  Tuned on the training tags only: 10% of the training rows are held out,
  and the epoch whose held-out tags are ranked best (macro AP of the
  scores against the one-hot tags) is kept, stopping after 20 epochs
  without improvement (at most 200). ``p >= 0.5`` for F1 (the entropy term
  draws unobserved labels toward 0.5, so its label sets are not its
  strength), ``p`` for mAP.
* ``smx-share`` (a reference for the loss, not a target): a softmax
  ``MLPClassifier(random_state=seed, early_stopping=True)`` on the 1-D tags,
  with the package's rule on its probabilities: shares ``p_c / max p``,
  thresholds from ``_decision.fit_share_rule`` on the training rows. A
  softmax fitted to random tags estimates the tag frequencies too, so this
  tells the min-max loss apart from the rule. mAP from ``predict_proba``.
* ``mlp-full``: ``MLPClassifier(random_state=seed)`` on the FULL training
  labels: the upper bound.

mAP = ``average_precision_score(Y_test, scores, average="macro")`` over the
classes present in the test set. "gap closed" (micro-F1) = (minmax - best
assume-negative) / (full - best assume-negative), where the best
assume-negative model is the one of lr-an / mlp-an with the higher mean
micro-F1 on that task; it is reported on the means, and as mean +- std of the
per-seed values. The mAP difference is minmax minus the assume-negative
model with the higher mean mAP, mean +- std over seeds. The assume-negative
models are lr-an, mlp-an and an-ls. "gap closed" (mAP) is the same ratio on
the mAP means, for minmax and for em. "lab/s" is the mean number of
predicted labels per test sample (the true mean is in the task list).

Decision rules, on the SAME fitted MinMaxClassifier (no refit), all computed
from the training data only (the public ``decision_function`` on the
training X and the training tags), except the oracle:

* ``default``: ``predict_multilabel`` (its ``thresholds_``: ``share 0.5``
  then two count-consistency steps, see the class Notes);
* ``share r``: a class is predicted where its share of the sample (its
  closeness over that of the sample's best class; ``cos`` for the default
  cosine) reaches r, without the count steps;
* ``mid tau``: per class c, ``m0_c + tau (m1_c - m0_c)`` where ``m1_c`` is
  the median score of the training samples tagged c and ``m0_c`` the median
  score for c of the samples not tagged c, taken in the space the package's
  indicator-target rule uses (squared-distance units: ``-d**2`` for
  euclidean / manhattan, ``expm1(s/2)`` for kl, the score as is for the
  default cosine);
* ``mid 0.5+count``: ``mid 0.5`` then the package's count-consistency steps
  (``_decision.count_consistent``), the default rule before the shares;
* ``quant q``: per class, the q-th quantile of the own-tag training scores;
* ``cap 1/pmax``, ``cap 1/cos2``: ``default``, each sample limited to its
  ``ceil(k)`` best classes, with ``k`` an estimate of its number of labels
  from its own scores: ``1 / max p`` with ``p`` the ``predict_proba``
  distribution of its tag (tags are drawn uniformly among a sample's ``k``
  labels, so each has probability ``1 / k``), or ``1 / max cos**2`` (the
  cosine of a sample midway between ``k`` orthogonal classes to each is
  ``1 / sqrt(k)``);
* ``oracle-global``: the single global threshold that maximises micro-F1 on
  the test set (reference only: it looks at the test labels).

Part B, ordinary multiclass: 5-fold stratified cross-validated accuracy
(``StratifiedKFold(5, shuffle=True, random_state=0)``) on iris, wine,
breast_cancer and digits of ``make_pipeline(StandardScaler(), model)`` for
``MinMaxClassifier(random_state=seed)`` (defaults), ``LogisticRegression(
max_iter=1000)`` and ``MLPClassifier(random_state=seed, max_iter=1000)``;
the two seeded models are run with every seed and their mean reported (on
150 iris samples one sample is 0.67 points, so a single seed moves the
comparison by a point either way); the difference of MinMaxClassifier to
the better of the two others (target: within 1 point).

Part B2, many classes (skipped with ``--quick``): held-out accuracy on
``make_classification(n_samples=10000, n_features=50, n_informative=20,
n_classes=C, n_clusters_per_class=1, random_state=0)`` for C = 20 and 50,
75/25 split per seed (the seed also seeds the models), ``StandardScaler``
fitted on the training part, for the same three models (logistic regression
with ``max_iter=2000``). Small real data sets have few classes; this is
where the balance of pull and push shows (``push_weight``).

``--quick``: 2 seeds, 1000 generated samples, tasks gen 5/2, gen 10/3,
digits-attr and wine-desc; part B on iris and wine only. Every library is
limited to ``--threads`` threads (default 1). Progress goes to stderr, the
tables to stdout.

Usage::

    python benchmarks/bench_quality.py [--quick] [--seeds N] [--threads N]

LogisticRegression and MLPClassifier run on numpy's OpenBLAS; the documented
figures come from runs with OpenBLAS left to choose its own kernels::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_quality.py
"""

import _common

THREADS = _common.setup()

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_multilabel_classification,
)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
)
from sklearn.model_selection import (  # noqa: E402
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_minmax import MinMaxClassifier, _decision  # noqa: E402
from sklearn_minmax._metric_registry import METRICS  # noqa: E402
from sklearn_minmax.datasets import hide_labels  # noqa: E402

MODELS = ("minmax", "lr-an", "mlp-an", "an-ls", "em", "smx-share", "mlp-full")
# The models that take every missing tag as a negative.
ASSUME_NEGATIVE = ("lr-an", "mlp-an", "an-ls")
# Label smoothing of an-ls and entropy weight of em (the published settings).
SMOOTHING, EM_ALPHA = 0.1, 0.1
TAUS = (0.2, 0.3, 0.4, 0.5, 0.6)
SHARES = (0.4, 0.5, 0.6, 0.7)
QUANTILES = (0.05, 0.1, 0.2, 0.3)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data sets
def task_generated(n_classes, n_labels, n_samples):
    X, Y = make_multilabel_classification(
        n_samples=n_samples, n_features=20, n_classes=n_classes, n_labels=n_labels,
        allow_unlabeled=False, random_state=0)
    return X, Y, [f"c{i}" for i in range(n_classes)]


DIGIT_ATTRIBUTES = {
    "even": {0, 2, 4, 6, 8},
    "prime": {2, 3, 5, 7},
    "ge5": {5, 6, 7, 8, 9},
    "loop": {0, 4, 6, 8, 9},
    "straight": {1, 4, 7},
}


def task_digits():
    d = load_digits()
    Y = np.array([[int(t in s) for s in DIGIT_ATTRIBUTES.values()] for t in d.target])
    return d.data, Y, list(DIGIT_ATTRIBUTES)


def task_wine():
    d = load_wine()
    names = list(d.feature_names)
    desc = {"high_alcohol": "alcohol", "deep_color": "color_intensity",
            "high_flavanoids": "flavanoids"}
    cols = [names.index(c) for c in desc.values()]
    high = (d.data[:, cols] > np.median(d.data[:, cols], axis=0)).astype(int)
    Y = np.hstack([np.eye(3, dtype=int)[d.target], high])
    X = np.delete(d.data, cols, axis=1)
    return X, Y, ["cult0", "cult1", "cult2", *desc]


def task_diabetes():
    d = load_diabetes()
    names = list(d.feature_names)
    cols = [names.index(c) for c in ("bmi", "bp", "s5")]
    V = np.column_stack([d.data[:, cols], d.target])
    Y = (V > np.median(V, axis=0)).astype(int)
    X = np.delete(d.data, cols, axis=1)
    keep = Y.sum(axis=1) > 0
    return X[keep], Y[keep], ["high_bmi", "high_bp", "high_s5", "fast_progr"]


def tasks(quick):
    n = 1000 if quick else 2000
    gen = [(5, 2), (10, 3)] if quick else [(5, 2), (10, 3), (20, 4), (10, 1)]
    out = [(f"gen {c}/{lab}", lambda c=c, lab=lab: task_generated(c, lab, n))
           for c, lab in gen]
    out += [("digits-attr", task_digits), ("wine-desc", task_wine)]
    if not quick:
        out.append(("diab-risk", task_diabetes))
    return out


# ---------------------------------------------------------------- helpers
def full_columns(S, classes, n_classes, fill):
    """Scores over classes_ (tagged classes only) as all n_classes columns."""
    out = np.full((S.shape[0], n_classes), fill, dtype=float)
    out[:, np.asarray(classes, dtype=int)] = S
    return out


def micro_f1(Y, P):
    return f1_score(Y, P, average="micro", zero_division=0.0)


def scores_of(Y, P, ap):
    """(micro-F1, mAP, predicted labels/sample, micro precision, micro recall)."""
    return (micro_f1(Y, P), ap, P.sum(1).mean(),
            precision_score(Y, P, average="micro", zero_division=0.0),
            recall_score(Y, P, average="micro", zero_division=0.0))


def macro_ap(Y, S):
    keep = Y.sum(axis=0) > 0
    return average_precision_score(Y[:, keep], S[:, keep], average="macro")


def oracle_global_f1(Y, S):
    """Best micro-F1 of any single threshold on all (sample, class) scores."""
    s, y = S.ravel(), Y.ravel().astype(float)
    finite = np.isfinite(s)
    s, y = s[finite], y[finite]
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    tp = np.cumsum(y)
    k = np.arange(1, len(s) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = 2 * tp / (k + Y.sum())
    i = np.argmax(np.where(last, f1, -1))
    return f1[i], (k[i]) / Y.shape[0]


def top_k(S, k):
    """Indicator of each row's ``k[row]`` best columns."""
    rank = np.argsort(np.argsort(-S, axis=1, kind="stable"), axis=1)
    return rank < np.asarray(k)[:, None]


def oracle_topk_f1(Y, S):
    """micro-F1 of each sample's k best classes, k = its true label count."""
    P = top_k(S, Y.sum(axis=1)).astype(int)
    return micro_f1(Y, P), P.sum(1).mean()


def fit_sigmoid_mlp(X, y, n_classes, loss, seed, hidden=256, batch=32, max_epochs=200,
                    patience=20, held_out=0.1, lr=1e-3, l2=1e-4):
    """Sigmoid-output MLP on the single tags ``y``, loss ``"em"`` or ``"ls"``
    (see the ``em`` and ``an-ls`` models in the module docstring); returns a
    function from rows to the probabilities of every label."""
    import tensorflow as tf

    rng = np.random.RandomState(seed)
    perm = rng.permutation(len(y))
    n_val = max(1, int(round(held_out * len(y))))
    val, fit = perm[:n_val], perm[n_val:]
    T = np.eye(n_classes, dtype=np.float32)[y]
    Xf = tf.constant(X[fit], tf.float32)
    Tf = tf.constant(T[fit])
    tf_seed = int(rng.randint(2**31 - 1))
    init = tf.keras.initializers.GlorotUniform
    W1 = tf.Variable(init(seed=tf_seed)((X.shape[1], hidden)))
    b1 = tf.Variable(tf.zeros(hidden))
    W2 = tf.Variable(init(seed=tf_seed + 1)((hidden, n_classes)))
    b2 = tf.Variable(tf.zeros(n_classes))
    params = [W1, b1, W2, b2]
    opt = tf.keras.optimizers.Adam(lr)

    def logits(x):
        return tf.matmul(tf.nn.relu(tf.matmul(x, W1) + b1), W2) + b2

    @tf.function
    def step(idx):
        x, t = tf.gather(Xf, idx), tf.gather(Tf, idx)
        with tf.GradientTape() as tape:
            z = logits(x)
            if loss == "em":
                # -log p on the tag, -a H(p) elsewhere; log p = -softplus(-z)
                log_p, log_q = -tf.nn.softplus(-z), -tf.nn.softplus(z)
                entropy = -(tf.sigmoid(z) * log_p + tf.sigmoid(-z) * log_q)
                per_entry = t * -log_p - EM_ALPHA * (1.0 - t) * entropy
            else:
                target = t * (1.0 - SMOOTHING) + 0.5 * SMOOTHING
                per_entry = tf.nn.sigmoid_cross_entropy_with_logits(target, z)
            objective = (tf.reduce_mean(per_entry)
                         + l2 * 0.5 * (tf.reduce_sum(W1**2) + tf.reduce_sum(W2**2)))
        opt.apply_gradients(zip(tape.gradient(objective, params), params))

    def predict(A, weights=None):
        w = [p.numpy() for p in params] if weights is None else weights
        return expit(np.maximum(A @ w[0] + w[1], 0) @ w[2] + w[3])

    best, best_w, stall = -np.inf, None, 0
    for _ in range(max_epochs):
        order = rng.permutation(len(fit))
        for start in range(0, len(fit), batch):
            step(tf.constant(order[start:start + batch], tf.int32))
        score = macro_ap(T[val], predict(X[val]))
        if score > best:
            best, best_w, stall = score, [p.numpy() for p in params], 0
        else:
            stall += 1
            if stall >= patience:
                break
    return lambda A: predict(A, best_w)


def thresholds_mid(R, y, tau):
    C = R.shape[1]
    t = np.full(C, np.inf)
    for c in range(C):
        own, other = R[y == c, c], R[y != c, c]
        own, other = own[np.isfinite(own)], other[np.isfinite(other)]
        if len(own) and len(other):
            m1, m0 = np.median(own), np.median(other)
            t[c] = m0 + tau * (m1 - m0)
    return t


def shares_of(clf, X):
    """Each class's share of each sample (what the default rule thresholds):
    the scores ``predict_multilabel`` compares with ``thresholds_``."""
    return np.vstack([S for _, S in clf._score_chunks(X, share=True)])


def thresholds_quantile(R, y, q):
    C = R.shape[1]
    t = np.full(C, np.inf)
    for c in range(C):
        own = R[y == c, c]
        own = own[np.isfinite(own)]
        if len(own):
            t[c] = np.quantile(own, q)
    return t


def mean_std(xs, fmt="{:.3f}"):
    xs = np.asarray(xs, dtype=float)
    return fmt.format(xs.mean()) + " +- " + fmt.replace("+", "").format(xs.std())


# ---------------------------------------------------------------- part A
def run_task(X, Y, seed):
    """Every model and rule on one split; returns {name: (f1, ap, card)}."""
    C = Y.shape[1]
    Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.5, random_state=seed)
    sc = StandardScaler().fit(Xtr)
    Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    y = hide_labels(Ytr, random_state=seed)
    onehot = np.eye(C, dtype=int)[y]
    res, rules, info = {}, {}, {}

    t0 = time.perf_counter()
    mm = MinMaxClassifier(random_state=seed).fit(Xtr, y)
    info["fit_s"] = time.perf_counter() - t0
    info["epochs"] = mm.n_iter_
    cls = mm.classes_
    P = full_columns(mm.predict_multilabel(Xte), cls, C, 0).astype(int)
    S_te = full_columns(mm.decision_function(Xte), cls, C, -np.inf)
    S_tr = full_columns(mm.decision_function(Xtr), cls, C, -np.inf)
    res["minmax"] = scores_of(Yte, P, macro_ap(Yte, np.nan_to_num(S_te, neginf=-1e9)))

    lr = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(Xtr, onehot)
    P = lr.predict(Xte)
    res["lr-an"] = scores_of(Yte, P, macro_ap(Yte, lr.decision_function(Xte)))

    mlp = MLPClassifier(random_state=seed).fit(Xtr, onehot)
    P = mlp.predict(Xte)
    res["mlp-an"] = scores_of(Yte, P, macro_ap(Yte, mlp.predict_proba(Xte)))

    for name, loss in (("an-ls", "ls"), ("em", "em")):
        p_te = fit_sigmoid_mlp(Xtr, y, C, loss, seed)(Xte)
        res[name] = scores_of(Yte, (p_te >= 0.5).astype(int), macro_ap(Yte, p_te))

    smx = MLPClassifier(random_state=seed, early_stopping=True).fit(Xtr, y)
    p_tr, p_te = (full_columns(smx.predict_proba(A), smx.classes_, C, 0.0)
                  for A in (Xtr, Xte))
    t = _decision.fit_share_rule(p_tr / p_tr.max(1, keepdims=True), np.ones(len(y)),
                                 np.eye(C, dtype=bool)[y])
    P = (p_te / p_te.max(1, keepdims=True) >= t).astype(int)
    res["smx-share"] = scores_of(Yte, P, macro_ap(Yte, p_te))

    full = MLPClassifier(random_state=seed).fit(Xtr, Ytr)
    P = full.predict(Xte)
    res["mlp-full"] = scores_of(Yte, P, macro_ap(Yte, full.predict_proba(Xte)))

    # decision rules on the same fitted MinMaxClassifier
    R_tr, R_te = (METRICS[mm.metric].rule_space(S) for S in (S_tr, S_te))
    P = full_columns(mm.predict_multilabel(Xte), cls, C, 0).astype(int)
    rules["default"] = (micro_f1(Yte, P), P.sum(1).mean())
    sh_te = full_columns(shares_of(mm, Xte), cls, C, -np.inf)
    for r in SHARES:
        P = (sh_te >= r).astype(int)
        rules[f"share {r}"] = (micro_f1(Yte, P), P.sum(1).mean())
    for tau in TAUS:
        P = (R_te >= thresholds_mid(R_tr, y, tau)).astype(int)
        rules[f"mid {tau}"] = (micro_f1(Yte, P), P.sum(1).mean())
    tagged = np.eye(C, dtype=bool)[y]
    t = _decision.count_consistent(np.nan_to_num(R_tr, neginf=-1e9), np.ones(len(y)),
                                   tagged, thresholds_mid(R_tr, y, 0.5))
    P = (R_te >= t).astype(int)
    rules["mid 0.5+count"] = (micro_f1(Yte, P), P.sum(1).mean())
    for q in QUANTILES:
        P = (R_te >= thresholds_quantile(R_tr, y, q)).astype(int)
        rules[f"quant {q}"] = (micro_f1(Yte, P), P.sum(1).mean())
    P_def = full_columns(mm.predict_multilabel(Xte), cls, C, 0).astype(bool)
    p_te = full_columns(mm.predict_proba(Xte), cls, C, 0.0)
    top = np.nan_to_num(S_te, neginf=-1e9).max(axis=1)
    for name, k in (("cap 1/pmax", 1 / p_te.max(axis=1)),
                    ("cap 1/cos2", 1 / np.maximum(top, 0.05) ** 2)):
        P = (P_def & top_k(S_te, np.ceil(k - 1e-9))).astype(int)
        rules[name] = (micro_f1(Yte, P), P.sum(1).mean())
    rules["oracle-global"] = oracle_global_f1(Yte, R_te)
    rules["oracle-topk"] = oracle_topk_f1(Yte, R_te)
    return res, rules, info


def part_a(args):
    summary = []
    all_rules = {}
    for name, make in tasks(args.quick):
        X, Y, labels = make()
        per_seed = {m: [] for m in MODELS}
        rules = {}
        infos = []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            res, rr, info = run_task(X, Y, seed)
            for m in MODELS:
                per_seed[m].append(res[m])
            for r, v in rr.items():
                rules.setdefault(r, []).append(v)
            infos.append(info)
            log(f"[A] {name} seed {seed}: "
                + ", ".join(f"{m} F1 {res[m][0]:.3f} mAP {res[m][1]:.3f}"
                            for m in MODELS)
                + f" ({time.perf_counter() - t0:.1f} s)")
        summary.append((name, X, Y, labels, per_seed, infos))
        all_rules[name] = rules

    # task list
    rows = []
    for name, X, Y, labels, _, infos in summary:
        rows.append([name, str(X.shape[0]), str(X.shape[1]), str(Y.shape[1]),
                     f"{Y.sum(1).mean():.2f}", f"{(Y.sum(1) >= 2).mean():.2f}",
                     f"{micro_f1(Y, np.ones_like(Y)):.3f}",
                     f"{np.mean([i['epochs'] for i in infos]):.0f}",
                     f"{np.mean([i['fit_s'] for i in infos]):.2f}",
                     ",".join(labels) if len(labels) <= 6
                     else f"{labels[0]}..{labels[-1]}"])
    print("A0. SPML tasks (over the whole data set: true labels/sample, share of "
          "samples with >= 2 labels, micro-F1 of the trivial 'every label' "
          "prediction; minmax epochs and fit seconds, mean over seeds)")
    _common.table(rows, ["task", "n", "feat", "labels", "lab/s", ">=2", "F1 all-on",
                         "mm ep", "mm fit s", "label names"],
                  ["<", ">", ">", ">", ">", ">", ">", ">", ">", "<"])

    # micro-F1 / mAP per model
    for k, metric in ((0, "micro-F1"), (1, "mAP (macro AP over test-present classes)")):
        rows = []
        for name, _, _, _, per_seed, _ in summary:
            rows.append([name]
                        + [mean_std([v[k] for v in per_seed[m]]) for m in MODELS])
        print(f"A{k + 1}. {metric}, mean +- std over {args.seeds} seeds")
        _common.table(rows, ["task", *MODELS])

    # predicted labels per sample
    rows = []
    for name, _, Y, _, per_seed, _ in summary:
        rows.append([name, f"{Y.sum(1).mean():.2f}"]
                    + [f"{np.mean([v[2] for v in per_seed[m]]):.2f}" for m in MODELS])
    print("A3. Mean number of predicted labels per test sample "
          "(true = whole-data mean)")
    _common.table(rows, ["task", "true", *MODELS])

    rows = []
    for name, _, _, _, per_seed, _ in summary:
        rows.append([name] + [f"{np.mean([v[k] for v in per_seed[m]]):.3f}"
                              for m in MODELS for k in (3, 4)])
    print("A3b. Micro precision / recall, mean over seeds")
    _common.table(rows, ["task"] + [f"{m} {w}" for m in MODELS for w in ("P", "R")])

    # targets
    rows = []
    for name, _, _, _, per_seed, _ in summary:
        f1 = {m: np.array([v[0] for v in per_seed[m]]) for m in MODELS}
        ap = {m: np.array([v[1] for v in per_seed[m]]) for m in MODELS}
        bf = max(ASSUME_NEGATIVE, key=lambda m: f1[m].mean())
        ba = max(ASSUME_NEGATIVE, key=lambda m: ap[m].mean())
        den = f1["mlp-full"].mean() - f1[bf].mean()
        gap = (f1["minmax"].mean() - f1[bf].mean()) / den
        with np.errstate(divide="ignore", invalid="ignore"):
            gaps = (f1["minmax"] - f1[bf]) / (f1["mlp-full"] - f1[bf])
        dap = ap["minmax"] - ap[ba]
        rows.append([name, bf, f"{gap:.3f}", mean_std(gaps),
                     "met" if gap >= 0.9 else "NOT met", ba, mean_std(dap, "{:+.3f}"),
                     "met" if dap.mean() >= 0 else "NOT met"])
    print("A4. Targets: gap closed on micro-F1 >= 0.9 (on the means; per-seed mean +- "
          "std beside it), mAP minmax - best assume-negative >= 0")
    _common.table(rows, ["task", "best AN F1", "gap closed", "per seed", "F1 target",
                         "best AN mAP", "d mAP", "mAP target"],
                  ["<", "<", ">", ">", "<", "<", ">", "<"])

    # ranking against the single-positive references
    rows = []
    for name, _, Y, _, per_seed, _ in summary:
        ap = {m: np.mean([v[1] for v in per_seed[m]]) for m in MODELS}
        count = {m: np.mean([v[2] for v in per_seed[m]]) for m in MODELS}
        ba = max(ASSUME_NEGATIVE, key=lambda m: ap[m])
        den = ap["mlp-full"] - ap[ba]
        d_em = [a[1] - b[1] for a, b in zip(per_seed["minmax"], per_seed["em"])]
        true = Y.sum(1).mean()
        rows.append([name, ba, f"{ap[ba]:.3f}", f"{ap['em']:.3f}", f"{ap['minmax']:.3f}",
                     f"{ap['mlp-full']:.3f}", f"{(ap['em'] - ap[ba]) / den:.2f}",
                     f"{(ap['minmax'] - ap[ba]) / den:.2f}", mean_std(d_em, "{:+.3f}"),
                     f"{true:.2f}", f"{count['minmax']:.2f}",
                     f"{count['minmax'] / true - 1:+.0%}"])
    print("A4b. Ranking: mAP of the best assume-negative model (AN), em, minmax and "
          "the full-label mlp, mean over seeds; gap closed on mAP = (model - AN) / "
          "(full - AN); minmax - em per seed; minmax mean predicted labels per "
          "test sample against the true mean")
    _common.table(rows, ["task", "best AN", "AN mAP", "em", "minmax", "full",
                         "em gap", "minmax gap", "minmax - em", "true lab/s",
                         "minmax lab/s", "count error"],
                  ["<", "<", ">", ">", ">", ">", ">", ">", ">", ">", ">", ">"])

    # decision rules
    names = [s[0] for s in summary]
    rule_names = list(next(iter(all_rules.values())))
    rows = []
    means = {}
    for r in rule_names:
        m = [np.mean([v[0] for v in all_rules[t][r]]) for t in names]
        means[r] = m
        rows.append([r] + [f"{x:.3f}" for x in m] + [f"{np.mean(m):.3f}"])
    for row, r in zip(rows, rule_names):
        d = np.array(means[r]) - np.array(means["default"])
        row += [f"{d.mean():+.3f}", f"{d.min():+.3f}"]
    best_per_task = [max((r for r in rule_names if not r.startswith("oracle")),
                         key=lambda r: means[r][i]) for i in range(len(names))]
    rows.append(["best (non-oracle)"] + best_per_task + ["", "", ""])
    print("A5. Decision rules on the same fitted MinMaxClassifier: micro-F1, mean over "
          "seeds (thresholds from training data only, except the oracles: "
          "oracle-global = best single threshold on the test set, oracle-topk = "
          "each test sample's k best classes with k its true label count); "
          "d = rule - default, mean and worst over tasks")
    _common.table(rows, ["rule", *names, "mean", "d mean", "d worst"])
    rows = []
    for r in rule_names:
        rows.append([r] + [f"{np.mean([v[1] for v in all_rules[t][r]]):.2f}"
                           for t in names])
    rows.append(["true"] + [f"{s[2].sum(1).mean():.2f}" for s in summary])
    print("A6. Decision rules: mean predicted labels per test sample")
    _common.table(rows, ["rule", *names])


# ---------------------------------------------------------------- part B
def part_b(args):
    sets = [("iris", load_iris), ("wine", load_wine),
            ("breast_cancer", load_breast_cancer), ("digits", load_digits)]
    if args.quick:
        sets = sets[:2]
    models = {
        "minmax": lambda seed: MinMaxClassifier(random_state=seed),
        "logreg": lambda seed: LogisticRegression(max_iter=1000),
        "mlp": lambda seed: MLPClassifier(random_state=seed, max_iter=1000),
    }
    seeded = {"minmax", "mlp"}  # logistic regression does not depend on the seed
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    rows = []
    for name, load in sets:
        X, y = load(return_X_y=True)
        acc = {}
        for m, make in models.items():
            t0 = time.perf_counter()
            acc[m] = np.array([
                cross_val_score(make_pipeline(StandardScaler(), make(seed)), X, y,
                                cv=cv).mean()
                for seed in (range(args.seeds) if m in seeded else [0])])
            log(f"[B] {name} {m}: {acc[m].mean():.4f} "
                f"({time.perf_counter() - t0:.1f} s)")
        best = max(("logreg", "mlp"), key=lambda m: acc[m].mean())
        diff = 100 * (acc["minmax"].mean() - acc[best].mean())
        rows.append([name, *(mean_std(100 * acc[m], "{:.2f}") for m in models), best,
                     f"{diff:+.2f}", "met" if diff >= -1 else "NOT met"])
    print("B. Multiclass 5-fold stratified CV accuracy (%), StandardScaler + model; "
          f"mean +- std over {args.seeds} model seeds (random_state) of the 5-fold "
          "mean (logistic regression: one run)")
    _common.table(rows, ["data", *models, "best other", "minmax - best (pts)",
                         "within 1 pt"],
                  ["<", ">", ">", ">", "<", ">", "<"])


def part_b2(args):
    """Many classes: held-out accuracy on synthetic data (one split per seed)."""
    rows = []
    for n_classes in (20, 50):
        X, y = make_classification(n_samples=10_000, n_features=50, n_informative=20,
                                   n_classes=n_classes, n_clusters_per_class=1,
                                   random_state=0)
        acc = {"minmax": [], "logreg": [], "mlp": []}
        for seed in range(args.seeds):
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
            sc = StandardScaler().fit(Xtr)
            Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
            t0 = time.perf_counter()
            acc["minmax"].append(MinMaxClassifier(random_state=seed).fit(Xtr, ytr)
                                 .score(Xte, yte))
            acc["logreg"].append(LogisticRegression(max_iter=2000).fit(Xtr, ytr)
                                 .score(Xte, yte))
            acc["mlp"].append(MLPClassifier(random_state=seed).fit(Xtr, ytr)
                              .score(Xte, yte))
            log(f"[B2] {n_classes} classes seed {seed}: "
                + ", ".join(f"{m} {v[-1]:.4f}" for m, v in acc.items())
                + f" ({time.perf_counter() - t0:.1f} s)")
        acc = {m: 100 * np.array(v) for m, v in acc.items()}
        best = max(("logreg", "mlp"), key=lambda m: acc[m].mean())
        diff = acc["minmax"].mean() - acc[best].mean()
        rows.append([f"synthetic, {n_classes} classes",
                     *(mean_std(acc[m], "{:.2f}") for m in acc), best,
                     f"{diff:+.2f}", "met" if diff >= -1 else "NOT met"])
    print("B2. Many classes: make_classification(10000 x 50, 20 informative, one "
          "cluster per class), 75/25 split per seed, StandardScaler; test accuracy "
          f"(%), mean +- std over {args.seeds} seeds (split and model seeds)")
    _common.table(rows, ["data", "minmax", "logreg", "mlp", "best other",
                         "minmax - best (pts)", "within 1 pt"],
                  ["<", ">", ">", ">", "<", ">", "<"])


def main():
    p = _common.argument_parser(__doc__, quick="2 seeds, fewer tasks and data sets")
    p.add_argument("--seeds", type=int, default=None, help="default 5 (2 with --quick)")
    p.add_argument("--skip-b", action="store_true", help="part A only")
    args = p.parse_args()
    if args.seeds is None:
        args.seeds = 2 if args.quick else 5
    _common.limit_tf_threads(THREADS)
    blas = _common.limit_blas_threads(THREADS)  # noqa: F841 (kept alive)
    warnings.filterwarnings("ignore")  # convergence / absent-label warnings
    start = time.perf_counter()
    _common.header("bench_quality: SPML and multiclass prediction quality", THREADS,
                   f"seeds = {args.seeds}{', --quick' if args.quick else ''}")
    part_a(args)
    if not args.skip_b:
        part_b(args)
        if not args.quick:
            part_b2(args)
    print(f"total runtime: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
