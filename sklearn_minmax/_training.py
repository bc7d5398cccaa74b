"""Training of the dual encoder in compiled TensorFlow.

This is the only module of the estimator that imports TensorFlow; the
estimator imports it lazily from ``fit``.

The encoder (a stack of dense layers, the same computation as a Keras
``Sequential`` of ``Dense`` layers) and the class table are plain tensors
threaded through a compiled function that runs one whole epoch: the data stay
resident as tensors, the loop over minibatches and the Adam updates run inside
the graph, and no Python runs per batch. The compiled functions take every
shape as dynamic and are cached per architecture, so a grid search of
hundreds of fits traces each of them once and does not accumulate graphs.
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools
import sys
import threading
import time

import numpy as np
import tensorflow as tf

from . import losses

_ACTIVATIONS = {
    "identity": tf.identity,
    "logistic": tf.sigmoid,
    "tanh": tf.tanh,
    "relu": tf.nn.relu,
}


def _first_layer(W, b, x, sparse):
    if not sparse:
        return tf.nn.bias_add(tf.matmul(x, W), b)
    indices, values = x  # ragged rows of the batch
    rows = tf.gather(W, indices) * tf.expand_dims(values, -1)
    return tf.nn.bias_add(tf.reduce_sum(rows, axis=1), b)


def encode(params, x, activation, sparse=False):
    """Forward pass of the feature encoder; ``params = [W1, b1, ..., Wk, bk]``."""
    act = _ACTIVATIONS[activation]
    h = _first_layer(params[0], params[1], x, sparse)
    for i in range(2, len(params), 2):
        h = tf.nn.bias_add(tf.matmul(act(h), params[i]), params[i + 1])
    return h


class _Trainer:
    """A compiled epoch of minibatch Adam over shape-agnostic variables.

    One trainer exists per architecture (number of layers, activation,
    metric, sparse input, sampled negatives). Its variables have no fixed
    shape: each fit assigns its own arrays, so the compiled function is traced
    once and reused by every later fit, whatever the data's shape. Fits that
    share a trainer run one after the other (``lock``).

    With sampled negatives the class table's gradient is sparse (the rows of a
    batch's tags and negatives), and the table and its Adam moments are
    updated in place on those rows only ("lazy" Adam): the cost of a step does
    not grow with the number of classes.
    """

    def __init__(self, n_params, activation, metric, sparse, sampled):
        self.lock = threading.Lock()
        self.activation, self.metric = activation, metric
        self.sparse, self.sampled = sparse, sampled
        ranks = [2 if i % 2 == 0 or i == n_params - 1 else 1 for i in range(n_params)]

        def slots(name):
            return [tf.Variable(tf.zeros([0] * r), shape=tf.TensorShape([None] * r),
                                trainable=name == "param", name=f"{name}{i}")
                    for i, r in enumerate(ranks)]

        self.params, self.m, self.v = slots("param"), slots("m"), slots("v")
        self.t = tf.Variable(0.0, trainable=False)
        vec = tf.TensorSpec([None], tf.float32)
        if sparse:
            x_spec = (tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64),
                      vec)
        else:
            x_spec = tf.TensorSpec([None, None], tf.float32)
        signature = [
            x_spec,
            tf.TensorSpec([None, None], tf.int32),              # tags
            tf.TensorSpec([None, None], tf.float32), vec,       # tag mask, weight
            tf.TensorSpec([None], tf.int32),                    # permutation
            tf.TensorSpec([], tf.int32),                        # batch size
            tf.TensorSpec([2], tf.int32),                       # seed
            tf.TensorSpec([9], tf.float32),                     # hyper-parameters
        ]
        self.run_epoch = tf.function(functools.partial(self._run_epoch, update=True),
                                     input_signature=signature)
        self.evaluate = tf.function(functools.partial(self._run_epoch, update=False),
                                    input_signature=signature)

    def load(self, params, opt_state):
        for var, value in zip(self.params, params):
            var.assign(value)
        if opt_state is None:
            opt_state = ([np.zeros_like(p) for p in params],
                         [np.zeros_like(p) for p in params], 0.0)
        for var, value in zip(self.m + self.v, opt_state[0] + opt_state[1]):
            var.assign(value)
        self.t.assign(opt_state[2])

    def snapshot(self):
        return [p.numpy() for p in self.params]

    def unload(self):
        """Read the state back as numpy and release the memory it holds."""
        out = ([p.numpy() for p in self.params],
               ([m.numpy() for m in self.m], [v.numpy() for v in self.v],
                float(self.t.numpy())))
        for var in self.params + self.m + self.v:
            var.assign(tf.zeros([0] * len(var.shape)))
        return out

    def _loss(self, xb, tags, mask, w, seed, hyper):
        """Min-max loss of a batch, and its L2 penalty (whose gradient,
        ``alpha / batch * W``, is added to the weights' gradients directly)."""
        alpha, push_weight, max_norm, n_neg, wbar = tf.unstack(hyper[4:])
        params = self.params
        z = encode(params[:-1], xb, self.activation, self.sparse)
        loss = losses.minmax_loss(
            z, tags, params[-1], metric=self.metric, tag_mask=mask,
            sample_weight=w / wbar, push_weight=push_weight, max_norm=max_norm,
            n_negatives=tf.cast(n_neg, tf.int32) if self.sampled else None,
            seed=seed,
        )
        return loss, alpha / tf.cast(tf.shape(z)[0], tf.float32)

    def _adam(self, hyper):
        lr, b1, b2, eps = tf.unstack(hyper[:4])
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

    def _run_epoch(self, X, tags, mask, weight, perm, batch_size, seed, hyper, update):
        """One pass over the batches of ``perm``: mean loss, with Adam updates
        when ``update``."""
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        if self.sparse:
            row_splits, col, val = X
            col_rows = tf.RaggedTensor.from_row_splits(col, row_splits, validate=False)
            val_rows = tf.RaggedTensor.from_row_splits(val, row_splits, validate=False)

        def body(i, total):
            idx = perm[i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            if self.sparse:
                xb = (tf.gather(col_rows, idx), tf.gather(val_rows, idx))
            else:
                xb = tf.gather(X, idx)
            with tf.GradientTape() as tape:
                loss, decay = self._loss(xb, tf.gather(tags, idx), tf.gather(mask, idx),
                                         tf.gather(weight, idx),
                                         tf.stack([seed[0], seed[1] + i]), hyper)
            weights = self.params[:-1:2]
            l2 = tf.add_n([tf.reduce_sum(tf.square(W)) for W in weights])
            if update:
                grads = tape.gradient(loss, self.params)
                adam = self._adam(hyper)
                for j, (p, g, m, v) in enumerate(zip(self.params, grads, self.m,
                                                     self.v)):
                    if j % 2 == 0 and j < len(self.params) - 1:
                        g = g + decay * p
                    adam(p, g, m, v)
            nb = tf.cast(tf.shape(idx)[0], tf.float32)
            return i + 1, total + (loss + 0.5 * decay * l2) * nb

        _, total = tf.while_loop(lambda i, _: i < n_batches, body,
                                 (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(n, tf.float32)


class _KerasTrainer:
    """Trains a user-supplied Keras encoder with the class table.

    The compiled epoch is traced once per fit (the model is the user's), and
    uses Keras' own Adam. The encoder's own regularisers apply; ``alpha``
    does not.
    """

    def __init__(self, model, table, metric, sampled, hyper):
        import keras

        self.model, self.metric, self.sampled = model, metric, sampled
        self.table = tf.Variable(table)
        lr, b1, b2, eps = (float(h) for h in hyper[:4])
        self.optimizer = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
        self.variables = [*model.trainable_variables, self.table]
        self.optimizer.build(self.variables)
        self.run_epoch = tf.function(functools.partial(self._run_epoch, update=True))
        self.evaluate = tf.function(functools.partial(self._run_epoch, update=False))

    def _run_epoch(self, X, tags, mask, weight, perm, batch_size, seed, hyper, update):
        _, push_weight, max_norm, n_neg, wbar = tf.unstack(hyper[4:])
        n = tf.shape(perm)[0]

        def body(i, total):
            idx = perm[i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            with tf.GradientTape() as tape:
                z = tf.cast(self.model(tf.gather(X, idx), training=update), tf.float32)
                loss = losses.minmax_loss(
                    z, tf.gather(tags, idx), self.table, metric=self.metric,
                    tag_mask=tf.gather(mask, idx),
                    sample_weight=tf.gather(weight, idx) / wbar,
                    push_weight=push_weight, max_norm=max_norm,
                    n_negatives=tf.cast(n_neg, tf.int32) if self.sampled else None,
                    seed=tf.stack([seed[0], seed[1] + i]),
                ) + tf.add_n([0.0, *self.model.losses])
            if update:
                grads = tape.gradient(loss, self.variables)
                self.optimizer.apply_gradients(zip(grads, self.variables))
            return i + 1, total + loss * tf.cast(tf.shape(idx)[0], tf.float32)

        _, total = tf.while_loop(lambda i, _: i < (n + batch_size - 1) // batch_size,
                                 body, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(n, tf.float32)

    def snapshot(self):
        return [w.numpy() for w in self.model.weights] + [self.table.numpy()]

    def restore(self, snapshot):
        self.model.set_weights(snapshot[:-1])
        self.table.assign(snapshot[-1])


def train_keras(model, X, tags, mask, weight, table, *, metric, max_norm, n_negatives,
                batch_size, learning_rate, beta_1, beta_2, epsilon, push_weight,
                max_iter, tol, n_iter_no_change, rng, verbose=0, validation=None,
                opt_state=None):
    """Like :func:`train`, for a Keras encoder (trained in place).

    ``opt_state``: the Adam state a previous call returned (continued, as
    :func:`train` does), or None. Returns the table (numpy), the Adam state and
    the :class:`History`; with ``validation`` data the model and table are
    those of the best epoch.
    """
    sampled = n_negatives is not None and n_negatives < table.shape[0] - 1
    hyper = _hyper(learning_rate, beta_1, beta_2, epsilon, 0.0, push_weight, max_norm,
                   n_negatives)
    trainer = _KerasTrainer(model, table, metric, sampled, hyper)
    # the step count and moments; the learning rate is this call's own
    state_vars = [v for v in trainer.optimizer.variables
                  if not v.path.endswith("learning_rate")]
    if opt_state is not None and [tuple(v.shape) for v in state_vars] == [
            np.shape(a) for a in opt_state]:
        for var, value in zip(state_vars, opt_state):
            var.assign(value)
    history = _epochs(trainer, _data(X, tags, mask, weight, tf.constant(X)),
                      min(batch_size, len(tags)), hyper, max_iter, tol,
                      n_iter_no_change, rng, verbose,
                      validation and _data(*validation, tf.constant(validation[0])))
    if history.best_params is not None:
        trainer.restore(history.best_params)
    return trainer.table.numpy(), [v.numpy() for v in state_vars], history


@functools.cache
def _trainer(n_params, activation, metric, sparse, sampled):
    return _Trainer(n_params, activation, metric, sparse, sampled)


def init_params(n_features, hidden_layer_sizes, n_components, n_classes, activation,
                metric, max_norm, rng):
    """Glorot-uniform dense layers, zero biases; class vectors of norm max_norm."""
    sizes = [n_features, *hidden_layer_sizes, n_components]
    factor = 2.0 if activation == "logistic" else 6.0
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        params.append(np.zeros(fan_out))
    table = rng.standard_normal((n_classes, n_components))
    if metric == "kl" and n_classes <= n_components:
        # Start at the push optimum, as random directions do for the other
        # metrics (nearly orthogonal): softmax of random logits overlap a lot,
        # and the table would need thousands of steps to separate them. Here
        # each class's logits peak on a coordinate of its own (mean zero, the
        # most concentrated distribution under the norm bound), jittered.
        peaks = np.full((n_classes, n_components), -1.0 / n_components)
        peaks[np.arange(n_classes), rng.permutation(n_components)[:n_classes]] += 1.0
        table = peaks + 0.1 * table / np.sqrt(n_components)
    order = 1 if metric == "manhattan" else 2
    table *= max_norm / np.linalg.norm(table, ord=order, axis=1, keepdims=True)
    params.append(table)
    return [p.astype(np.float32) for p in params]


def _as_tensors(X):
    """Data as resident tensors: dense matrix, or CSR parts for sparse input."""
    if hasattr(X, "tocsr"):
        X = X.tocsr()
        X.sort_indices()
        return True, (tf.constant(X.indptr, tf.int64), tf.constant(X.indices, tf.int64),
                      tf.constant(X.data, tf.float32))
    return False, tf.constant(X, tf.float32)


# An epoch whose loss exceeds this many times the initial one (or 1) diverged:
# the min-max loss starts near 1 and a stable fit only lowers it.
_DIVERGED = 10.0
# Rows on which the initial loss is measured (they are in canonical order, so
# this is a fixed, row-order independent sample).
_INITIAL_ROWS = 4096


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


class DivergedError(NonFiniteLossError):
    """The training loss grew far above its initial value."""


class History:
    """What the epochs of one call of :func:`train` produced."""

    def __init__(self):
        self.loss_curve, self.validation_scores = [], []
        self.converged = False
        self.best_params = None


def _hyper(learning_rate, beta_1, beta_2, epsilon, alpha, push_weight, max_norm,
           n_negatives):
    return np.array([learning_rate, beta_1, beta_2, epsilon, alpha, push_weight,
                     max_norm, n_negatives or 0, 1.0], np.float32)


def _data(X, tags, mask, weight, X_tensor):
    """Arguments of an epoch: the data as tensors, and its mean weight."""
    return ((X_tensor, tf.constant(tags, tf.int32), tf.constant(mask, tf.float32),
             tf.constant(weight, tf.float32)), float(np.mean(weight)))


def _epochs(trainer, data, batch, hyper, max_iter, tol, n_iter_no_change, rng,
            verbose, validation):
    """Run epochs until the monitored value stalls for ``n_iter_no_change``.

    The monitored value is minus the loss on the ``validation`` data when
    given (evaluated in the same compiled code, with ``trainer.snapshot()`` of
    the best epoch kept), else minus the training loss.
    """
    def evaluate(data, rows=None):
        """Mean loss over ``data`` (its first ``rows`` rows), no update."""
        (X, tags, mask, weight), wbar = data
        n = int(tags.shape[0]) if rows is None else min(rows, int(tags.shape[0]))
        h = tf.constant(np.r_[hyper[:-1], wbar], tf.float32)
        return float(trainer.evaluate(X, tags, mask, weight, tf.range(n), batch,
                                      tf.constant([0, 0]), h))

    n = int(data[0][1].shape[0])
    arrays, train_hyper = data[0], tf.constant(np.r_[hyper[:-1], data[1]], tf.float32)
    batch = tf.constant(batch, tf.int32)
    history, best, no_improve = History(), -np.inf, 0
    initial = evaluate(data, rows=_INITIAL_ROWS)  # the scale of a sound loss
    if not np.isfinite(initial):
        raise NonFiniteLossError(0)
    for epoch in range(max_iter):
        start = time.perf_counter()
        perm = tf.constant(rng.permutation(n).astype(np.int32))
        seed = tf.constant(rng.randint(0, 2**31 - 1, size=2), tf.int32)
        loss = float(trainer.run_epoch(*arrays, perm, batch, seed, train_hyper))
        if not np.isfinite(loss):
            raise NonFiniteLossError(epoch + 1)
        if loss > _DIVERGED * max(initial, 1.0):
            raise DivergedError(epoch + 1, initial, loss)
        history.loss_curve.append(loss)
        message = f"Epoch {epoch + 1}, loss = {loss:.6f}"
        monitored = -loss
        if validation is not None:
            monitored = -evaluate(validation)
            history.validation_scores.append(monitored)
            message += f", validation score = {monitored:.6f}"
            if monitored > best:
                history.best_params = trainer.snapshot()
        if verbose:
            print(f"{message}, time = {time.perf_counter() - start:.3f}s",
                  file=sys.stderr)
        no_improve = no_improve + 1 if monitored < best + tol else 0
        best = max(best, monitored)
        if no_improve >= n_iter_no_change:
            history.converged = True
            break
    return history


def train(X, tags, mask, weight, params, opt_state, *, activation, metric, max_norm,
          n_negatives, batch_size, learning_rate, beta_1, beta_2, epsilon, alpha,
          push_weight, max_iter, tol, n_iter_no_change, rng, verbose=0,
          validation=None):
    """Run epochs of minibatch Adam until the monitored value stops improving.

    ``validation``, if given, is held-out ``(X, tags, mask, weight)`` whose
    loss is monitored after each epoch. Returns the parameters (of the best
    epoch with ``validation``), the optimizer state and the :class:`History`.
    """
    n_classes = params[-1].shape[0]
    sampled = n_negatives is not None and n_negatives < n_classes - 1
    sparse, X_tensor = _as_tensors(X)
    trainer = _trainer(len(params), activation, metric, sparse, sampled)
    hyper = _hyper(learning_rate, beta_1, beta_2, epsilon, alpha, push_weight, max_norm,
                   n_negatives)
    data = _data(X, tags, mask, weight, X_tensor)
    if validation is not None:
        validation = _data(*validation, _as_tensors(validation[0])[1])
    with trainer.lock:
        trainer.load(params, opt_state)
        try:
            history = _epochs(trainer, data, min(batch_size, len(tags)), hyper,
                              max_iter, tol, n_iter_no_change, rng, verbose, validation)
        finally:
            params, opt_state = trainer.unload()
    if history.best_params is not None:
        params = history.best_params
    return params, opt_state, history
