"""Training of the dual encoder in compiled TensorFlow: the epoch every
trainer shares, and the loop of epochs until early stopping.

TensorFlow is imported by this module and the trainers built on it, which
the estimators import lazily from ``fit``.

One compiled function runs whole epochs: the data stay resident as tensors,
the loop over minibatches and the optimizer updates run inside the graph, and
no Python runs per batch. With early stopping each epoch then measures the
held-out loss and keeps the best weights so far; the stopping rule itself
runs in the graph too, so a run of up to 16 epochs costs one call, and
Python reads the run's losses back and keeps the record epoch by epoch.
Two trainers share that epoch (:class:`_Trainer`):

- ``_mlp_training._MLPTrainer``, the built-in encoder (a stack of dense
  layers), whose weights are shape-agnostic variables: its compiled
  functions are cached per architecture, so a grid search of hundreds of
  fits traces each once and does not accumulate graphs (the clustering
  trainers of ``_cluster_training`` are built on it);
- ``_keras_training._KerasTrainer``, a user's Keras encoder, traced once per
  fit and updated by Keras' own Adam.
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools
import sys
import time
from typing import NamedTuple

import numpy as np

from ._backend import tf
from ._loss_ops import minmax_loss
from ._training_types import NonFiniteLossError, TrainingResult, TrainingRows

# An epoch whose loss exceeds this many times the initial one (or 1) diverged:
# the min-max loss starts near 1 and a stable fit only lowers it.
_DIVERGED = 10.0
# Rows on which the initial loss is measured (they are in canonical order, so
# this is a fixed, row-order independent sample).
_INITIAL_ROWS = 4096
# A run of epochs ends once its epochs' orders hold this many rows: the
# run's orders are all resident at once.
_CHUNK_ROWS = 2**22
# The scalars the compiled epoch reads, packed by :func:`pack_minmax_hyper`.
_HYPER = ("learning_rate", "beta_1", "beta_2", "epsilon", "alpha", "push_weight",
          "max_norm", "n_negatives", "mean_weight")


def pack_scalars(values, names):
    """``values[name]`` for each of ``names`` as one float32 vector (one
    tensor is cheaper to pass than one per name); :func:`unpack_scalars`
    reads it."""
    return tf.constant([float(values[name]) for name in names], tf.float32)


def pack_minmax_hyper(config, mean_weight):
    """The hyper-parameters of ``config`` the compiled epoch of the min-max
    loss reads, packed (:data:`_HYPER`)."""
    values = {name: getattr(config, name, None) for name in _HYPER}
    values.update(n_negatives=config.n_negatives or 0, mean_weight=mean_weight)
    return pack_scalars(values, _HYPER)


def unpack_scalars(hyper, names):
    """The vector of :func:`pack_scalars`, inside the graph, as ``{name: scalar}``."""
    return dict(zip(names, tf.unstack(hyper, num=len(names))))


class ResidentRows(NamedTuple):
    """Training rows as the compiled epochs read them: ``tensors``, a
    :class:`TrainingRows` of tensors, and ``mean_weight``, the mean row
    weight (the loss weighs rows by their weight over it)."""

    tensors: TrainingRows
    mean_weight: float


def resident(rows, X_tensor):
    """The :class:`ResidentRows` of :class:`TrainingRows` ``rows``, whose
    features are already the tensor(s) ``X_tensor``."""
    tensors = TrainingRows(X_tensor, tf.constant(rows.tags, tf.int32),
                           tf.constant(rows.tag_weights, tf.float32),
                           tf.constant(rows.row_weights, tf.float32))
    return ResidentRows(tensors, float(np.mean(rows.row_weights)))


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

    def hyper_of(self, config, mean_weight):
        """The scalars of ``config`` the compiled epoch reads (:data:`HYPER`), packed."""
        return pack_minmax_hyper(config, mean_weight)

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

    def _batch(self, rows, idx, seed, hyper, training):
        """The loss of the batch of rows ``idx``. ``rows`` (a
        :class:`TrainingRows` of tensors) are whole, so that a loss may read
        rows beyond the batch (the clustering loss reads each row's
        neighbours)."""
        return self._batch_loss(self._gather(rows.X, idx), tf.gather(rows.tags, idx),
                                tf.gather(rows.tag_weights, idx),
                                tf.gather(rows.row_weights, idx), seed, hyper, training)

    def _batch_loss(self, xb, tags, tag_weights, row_weights, seed, hyper, training):
        z = self._embed(xb, training)
        return minmax_loss(
            z, tags, self.table, metric=self.metric, tag_mask=tag_weights,
            sample_weight=row_weights / hyper["mean_weight"],
            push_weight=hyper["push_weight"],
            max_norm=hyper["max_norm"],
            n_negatives=tf.cast(hyper["n_negatives"], tf.int32) if self.sampled else None,
            seed=seed,
        )

    def _train_epoch(self, rows, perm, batch_size, seed, hyper):
        """An epoch of updates: the mean training loss."""
        return self._run_epoch(rows, perm, batch_size, seed, hyper, True)

    def _evaluate(self, rows, perm, batch_size, seed, hyper):
        """The mean loss over the rows ``perm``, without updates."""
        return self._run_epoch(rows, perm, batch_size, seed, hyper, False)

    def _train_epoch_validated(self, rows, perm, batch_size, seed, hyper, held_out, best):
        """An epoch of updates, then the mean loss on the held-out rows
        (``held_out``: their tensors and packed hyper-parameters); when minus
        that loss beats ``best``, the weights are kept (:meth:`_keep_best`).
        Returns both losses."""
        loss = self._train_epoch(rows, perm, batch_size, seed, hyper)
        held_rows, held_hyper = held_out
        with tf.control_dependencies([loss]):
            vloss = self._evaluate(held_rows, tf.range(tf.shape(held_rows.tags)[0]),
                                   batch_size, tf.zeros([2], tf.int32), held_hyper)
        kept = tf.cond(-vloss > best, self._keep_best, lambda: tf.constant(False))
        with tf.control_dependencies([kept]):
            return tf.identity(loss), tf.identity(vloss)

    def _train_epochs(self, rows, perms, batch_size, seeds, hyper, control,
                      held_out=None):
        """Epochs of updates, one per row of ``perms`` and ``seeds``, until
        the monitored value stalls, in one call: :func:`_epochs`' stopping
        rule run in the graph, so that a run of epochs costs one call.

        The monitored value is minus the held-out loss with ``held_out``
        (the held-out rows' tensors and packed hyper-parameters; the best
        weights are kept as by :meth:`_train_epoch_validated`), else minus
        the training loss.
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
            if held_out is not None:
                loss, vloss = self._train_epoch_validated(
                    rows, perms[e], batch_size, seeds[e], hyper, held_out,
                    tf.cast(best, tf.float32))
                monitored = -tf.cast(vloss, tf.float64)
            else:
                loss = self._train_epoch(rows, perms[e], batch_size, seeds[e], hyper)
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

    def _run_epoch(self, rows, perm, batch_size, seed, hyper, update):
        """One pass over the batches of ``perm``: the mean loss (with the
        encoder's penalty), with updates when ``update``."""
        hyper = unpack_scalars(hyper, self.HYPER)
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        rows = rows._replace(X=self._x_rows(rows.X))

        def body(i, total):
            idx = perm[i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            nb = tf.cast(tf.shape(idx)[0], tf.float32)
            if update and self.closed_form:
                return i + 1, total + self._closed_form_step(
                    rows, idx, tf.stack([seed[0], seed[1] + i]), hyper, nb) * nb
            with tf.GradientTape() as tape:
                loss = self._batch(rows, idx, tf.stack([seed[0], seed[1] + i]), hyper,
                                   update)
                objective = loss + self._penalty(hyper, nb)
            if update:
                self._step(tape, loss, objective, hyper, nb)
            return i + 1, total + objective * nb

        with tf.control_dependencies(self._start_epoch() if update else []):
            _, total = tf.while_loop(lambda i, _: i < n_batches, body,
                                     (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(n, tf.float32)

    def _start_epoch(self):
        """Operations to run before an epoch of updates (none here)."""
        return []

    def _x_rows(self, X):
        """The features as rows a batch gathers from."""
        return X

    # The compiled entry points, each traced when first used.
    signature = None

    @functools.cached_property
    def evaluate(self):
        return self._compile(self._evaluate, self.signature)

    def _epochs_signature(self, validated):
        if self.signature is None:
            return None
        rows, _, batch, _, hyper = self.signature
        held_out = [(rows, hyper)] if validated else []
        return [rows, tf.TensorSpec([None, None], tf.int32), batch,
                tf.TensorSpec([None, 2], tf.int32), hyper, tf.TensorSpec([5], tf.float64),
                *held_out]

    @functools.cached_property
    def train_epochs(self):
        return self._compile(self._train_epochs, self._epochs_signature(False))

    @functools.cached_property
    def train_epochs_validated(self):
        return self._compile(self._train_epochs, self._epochs_signature(True))


def _sampled(config, n_classes):
    return config.n_negatives is not None and config.n_negatives < n_classes - 1


def _stop_message(validation, config):
    what = "Validation score" if validation else "Training loss"
    return (f"{what} did not improve more than tol={config.tol:g} for "
            f"{config.n_iter_no_change} consecutive epochs.")


def _initial_loss(trainer, rows, n, batch, hyper, config):
    """The loss of the starting weights on a fixed sample of the rows: the
    scale of a sound loss (a ``NonFiniteLossError`` where it is not finite)."""
    initial = float(trainer.evaluate(rows, tf.range(min(n, _INITIAL_ROWS)), batch,
                                     tf.zeros([2], tf.int32), hyper))
    if not np.isfinite(initial):
        raise NonFiniteLossError(0, config.learning_rate)
    return initial


def _draw_run(trainer, n, batch_size, k, rng):
    """The orders and seeds of a run of up to ``k`` epochs, drawn from
    ``rng`` as epoch by epoch (fewer where their orders reach
    ``_CHUNK_ROWS``), and the state of ``rng`` after each epoch's draws."""
    perms, seeds, states = [], [], []
    for _ in range(k):
        perms.append(trainer.order(n, batch_size, rng))
        seeds.append(rng.randint(0, 2**31 - 1, size=2))
        states.append(rng.get_state())
        if len(perms) * len(perms[0]) >= _CHUNK_ROWS:
            break
    return tf.constant(np.stack(perms)), tf.constant(np.stack(seeds), tf.int32), states


def _epochs(trainer, data, config, rng, held_out):
    """Run epochs until the monitored value stalls for ``n_iter_no_change``.

    ``data`` and ``held_out`` are :class:`ResidentRows`. The monitored value
    is minus the loss on the ``held_out`` rows when given (evaluated in the
    same compiled call as the epoch, which keeps the weights of the best
    epoch in the trainer), else minus the training loss.
    Epochs run in runs of up to ``trainer.epochs_per_call`` per compiled call
    (:meth:`_Trainer._train_epochs`, which stops where this loop would), one
    per call with ``verbose`` so that each epoch prints as it ends; the
    orders and seeds are drawn from ``rng`` as epoch by epoch, and ``rng``
    is left where the epochs that ran leave it, so the model and the draws
    after training do not depend on the runs' length.
    Returns the :class:`TrainingResult` and whether best weights were kept.
    """
    rows = data.tensors
    n = int(rows.tags.shape[0])
    batch = tf.constant(min(config.batch_size, n), tf.int32)
    hyper = trainer.hyper_of(config, data.mean_weight)
    initial = _initial_loss(trainer, rows, n, batch, hyper, config)
    validated = held_out is not None
    train = trainer.train_epochs_validated if validated else trainer.train_epochs
    held_out = ((held_out.tensors, trainer.hyper_of(config, held_out.mean_weight))
                if validated else None)
    limit = _DIVERGED * max(initial, 1.0)
    result, best, no_improve, epoch = TrainingResult(), -np.inf, 0, 0
    while epoch < config.max_iter and not result.stop_reason:
        start = time.perf_counter()
        k = 1 if config.verbose else min(config.max_iter - epoch, trainer.epochs_per_call)
        perms, seeds, states = _draw_run(trainer, n, int(batch), k, rng)
        control = tf.constant([best, config.tol, config.n_iter_no_change, limit,
                               no_improve], tf.float64)
        losses, scores = train(rows, perms, batch, seeds, hyper, control, held_out)
        losses, scores = losses.numpy().tolist(), scores.numpy().tolist()
        # ``rng`` set back to where the epochs that ran leave it
        rng.set_state(states[len(losses) - 1])
        for loss, monitored in zip(losses, scores):
            epoch += 1
            if not np.isfinite(loss):
                raise NonFiniteLossError(epoch, config.learning_rate)
            if loss > limit:
                raise NonFiniteLossError(epoch, config.learning_rate, initial, loss)
            result.loss_curve.append(loss)
            message = f"Epoch {epoch}, loss = {loss:.6f}"
            if validated:
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
                result.stop_reason = _stop_message(validated, config)
                break
    if config.verbose:
        why = result.stop_reason or f"Reached max_iter={config.max_iter} epochs."
        print(f"{why} Stopping; best epoch: {result.best_epoch}.", file=sys.stderr)
    return result, validated and result.best_epoch > 0
