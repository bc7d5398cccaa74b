"""The activations of the built-in encoder: one entry each in
:data:`ACTIVATIONS`, in numpy (prediction), in TensorFlow (training, with
the gradient the written-out back-propagation uses), by Keras' name
(``to_keras``), and the scale of its Glorot initialisation.

Importing this module never imports TensorFlow (:mod:`sklearn_minmax._lazy_tf`).
"""

# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit

from ._lazy_tf import tf


class Activation(NamedTuple):
    """An activation: ``numpy`` applies it in place to a float64 array;
    ``tf`` to a tensor; ``tf_grad(y, dy)`` gives the gradient in its input
    from its output ``y`` and the gradient ``dy`` there (the fused kernels
    TensorFlow's own gradients use); ``keras`` is Keras' name of it;
    ``glorot_factor`` the numerator of the Glorot-uniform bound
    ``sqrt(factor / (fan_in + fan_out))``, as in ``MLPClassifier``."""

    numpy: Callable
    tf: Callable
    tf_grad: Callable
    keras: str
    glorot_factor: float = 6.0


ACTIVATIONS = {
    "identity": Activation(
        numpy=lambda h: h,
        tf=lambda h: tf.identity(h),
        tf_grad=lambda y, dy: dy,
        keras="linear"),
    "logistic": Activation(
        numpy=lambda h: expit(h, out=h),
        tf=lambda h: tf.sigmoid(h),
        tf_grad=lambda y, dy: tf.raw_ops.SigmoidGrad(y=y, dy=dy),
        keras="sigmoid", glorot_factor=2.0),
    "tanh": Activation(
        numpy=lambda h: np.tanh(h, out=h),
        tf=lambda h: tf.tanh(h),
        tf_grad=lambda y, dy: tf.raw_ops.TanhGrad(y=y, dy=dy),
        keras="tanh"),
    "relu": Activation(
        numpy=lambda h: np.maximum(h, 0, out=h),
        tf=lambda h: tf.nn.relu(h),
        tf_grad=lambda y, dy: tf.raw_ops.ReluGrad(gradients=dy, features=y),
        keras="relu"),
}
