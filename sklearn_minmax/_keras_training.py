"""Training of a user's Keras encoder, in the compiled epoch of
:mod:`sklearn_minmax._training` (imported, with Keras, only for such an
encoder)."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._backend import tf
from ._training import _epochs, _sampled, _Trainer, resident


class _KerasTrainer(_Trainer):
    """A user-supplied Keras encoder with the class table, updated by Keras'
    own Adam. The encoder's own regularisers apply; ``alpha`` does not.

    One epoch per compiled call: two epochs run in one call of
    ``_train_epochs`` did not give the second epoch that a second call gives
    (a two-epoch fit no longer matched two ``partial_fit`` calls), so Keras'
    optimizer is not trusted across epochs of one graph.
    """

    epochs_per_call = 1

    def __init__(self, model, table, config, sampled):
        import keras

        super().__init__(config.metric, sampled)
        self.model = model
        self.table = tf.Variable(table)
        self.optimizer = keras.optimizers.Adam(
            config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2,
            epsilon=config.epsilon)
        self.variables = [*model.trainable_variables, self.table]
        self.optimizer.build(self.variables)
        self.weights = [*model.weights, self.table]
        self.best = [tf.Variable(tf.convert_to_tensor(w), trainable=False)
                     for w in self.weights]

    def _embed(self, xb, training):
        return tf.cast(self.model(xb, training=training), tf.float32)

    def _penalty(self, hyper, nb):
        return tf.add_n([0.0, *self.model.losses])

    def _step(self, tape, loss, objective, hyper, nb):
        grads = tape.gradient(objective, self.variables)
        self.optimizer.apply_gradients(zip(grads, self.variables))

    def state_variables(self):
        """Adam's step count and moments (the learning rate is each call's own)."""
        return [v for v in self.optimizer.variables
                if not v.path.endswith("learning_rate")]

    def _keep_best(self):
        for best, var in zip(self.best, self.weights):
            best.assign(tf.convert_to_tensor(var))
        return tf.constant(True)

    def restore_best(self):
        self.model.set_weights([b.numpy() for b in self.best[:-1]])
        self.table.assign(self.best[-1])


def train_keras(model, rows, table, opt_state, config, rng, held_out=None):
    """Like :func:`train_mlp`, for a Keras encoder (trained in place).

    ``opt_state`` is the list of Adam's arrays a previous call returned, or
    None. Returns the table, the Adam state and the :class:`TrainingResult`;
    with ``held_out`` rows the model and table are those of the best epoch.
    """
    trainer = _KerasTrainer(model, table, config, _sampled(config, table.shape[0]))
    state_vars = trainer.state_variables()
    if opt_state is not None and [tuple(v.shape) for v in state_vars] == [
            np.shape(a) for a in opt_state]:
        for var, value in zip(state_vars, opt_state):
            var.assign(value)
    data = resident(rows, tf.constant(rows.X))
    if held_out is not None:
        held_out = resident(held_out, tf.constant(held_out.X))
    result, kept = _epochs(trainer, data, config, rng, held_out)
    if kept:
        trainer.restore_best()
    return trainer.table.numpy(), [v.numpy() for v in state_vars], result
