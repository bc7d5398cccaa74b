"""Training of the dual encoder in compiled TensorFlow.

The only module of the estimator, with :mod:`sklearn_minmax._keras_models`,
that imports TensorFlow; the estimator imports it lazily from ``fit``.

One compiled function runs whole epochs: the data stay resident as tensors,
the loop over minibatches and the optimizer updates run inside the graph, and
no Python runs per batch. With early stopping each epoch then measures the
held-out loss and keeps the best weights so far; the stopping rule itself
runs in the graph too, so a run of up to 16 epochs costs one call, and
Python reads the run's losses back and keeps the record epoch by epoch.
Two trainers share that epoch (:class:`_Trainer`):

- :class:`_MLPTrainer`, the built-in encoder (a stack of dense layers, the
  same computation as a Keras ``Sequential`` of ``Dense`` layers), whose
  weights are shape-agnostic variables: its compiled functions are cached per
  architecture, so a grid search of hundreds of fits traces each once and
  does not accumulate graphs;
- ``_keras_training._KerasTrainer``, a user's Keras encoder, traced once per
  fit and updated by Keras' own Adam.
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools
import sys
import threading
import time

import numpy as np

from ._backend import tf
from ._config import AdamState, MLPWeights, NonFiniteLossError, TrainingResult
from ._loss_ops import cosine_minmax_gradients, minmax_loss, sampled_cosine_minmax_gradients

_ACTIVATIONS = {
    "identity": tf.identity,
    "logistic": tf.sigmoid,
    "tanh": tf.tanh,
    "relu": tf.nn.relu,
}
# the gradient of each activation in its input, from its output ``y`` and the
# gradient ``dy`` there (the fused kernels TensorFlow's own gradients use)
_ACTIVATION_GRADS = {
    "identity": lambda y, dy: dy,
    "logistic": lambda y, dy: tf.raw_ops.SigmoidGrad(y=y, dy=dy),
    "tanh": lambda y, dy: tf.raw_ops.TanhGrad(y=y, dy=dy),
    "relu": lambda y, dy: tf.raw_ops.ReluGrad(gradients=dy, features=y),
}

# An epoch whose loss exceeds this many times the initial one (or 1) diverged:
# the min-max loss starts near 1 and a stable fit only lowers it.
_DIVERGED = 10.0
# Rows on which the initial loss is measured (they are in canonical order, so
# this is a fixed, row-order independent sample).
_INITIAL_ROWS = 4096
# Rows of epoch orders one compiled call takes at most (beyond the first
# epoch's): a run of epochs holds them all.
_CHUNK_ROWS = 2**22
# The scalars the compiled epoch reads, packed by :func:`pack`.
_HYPER = ("learning_rate", "beta_1", "beta_2", "epsilon", "alpha", "push_weight",
          "max_norm", "n_negatives", "mean_weight")


def packed(values, names):
    """``values[name]`` for each of ``names`` as one float32 vector (one
    tensor is cheaper to pass than one per name); :func:`unpack` reads it."""
    return tf.constant([float(values[name]) for name in names], tf.float32)


def pack(config, mean_weight):
    """The hyper-parameters of ``config`` the compiled epoch reads, packed."""
    values = {name: getattr(config, name, None) for name in _HYPER}
    values.update(n_negatives=config.n_negatives or 0, mean_weight=mean_weight)
    return packed(values, _HYPER)


def unpack(hyper, names):
    """The vector of :func:`pack`, inside the graph, as ``{name: scalar}``."""
    return dict(zip(names, tf.unstack(hyper, num=len(names))))


def _first_layer(W, b, x, sparse):
    if not sparse:
        return tf.nn.bias_add(tf.matmul(x, W), b)
    indices, values = x  # ragged rows of the batch
    rows = tf.gather(W, indices) * tf.expand_dims(values, -1)
    return tf.nn.bias_add(tf.reduce_sum(rows, axis=1), b)


def encode(coefs, intercepts, x, activation, sparse=False):
    """Forward pass of the built-in feature encoder."""
    act = _ACTIVATIONS[activation]
    h = _first_layer(coefs[0], intercepts[0], x, sparse)
    for W, b in zip(coefs[1:], intercepts[1:]):
        h = tf.nn.bias_add(tf.matmul(act(h), W), b)
    return h


def forward(coefs, intercepts, x, activation):
    """The dense forward pass of :func:`encode`, keeping what
    :func:`backward` needs: each layer's input. Returns them and the output."""
    act = _ACTIVATIONS[activation]
    inputs, h = [], x
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        inputs.append(act(h) if i else h)
        h = tf.nn.bias_add(tf.matmul(inputs[-1], W), b)
    return inputs, h


def backward(coefs, inputs, dz, activation):
    """Gradients of the weights of :func:`forward` from the gradient ``dz``
    in its output: back-propagation written out, as ``MLPClassifier`` does."""
    d_coefs, d_intercepts = [None] * len(coefs), [None] * len(coefs)
    for i in reversed(range(len(coefs))):
        d_coefs[i] = tf.matmul(inputs[i], dz, transpose_a=True)
        d_intercepts[i] = tf.reduce_sum(dz, axis=0)
        if i:
            dz = _ACTIVATION_GRADS[activation](
                inputs[i], tf.matmul(dz, coefs[i], transpose_b=True))
    return d_coefs, d_intercepts


class _Trainer:
    """A compiled epoch of minibatch updates of the min-max loss.

    Subclasses say how a batch of rows is gathered and embedded
    (:meth:`_embed`; :meth:`_batch` where a loss reads more than the batch's
    own rows), what penalty the encoder adds (:meth:`_penalty`), how the
    weights are updated (:meth:`_step`) and where the best weights are kept
    (:meth:`_keep_best`); the epoch itself is this class's.
    """

    sparse = False
    # whether :meth:`_closed_form_step` replaces the automatic gradient
    closed_form = False
    # most epochs one call of :meth:`_train_epochs` runs
    epochs_per_call = 16
    # names of the hyper-parameters the compiled epoch reads
    HYPER = _HYPER

    def __init__(self, metric, sampled):
        self.metric, self.sampled = metric, sampled

    def _gather(self, X, idx):
        return tf.gather(X, idx)

    def pack(self, config, mean_weight):
        """The scalars of ``config`` the compiled epoch reads (:data:`HYPER`)."""
        return pack(config, mean_weight)

    def _compile(self, fn, signature=None):
        """``fn`` as one compiled function. With a ``signature`` it is traced
        once, when first used, and called as the concrete function it gave
        (less work per call than a ``tf.function``'s dispatch). Traced as
        written: the loops are explicit graph ops, and autograph's source
        conversion would double the first fit's tracing time."""
        if signature is None:
            return tf.function(fn)
        return tf.function(fn, input_signature=signature,
                           autograph=False).get_concrete_function()

    def order(self, n, batch_size, rng):
        """The rows of an epoch, in order: a permutation of the ``n`` rows."""
        return rng.permutation(n).astype(np.int32)

    def _batch(self, X, idx, tags, mask, weight, seed, hyper, training):
        """The loss of the batch of rows ``idx``. ``X``, ``tags``, ``mask`` and
        ``weight`` are whole, so that a loss may read rows beyond the batch
        (the clustering loss reads each row's neighbours)."""
        return self._batch_loss(self._gather(X, idx), tf.gather(tags, idx),
                                tf.gather(mask, idx), tf.gather(weight, idx), seed, hyper,
                                training)

    def _batch_loss(self, xb, tags, mask, w, seed, hyper, training):
        z = self._embed(xb, training)
        return minmax_loss(
            z, tags, self.table, metric=self.metric, tag_mask=mask,
            sample_weight=w / hyper["mean_weight"], push_weight=hyper["push_weight"],
            max_norm=hyper["max_norm"],
            n_negatives=tf.cast(hyper["n_negatives"], tf.int32) if self.sampled else None,
            seed=seed,
        )

    def _train_epoch(self, X, tags, mask, weight, perm, batch_size, seed, hyper):
        """An epoch of updates: the mean training loss."""
        return self._run_epoch(X, tags, mask, weight, perm, batch_size, seed, hyper, True)

    def _evaluate(self, X, tags, mask, weight, perm, batch_size, seed, hyper):
        """The mean loss over the rows ``perm``, without updates."""
        return self._run_epoch(X, tags, mask, weight, perm, batch_size, seed, hyper, False)

    def _train_epoch_validated(self, X, tags, mask, weight, perm, batch_size, seed,
                               hyper, vX, vtags, vmask, vweight, vhyper, best):
        """An epoch of updates, then the mean loss on the held-out rows
        ``vX...``; when minus that loss beats ``best``, the weights are kept
        (:meth:`_keep_best`). Returns both losses."""
        loss = self._train_epoch(X, tags, mask, weight, perm, batch_size, seed, hyper)
        with tf.control_dependencies([loss]):
            vloss = self._evaluate(vX, vtags, vmask, vweight, tf.range(tf.shape(vtags)[0]),
                                   batch_size, tf.zeros([2], tf.int32), vhyper)
        kept = tf.cond(-vloss > best, self._keep_best, lambda: tf.constant(False))
        with tf.control_dependencies([kept]):
            return tf.identity(loss), tf.identity(vloss)

    def _train_epochs(self, X, tags, mask, weight, perms, batch_size, seeds, hyper,
                      control, *held_out):
        """Epochs of updates, one per row of ``perms`` and ``seeds``, until
        the monitored value stalls, in one call: :func:`_epochs`' stopping
        rule run in the graph, so that a run of epochs costs one call.

        The monitored value is minus the held-out loss with ``held_out``
        (``vX, vtags, vmask, vweight, vhyper``; the best weights are kept as
        by :meth:`_train_epoch_validated`), else minus the training loss.
        ``control`` holds, in float64 as :func:`_epochs` computes them, the
        best value so far, ``tol``, ``n_iter_no_change`` and the loss above
        which training diverged. The run stops after the epoch whose loss is
        not finite or diverged, or after which the value has not improved by
        ``tol`` for ``n_iter_no_change`` epochs (counting from the start of
        training, so ``control`` also carries the count so far). Returns the
        training losses and monitored values of the epochs run, and their
        number.
        """
        best, tol, patience, limit, stalled = tf.unstack(control, num=5)
        n_epochs = tf.shape(perms)[0]

        def body(e, best, stalled, done, losses, scores):
            if held_out:
                loss, vloss = self._train_epoch_validated(
                    X, tags, mask, weight, perms[e], batch_size, seeds[e], hyper,
                    *held_out, tf.cast(best, tf.float32))
                monitored = -tf.cast(vloss, tf.float64)
            else:
                loss = self._train_epoch(X, tags, mask, weight, perms[e], batch_size,
                                         seeds[e], hyper)
                monitored = -tf.cast(loss, tf.float64)
            wide = tf.cast(loss, tf.float64)
            failed = tf.logical_or(tf.logical_not(tf.math.is_finite(wide)), wide > limit)
            stalled = tf.where(monitored < best + tol, stalled + 1.0, 0.0)
            best = tf.where(monitored > best, monitored, best)
            done = tf.logical_or(failed, stalled >= patience)
            return (e + 1, best, stalled, done, losses.write(e, loss),
                    scores.write(e, monitored))

        n, _, _, _, losses, scores = tf.while_loop(
            lambda e, best, stalled, done, losses, scores: tf.logical_and(
                e < n_epochs, tf.logical_not(done)),
            body, (tf.constant(0), best, stalled, tf.constant(False),
                   tf.TensorArray(tf.float32, n_epochs), tf.TensorArray(tf.float64, n_epochs)),
            parallel_iterations=1)
        return losses.stack()[:n], scores.stack()[:n]

    def _run_epoch(self, X, tags, mask, weight, perm, batch_size, seed, hyper, update):
        """One pass over the batches of ``perm``: the mean loss (with the
        encoder's penalty), with updates when ``update``."""
        hyper = unpack(hyper, self.HYPER)
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        X = self._rows(X)

        def body(i, total):
            idx = perm[i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            nb = tf.cast(tf.shape(idx)[0], tf.float32)
            if update and self.closed_form:
                return i + 1, total + self._closed_form_step(
                    X, idx, tags, mask, weight, tf.stack([seed[0], seed[1] + i]), hyper,
                    nb) * nb
            with tf.GradientTape() as tape:
                loss = self._batch(X, idx, tags, mask, weight,
                                   tf.stack([seed[0], seed[1] + i]), hyper, update)
                objective = loss + self._penalty(hyper, nb)
            if update:
                self._step(tape, loss, objective, hyper, nb)
            return i + 1, total + objective * nb

        _, total = tf.while_loop(lambda i, _: i < n_batches, body,
                                 (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(n, tf.float32)

    def _rows(self, X):
        return X

    # The compiled entry points, each traced when first used.
    signature = None

    @functools.cached_property
    def evaluate(self):
        return self._compile(self._evaluate, self.signature)

    def _epochs_signature(self, validated):
        if self.signature is None:
            return None
        x, tags, mask, weight, _, batch, _, hyper = self.signature
        held_out = [x, tags, mask, weight, hyper] if validated else []
        return [x, tags, mask, weight, tf.TensorSpec([None, None], tf.int32), batch,
                tf.TensorSpec([None, 2], tf.int32), hyper,
                tf.TensorSpec([5], tf.float64), *held_out]

    @functools.cached_property
    def train_epochs(self):
        return self._compile(self._train_epochs, self._epochs_signature(False))

    @functools.cached_property
    def train_epochs_validated(self):
        return self._compile(self._train_epochs, self._epochs_signature(True))


class _MLPTrainer(_Trainer):
    """The built-in encoder, trained by Adam over shape-agnostic variables.

    One trainer exists per architecture (number of layers, activation,
    metric, sparse input, sampled negatives). Its variables have no fixed
    shape: each fit assigns its own arrays, so the compiled function is traced
    once and reused by every later fit, whatever the data's shape. Fits that
    share a trainer run one after the other (``lock``).

    With sampled negatives the class table's gradient is sparse (the rows of a
    batch's tags and negatives), and the table and its Adam moments are
    updated in place on those rows only ("lazy" Adam): the cost of a step does
    not grow with the number of classes.

    With the cosine metric (the default) and dense input a step computes its
    gradients in closed form (:meth:`_closed_form_step`):
    the same values as the automatic gradient, in 200 operations instead of 345,
    a third less time per step on batches of about a hundred rows.
    """

    def __init__(self, n_layers, activation, metric, sparse, sampled):
        super().__init__(metric, sampled)
        self.lock = threading.Lock()
        self.activation, self.sparse = activation, sparse
        self.closed_form = metric == "cosine" and not sparse

        def slots(name, trainable=False):
            def var(rank, label):
                return tf.Variable(tf.zeros([0] * rank), shape=[None] * rank,
                                   trainable=trainable, name=f"{name}_{label}")
            return MLPWeights([var(2, f"W{i}") for i in range(n_layers)],
                              [var(1, f"b{i}") for i in range(n_layers)],
                              var(2, "table"))

        self.weights = slots("param", trainable=True)
        self.m, self.v, self.best = slots("m"), slots("v"), slots("best")
        self.t = tf.Variable(0.0, trainable=False)
        self.table = self.weights.class_embeddings
        vec = tf.TensorSpec([None], tf.float32)
        if sparse:
            x_spec = (tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64),
                      vec)
        else:
            x_spec = tf.TensorSpec([None, None], tf.float32)
        self.signature = [
            x_spec,
            tf.TensorSpec([None, None], tf.int32),              # tags
            tf.TensorSpec([None, None], tf.float32), vec,       # tag mask, weight
            tf.TensorSpec([None], tf.int32),                    # permutation
            tf.TensorSpec([], tf.int32),                        # batch size
            tf.TensorSpec([2], tf.int32),                       # seed
            tf.TensorSpec([len(self.HYPER)], tf.float32),       # packed hyper
        ]

    def _flat(self, weights):
        return [*weights.coefs, *weights.intercepts, weights.class_embeddings]

    def load(self, weights, opt_state):
        if opt_state is None:
            zeros = MLPWeights(*[[np.zeros_like(a) for a in part] if isinstance(part, list)
                                 else np.zeros_like(part) for part in weights])
            opt_state = AdamState(zeros, zeros, 0.0)
        for slots, values in ((self.weights, weights), (self.m, opt_state.m),
                              (self.v, opt_state.v)):
            for var, value in zip(self._flat(slots), self._flat(values)):
                var.assign(value)
        self.t.assign(opt_state.step)

    def _read(self, slots):
        return MLPWeights([W.numpy() for W in slots.coefs],
                          [b.numpy() for b in slots.intercepts],
                          slots.class_embeddings.numpy())

    def _keep_best(self):
        for best, var in zip(self._flat(self.best), self._flat(self.weights)):
            best.assign(var)
        return tf.constant(True)

    def unload(self, kept_best=False):
        """Read the state back as numpy (the weights kept by
        :meth:`_keep_best` if ``kept_best``) and release the memory it holds."""
        out = (self._read(self.best if kept_best else self.weights),
               AdamState(self._read(self.m), self._read(self.v), float(self.t.numpy())))
        for slots in (self.weights, self.m, self.v, self.best):
            for var in self._flat(slots):
                var.assign(tf.zeros([0] * len(var.shape)))
        return out

    def _rows(self, X):
        if not self.sparse:
            return X
        row_splits, col, val = X
        return (tf.RaggedTensor.from_row_splits(col, row_splits, validate=False),
                tf.RaggedTensor.from_row_splits(val, row_splits, validate=False))

    def _gather(self, X, idx):
        if self.sparse:
            return tf.gather(X[0], idx), tf.gather(X[1], idx)
        return tf.gather(X, idx)

    def _embed(self, xb, training):
        return encode(self.weights.coefs, self.weights.intercepts, xb, self.activation,
                      self.sparse)

    def _penalty(self, hyper, nb):
        """The L2 penalty ``alpha / (2 batch) |W|^2`` (its gradient is added in
        :meth:`_step` directly)."""
        l2 = tf.add_n([tf.reduce_sum(tf.square(W)) for W in self.weights.coefs])
        return 0.5 * (hyper["alpha"] / nb) * l2

    def _step(self, tape, loss, objective, hyper, nb):
        self._apply(tape.gradient(loss, self._flat(self.weights)), hyper, nb)

    def _apply(self, grads, hyper, nb):
        """An Adam update by the loss's ``grads`` (in the order of
        :meth:`_flat`) plus the penalty's."""
        params = self._flat(self.weights)
        decay = hyper["alpha"] / nb
        n_layers = len(self.weights.coefs)
        grads = [g + decay * p if j < n_layers else g
                 for j, (p, g) in enumerate(zip(params, grads))]
        update = self._adam(hyper)
        for p, g, m, v in zip(params, grads, self._flat(self.m), self._flat(self.v)):
            update(p, g, m, v)

    def _closed_form_step(self, X, idx, tags, mask, weight, seed, hyper, nb):
        """The update of :meth:`_step` for the loss of :meth:`_batch_loss`,
        with the gradients written out (:func:`forward`, :func:`backward`,
        :func:`cosine_minmax_gradients` or, with sampled negatives,
        :func:`sampled_cosine_minmax_gradients`). Returns the objective."""
        coefs = [tf.convert_to_tensor(W) for W in self.weights.coefs]
        inputs, z = forward(coefs, self.weights.intercepts, tf.gather(X, idx),
                            self.activation)
        batch = (z, tf.gather(tags, idx), tf.gather(mask, idx),
                 tf.gather(weight, idx) / hyper["mean_weight"], self.table,
                 hyper["push_weight"])
        if self.sampled:
            loss, dz, d_table = sampled_cosine_minmax_gradients(
                *batch, tf.cast(hyper["n_negatives"], tf.int32), seed)
        else:
            loss, dz, d_table = cosine_minmax_gradients(*batch)
        d_coefs, d_intercepts = backward(coefs, inputs, dz, self.activation)
        objective = loss + self._penalty(hyper, nb)
        with tf.control_dependencies([objective]):
            self._apply([*d_coefs, *d_intercepts, d_table], hyper, nb)
        return objective

    def _adam(self, hyper):
        lr, b1, b2, eps = (hyper[k] for k in ("learning_rate", "beta_1", "beta_2",
                                               "epsilon"))
        t = self.t.assign_add(1.0)
        b1_power, b2_power = b1**t, b2**t
        step = lr * tf.sqrt(1.0 - b2_power) / (1.0 - b1_power)

        def update(p, g, m, v):
            if isinstance(g, tf.IndexedSlices):  # lazy: touched rows only
                rows, pos = tf.unique(g.indices)
                g = tf.math.unsorted_segment_sum(g.values, pos, tf.shape(rows)[0])
                m_rows = b1 * tf.gather(m, rows) + (1.0 - b1) * g
                v_rows = b2 * tf.gather(v, rows) + (1.0 - b2) * tf.square(g)
                m.scatter_update(tf.IndexedSlices(m_rows, rows))
                v.scatter_update(tf.IndexedSlices(v_rows, rows))
                p.scatter_sub(tf.IndexedSlices(step * m_rows / (tf.sqrt(v_rows) + eps),
                                               rows))
            else:  # one fused kernel per variable
                tf.raw_ops.ResourceApplyAdam(
                    var=p.handle, m=m.handle, v=v.handle, beta1_power=b1_power,
                    beta2_power=b2_power, lr=lr, beta1=b1, beta2=b2, epsilon=eps,
                    grad=g)

        return update


@functools.cache
def _mlp_trainer(n_layers, activation, metric, sparse, sampled):
    return _MLPTrainer(n_layers, activation, metric, sparse, sampled)


def _as_tensors(X):
    """Data as resident tensors: dense matrix, or CSR parts for sparse input."""
    if hasattr(X, "tocsr"):
        X = X.tocsr()
        X.sort_indices()
        return True, (tf.constant(X.indptr, tf.int64), tf.constant(X.indices, tf.int64),
                      tf.constant(X.data, tf.float32))
    return False, tf.constant(X, tf.float32)


def _data(X, tags, mask, weight, X_tensor):
    """Arguments of an epoch: the data as tensors, and its mean weight."""
    return ((X_tensor, tf.constant(tags, tf.int32), tf.constant(mask, tf.float32),
             tf.constant(weight, tf.float32)), float(np.mean(weight)))


def _sampled(config, n_classes):
    return config.n_negatives is not None and config.n_negatives < n_classes - 1


def _stop_message(validation, config):
    what = "Validation score" if validation else "Training loss"
    return (f"{what} did not improve more than tol={config.tol:g} for "
            f"{config.n_iter_no_change} consecutive epochs.")


def _epochs(trainer, data, config, rng, validation):
    """Run epochs until the monitored value stalls for ``n_iter_no_change``.

    The monitored value is minus the loss on the ``validation`` data when
    given (evaluated in the same compiled call as the epoch, which keeps the
    weights of the best epoch in the trainer), else minus the training loss.
    Epochs run in runs of up to ``trainer.epochs_per_call`` per compiled call
    (:meth:`_Trainer._train_epochs`, which stops where this loop would), one
    per call with ``verbose`` so that each epoch prints as it ends; the
    orders and seeds are drawn from ``rng`` as epoch by epoch, and ``rng``
    is left where the epochs that ran leave it, so the model and the draws
    after training do not depend on the runs' length.
    Returns the :class:`TrainingResult` and whether best weights were kept.
    """
    batch = tf.constant(min(config.batch_size, len(data[0][1])), tf.int32)
    zero_seed = tf.zeros([2], tf.int32)
    n, hyper = int(data[0][1].shape[0]), trainer.pack(config, data[1])
    # the scale of a sound loss, on a fixed sample of the rows
    initial = float(trainer.evaluate(*data[0], tf.range(min(n, _INITIAL_ROWS)), batch,
                                     zero_seed, hyper))
    if not np.isfinite(initial):
        raise NonFiniteLossError(0, config.learning_rate)
    if validation is not None:
        held_out = (*validation[0], trainer.pack(config, validation[1]))
    train = trainer.train_epochs if validation is None else trainer.train_epochs_validated
    held_out = () if validation is None else held_out
    limit = _DIVERGED * max(initial, 1.0)
    result, best, no_improve, epoch = TrainingResult(), -np.inf, 0, 0
    while epoch < config.max_iter and not result.stop_reason:
        start = time.perf_counter()
        # the orders and seeds of a run of epochs, drawn as epoch by epoch;
        # ``rng`` is set back to where the epochs that ran leave it
        k = 1 if config.verbose else min(config.max_iter - epoch, trainer.epochs_per_call)
        perms, seeds, states = [], [], []
        while len(perms) < k and len(perms) * len(perms[0] if perms else ()) < _CHUNK_ROWS:
            perms.append(trainer.order(n, int(batch), rng))
            seeds.append(rng.randint(0, 2**31 - 1, size=2))
            states.append(rng.get_state())
        control = tf.constant([best, config.tol, config.n_iter_no_change, limit,
                               no_improve], tf.float64)
        losses, scores = train(*data[0], tf.constant(np.stack(perms)), batch,
                               tf.constant(np.stack(seeds), tf.int32), hyper, control,
                               *held_out)
        losses, scores = losses.numpy().tolist(), scores.numpy().tolist()
        rng.set_state(states[len(losses) - 1])
        for loss, monitored in zip(losses, scores):
            epoch += 1
            if not np.isfinite(loss):
                raise NonFiniteLossError(epoch, config.learning_rate)
            if loss > limit:
                raise NonFiniteLossError(epoch, config.learning_rate, initial, loss)
            result.loss_curve.append(loss)
            message = f"Epoch {epoch}, loss = {loss:.6f}"
            if validation is not None:
                result.validation_scores.append(monitored)
                message += f", validation score = {monitored:.6f}"
            if config.verbose:
                print(f"{message}, time = {time.perf_counter() - start:.3f}s",
                      file=sys.stderr)
            no_improve = no_improve + 1 if monitored < best + config.tol else 0
            if monitored > best:
                result.best_epoch = epoch
            best = max(best, monitored)
            if no_improve >= config.n_iter_no_change:
                result.stop_reason = _stop_message(validation is not None, config)
                break
    if config.verbose:
        why = result.stop_reason or f"Reached max_iter={config.max_iter} epochs."
        print(f"{why} Stopping; best epoch: {result.best_epoch}.", file=sys.stderr)
    return result, validation is not None and result.best_epoch > 0


def train_loaded(trainer, data, weights, opt_state, config, rng, validation=None):
    """Train an :class:`_MLPTrainer` (or a subclass) from ``weights``, holding
    its lock: load, run :func:`_epochs`, read the state back. Returns the
    weights (of the best epoch with ``validation``), the Adam state and the
    :class:`TrainingResult`."""
    with trainer.lock:
        trainer.load(weights, opt_state)
        kept = False
        try:
            result, kept = _epochs(trainer, data, config, rng, validation)
        finally:
            weights, opt_state = trainer.unload(kept_best=kept)
    return weights, opt_state, result


def train_mlp(X, tags, mask, weight, weights, opt_state, config, rng, validation=None):
    """Train the built-in encoder from ``weights`` (:class:`MLPWeights`, float32).

    ``opt_state``: the :class:`AdamState` a previous call returned (continued),
    or None. ``validation``, if given, is held-out ``(X, tags, mask, weight)``
    whose loss is monitored after each epoch. Returns the weights (of the best
    epoch with ``validation``), the Adam state and the :class:`TrainingResult`.
    """
    sparse, X_tensor = _as_tensors(X)
    trainer = _mlp_trainer(len(weights.coefs), config.activation, config.metric, sparse,
                           _sampled(config, len(weights.class_embeddings)))
    data = _data(X, tags, mask, weight, X_tensor)
    if validation is not None:
        validation = _data(*validation, _as_tensors(validation[0])[1])
    return train_loaded(trainer, data, weights, opt_state, config, rng, validation)
