"""``tf`` for the registries of metrics and activations, whose TensorFlow
operations sit beside their numpy ones: TensorFlow is imported when one of
them first runs, never by importing them (prediction and unpickling need
numpy only)."""

# SPDX-License-Identifier: BSD-3-Clause


class _LazyTensorFlow:
    def __getattr__(self, name):
        from ._backend import tf

        return getattr(tf, name)


tf = _LazyTensorFlow()
