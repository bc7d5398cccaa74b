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
        return tf.matmul(x, W) + b
    indices, values = x  # ragged rows of the batch
    rows = tf.gather(W, indices) * tf.expand_dims(values, -1)
    return tf.reduce_sum(rows, axis=1) + b


def encode(params, x, activation, sparse=False):
    """Forward pass of the feature encoder; ``params = [W1, b1, ..., Wk, bk]``."""
    act = _ACTIVATIONS[activation]
    h = _first_layer(params[0], params[1], x, sparse)
    for i in range(2, len(params), 2):
        h = tf.matmul(act(h), params[i]) + params[i + 1]
    return h


@functools.lru_cache(maxsize=None)
def _epoch_function(n_params, activation, metric, sparse, sampled):
    """Compiled function running one epoch of minibatch Adam."""
    mat, vec = tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)
    param_spec = tuple(mat if i % 2 == 0 or i == n_params - 1 else vec
                       for i in range(n_params))
    if sparse:
        x_spec = (tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64),
                  vec)
    else:
        x_spec = mat
    scalar = tf.TensorSpec([], tf.float32)
    signature = [
        param_spec, param_spec, param_spec, scalar,         # params, m, v, t
        x_spec,
        tf.TensorSpec([None, None], tf.int32), mat, vec,    # tags, mask, weight
        tf.TensorSpec([None], tf.int32),                    # permutation
        tf.TensorSpec([], tf.int32),                        # batch size
        tf.TensorSpec([2], tf.int32),                       # seed
        tf.TensorSpec([9], tf.float32),                     # hyper-parameters
    ]

    def batch_loss(params, xb, tags, mask, w, seed, hyper):
        lr, b1, b2, eps, alpha, push_weight, max_norm, n_neg, wbar = tf.unstack(hyper)
        z = encode(params[:-1], xb, activation, sparse)
        nb = tf.cast(tf.shape(z)[0], tf.float32)
        loss = losses.minmax_loss(
            z, tags, params[-1], metric=metric, tag_mask=mask,
            sample_weight=w / wbar, push_weight=push_weight, max_norm=max_norm,
            n_negatives=tf.cast(n_neg, tf.int32) if sampled else None, seed=seed,
        )
        l2 = tf.add_n([tf.reduce_sum(tf.square(W)) for W in params[:-1:2]])
        return loss + 0.5 * alpha * l2 / nb

    @tf.function(input_signature=signature, jit_compile=False)
    def run_epoch(params, m, v, t, X, tags, mask, weight, perm, batch_size, seed,
                  hyper):
        lr, b1, b2, eps = hyper[0], hyper[1], hyper[2], hyper[3]
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        if sparse:
            row_splits, col, val = X
            col_rows = tf.RaggedTensor.from_row_splits(col, row_splits, validate=False)
            val_rows = tf.RaggedTensor.from_row_splits(val, row_splits, validate=False)

        def body(i, params, m, v, t, total):
            idx = perm[i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            if sparse:
                xb = (tf.gather(col_rows, idx), tf.gather(val_rows, idx))
            else:
                xb = tf.gather(X, idx)
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss = batch_loss(params, xb, tf.gather(tags, idx),
                                  tf.gather(mask, idx), tf.gather(weight, idx),
                                  tf.stack([seed[0], seed[1] + i]), hyper)
            grads = tape.gradient(loss, params)
            t = t + 1.0
            step = lr * tf.sqrt(1.0 - b2**t) / (1.0 - b1**t)
            new_p, new_m, new_v = [], [], []
            for p, g, mi, vi in zip(params, grads, m, v):
                g = tf.convert_to_tensor(g)
                mi = b1 * mi + (1.0 - b1) * g
                vi = b2 * vi + (1.0 - b2) * tf.square(g)
                new_p.append(p - step * mi / (tf.sqrt(vi) + eps))
                new_m.append(mi)
                new_v.append(vi)
            nb = tf.cast(tf.shape(idx)[0], tf.float32)
            return i + 1, tuple(new_p), tuple(new_m), tuple(new_v), t, total + loss * nb

        _, params, m, v, t, total = tf.while_loop(
            lambda i, *_: i < n_batches, body,
            (tf.constant(0), params, m, v, t, tf.constant(0.0)),
        )
        return params, m, v, t, total / tf.cast(n, tf.float32)

    return run_epoch


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


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def train(X, tags, mask, weight, params, opt_state, *, activation, metric, max_norm,
          n_negatives, batch_size, learning_rate, beta_1, beta_2, epsilon, alpha,
          push_weight, max_iter, tol, n_iter_no_change, rng, verbose=0):
    """Run epochs of minibatch Adam until the training loss stops improving.

    Returns the new parameters, optimizer state, the per-epoch losses and
    whether the loss converged (improved by less than ``tol`` for
    ``n_iter_no_change`` epochs) before ``max_iter`` epochs.
    """
    sparse, X = _as_tensors(X)
    n = tags.shape[0]
    n_classes = params[-1].shape[0]
    sampled = n_negatives is not None and n_negatives < n_classes - 1
    fn = _epoch_function(len(params), activation, metric, sparse, sampled)
    tags, mask = tf.constant(tags, tf.int32), tf.constant(mask, tf.float32)
    wbar = float(np.mean(weight))
    weight = tf.constant(weight, tf.float32)
    hyper = tf.constant([learning_rate, beta_1, beta_2, epsilon, alpha, push_weight,
                         max_norm, n_negatives or 0, wbar], tf.float32)
    p = tuple(tf.constant(a) for a in params)
    if opt_state is None:
        m = tuple(tf.zeros_like(a) for a in p)
        v = tuple(tf.zeros_like(a) for a in p)
        t = tf.constant(0.0)
    else:
        m, v, t = (tuple(tf.constant(a) for a in opt_state[0]),
                   tuple(tf.constant(a) for a in opt_state[1]),
                   tf.constant(opt_state[2], tf.float32))
    batch = tf.constant(min(batch_size, n), tf.int32)
    curve, best, no_improve, converged = [], np.inf, 0, False
    for epoch in range(max_iter):
        start = time.perf_counter()
        perm = tf.constant(rng.permutation(n).astype(np.int32))
        seed = tf.constant(rng.randint(0, 2**31 - 1, size=2), tf.int32)
        p, m, v, t, loss = fn(p, m, v, t, X, tags, mask, weight, perm, batch, seed,
                              hyper)
        loss = float(loss)
        if not np.isfinite(loss):
            raise NonFiniteLossError(epoch + 1)
        curve.append(loss)
        if verbose:
            print(f"Epoch {epoch + 1}, loss = {loss:.6f}, "
                  f"time = {time.perf_counter() - start:.3f}s", file=sys.stderr)
        if loss > best - tol:
            no_improve += 1
        else:
            no_improve = 0
        best = min(best, loss)
        if no_improve >= n_iter_no_change:
            converged = True
            break
    params = [a.numpy() for a in p]
    opt_state = ([a.numpy() for a in m], [a.numpy() for a in v], float(t))
    return params, opt_state, curve, converged
