"""Initial weights of the encoders and of the class table, in numpy."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._config import MLPWeights


def init_class_table(n_classes, n_components, metric, max_norm, rng):
    """Class vectors of norm ``max_norm``, spread as the push wants them."""
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
    return table.astype(np.float32)


def init_layers(sizes, activation, rng):
    """Glorot-uniform dense layers of ``sizes`` (input first) and zero biases."""
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        intercepts.append(np.zeros(fan_out, np.float32))
    return coefs, intercepts


def init_mlp(n_features, hidden_layer_sizes, n_components, n_classes, config, rng):
    """Glorot-uniform dense layers, zero biases, and the class table."""
    coefs, intercepts = init_layers([n_features, *hidden_layer_sizes, n_components],
                                    config.activation, rng)
    table = init_class_table(n_classes, n_components, config.metric, config.max_norm,
                             rng)
    return MLPWeights(coefs, intercepts, table)
