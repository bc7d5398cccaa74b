"""Training of the built-in encoder: a stack of dense layers, trained by Adam
in the compiled epoch of :mod:`sklearn_minmax._training`.

:class:`_MLPTrainer` holds the encoder's weights, the class table and Adam's
moments as shape-agnostic variables: its compiled functions are cached per
architecture (:func:`_mlp_trainer`), so a grid search of hundreds of fits
traces each once and does not accumulate graphs. The encoder is the same
computation as a Keras ``Sequential`` of ``Dense`` layers (:func:`encode`);
with the cosine metric its gradients are written out
(:func:`forward`, :func:`backward`) instead of taken by ``tf.GradientTape``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools
import threading

import numpy as np

from ._activations import ACTIVATIONS
from ._backend import tf
from ._loss_ops import cosine_minmax_gradients, sampled_cosine_minmax_gradients, unit_gram
from ._metric_registry import unit_rows
from ._training import _epochs, _sampled, _Trainer, resident
from ._training_types import AdamState, MLPWeights, TrainingRows


def _first_layer(W, b, x, sparse):
    if not sparse:
        return tf.nn.bias_add(tf.matmul(x, W), b)
    indices, values = x  # ragged rows of the batch
    rows = tf.gather(W, indices) * tf.expand_dims(values, -1)
    return tf.nn.bias_add(tf.reduce_sum(rows, axis=1), b)


def encode(coefs, intercepts, x, activation, sparse=False):
    """Forward pass of the built-in feature encoder."""
    return forward(coefs, intercepts, x, activation, sparse)[1]


def forward(coefs, intercepts, x, activation, sparse=False):
    """The forward pass of :func:`encode`, keeping what :func:`backward`
    needs: each layer's input. Returns them and the output."""
    act = ACTIVATIONS[activation].tf
    inputs, h = [x], _first_layer(coefs[0], intercepts[0], x, sparse)
    for W, b in zip(coefs[1:], intercepts[1:]):
        inputs.append(act(h))
        h = tf.nn.bias_add(tf.matmul(inputs[-1], W), b)
    return inputs, h


def _first_layer_grad(W, x, dz, sparse):
    """Gradient of the first layer's weights ``W``: ``x^T dz``; for sparse
    rows, on the rows of ``W`` of the features present (as the automatic
    gradient of :func:`_first_layer`'s gather gives it)."""
    if not sparse:
        return tf.matmul(x, dz, transpose_a=True)
    indices, values = x
    rows = tf.gather(dz, values.value_rowids())
    return tf.IndexedSlices(rows * tf.expand_dims(values.flat_values, -1),
                            indices.flat_values, tf.shape(W, out_type=tf.int64))


def backward(coefs, inputs, dz, activation, sparse=False):
    """Gradients of the weights of :func:`forward` from the gradient ``dz``
    in its output: back-propagation written out, as ``MLPClassifier``
    does."""
    d_coefs, d_intercepts = [None] * len(coefs), [None] * len(coefs)
    for i in reversed(range(len(coefs))):
        d_coefs[i] = (_first_layer_grad(coefs[0], inputs[0], dz, sparse) if i == 0
                      else tf.matmul(inputs[i], dz, transpose_a=True))
        d_intercepts[i] = tf.reduce_sum(dz, axis=0)
        if i:
            dz = ACTIVATIONS[activation].tf_grad(
                inputs[i], tf.matmul(dz, coefs[i], transpose_b=True))
    return d_coefs, d_intercepts


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

    With the cosine metric (the default) a step computes its gradients in
    closed form (:meth:`_closed_form_step`): the same values as the automatic
    gradient (the class table's push aside with sampled negatives, see
    :func:`sampled_cosine_minmax_gradients`), in 200 operations instead of
    345, a third less time per step on batches of about a hundred rows.
    """

    # metrics whose step is written out (:meth:`_closed_form_step`)
    closed_form_metrics = ("cosine",)

    def __init__(self, n_layers, activation, metric, sparse, sampled):
        super().__init__(metric, sampled)
        self.lock = threading.Lock()
        self.activation, self.sparse = activation, sparse
        self.closed_form = metric in self.closed_form_metrics

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
        # V^T V of the unit class vectors, for the push of sampled steps
        self.gram = tf.Variable(tf.zeros([0, 0]), shape=[None, None], trainable=False,
                                name="gram")
        self.table = self.weights.class_embeddings
        vec = tf.TensorSpec([None], tf.float32)
        if sparse:
            x_spec = (tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64),
                      vec)
        else:
            x_spec = tf.TensorSpec([None, None], tf.float32)
        self.signature = [
            TrainingRows(x_spec, tf.TensorSpec([None, None], tf.int32),  # X, tags
                         tf.TensorSpec([None, None], tf.float32), vec),  # tag, row weights
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
        for var in [*(v for slots in (self.weights, self.m, self.v, self.best)
                      for v in self._flat(slots)), self.gram]:
            var.assign(tf.zeros([0] * len(var.shape)))
        return out

    def _x_rows(self, X):
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
        :meth:`_apply` directly)."""
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
        return [update(p, g, m, v)
                for p, g, m, v in zip(params, grads, self._flat(self.m), self._flat(self.v))]

    def _closed_form_step(self, rows, idx, seed, hyper, nb):
        """The update of :meth:`_step` for the loss of :meth:`_batch_loss`,
        with the gradients written out (:func:`forward`, :func:`backward`,
        :func:`cosine_minmax_gradients` or, with sampled negatives,
        :func:`sampled_cosine_minmax_gradients`). Returns the objective."""
        coefs = [tf.convert_to_tensor(W) for W in self.weights.coefs]
        inputs, z = forward(coefs, self.weights.intercepts, self._gather(rows.X, idx),
                            self.activation, self.sparse)
        batch = (z, tf.gather(rows.tags, idx), tf.gather(rows.tag_weights, idx),
                 tf.gather(rows.row_weights, idx) / hyper["mean_weight"], self.table,
                 hyper["push_weight"])
        if self.sampled:
            loss, dz, d_table, rows, before = sampled_cosine_minmax_gradients(
                *batch, tf.cast(hyper["n_negatives"], tf.int32), seed, self.gram)
        else:
            loss, dz, d_table = cosine_minmax_gradients(*batch)
        d_coefs, d_intercepts = backward(coefs, inputs, dz, self.activation, self.sparse)
        objective = loss + self._penalty(hyper, nb)
        with tf.control_dependencies([objective]):
            applied = self._apply([*d_coefs, *d_intercepts, d_table], hyper, nb)
        if self.sampled:  # the Gram matrix follows the touched rows
            with tf.control_dependencies(applied):
                after, _ = unit_rows(tf.gather(self.table, rows))
                change = (tf.matmul(after, after, transpose_a=True)
                          - tf.matmul(before, before, transpose_a=True))
                with tf.control_dependencies([self.gram.assign_add(change)]):
                    return tf.identity(objective)
        return objective

    def _start_epoch(self):
        """Refresh the Gram matrix of sampled steps from the table (so that
        float32 rounding does not accumulate over the epochs)."""
        if self.closed_form and self.sampled:
            return [self.gram.assign(unit_gram(self.table))]
        return []

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
                return p.scatter_sub(tf.IndexedSlices(
                    step * m_rows / (tf.sqrt(v_rows) + eps), rows)).op
            # one fused kernel per variable
            return tf.raw_ops.ResourceApplyAdam(
                var=p.handle, m=m.handle, v=v.handle, beta1_power=b1_power,
                beta2_power=b2_power, lr=lr, beta1=b1, beta2=b2, epsilon=eps, grad=g)

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


def train_loaded(trainer, data, weights, opt_state, config, rng, held_out=None):
    """Train an :class:`_MLPTrainer` (or a subclass) from ``weights`` on
    ``data`` (``ResidentRows``), holding its lock: load, run :func:`_epochs`,
    read the state back. Returns the weights (of the best epoch with
    ``held_out`` rows), the Adam state and the :class:`TrainingResult`."""
    with trainer.lock:
        trainer.load(weights, opt_state)
        kept = False
        try:
            result, kept = _epochs(trainer, data, config, rng, held_out)
        finally:
            weights, opt_state = trainer.unload(kept_best=kept)
    return weights, opt_state, result


def train_mlp(rows, weights, opt_state, config, rng, held_out=None):
    """Train the built-in encoder from ``weights`` (:class:`MLPWeights`,
    float32) on ``rows`` (:class:`TrainingRows`).

    ``opt_state``: the :class:`AdamState` a previous call returned (continued),
    or None. ``held_out``, if given, are held-out :class:`TrainingRows` whose
    loss is monitored after each epoch. Returns the weights (of the best
    epoch with ``held_out``), the Adam state and the :class:`TrainingResult`.
    """
    sparse, X_tensor = _as_tensors(rows.X)
    trainer = _mlp_trainer(len(weights.coefs), config.activation, config.metric, sparse,
                           _sampled(config, len(weights.class_embeddings)))
    data = resident(rows, X_tensor)
    if held_out is not None:
        held_out = resident(held_out, _as_tensors(held_out.X)[1])
    return train_loaded(trainer, data, weights, opt_state, config, rng, held_out)
