"""Initial weights of the encoders and of the class table, in numpy."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._activations import ACTIVATIONS
from ._metric_registry import METRICS
from ._training_types import MLPWeights


def init_layers(sizes, activation, rng):
    """Glorot-uniform dense layers of ``sizes`` (input first) and zero biases."""
    factor = ACTIVATIONS[activation].glorot_factor
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
    table = METRICS[config.metric].initial_table(n_classes, n_components,
                                                 config.max_norm, rng)
    return MLPWeights(coefs, intercepts, table)
