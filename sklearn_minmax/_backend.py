"""TensorFlow and Keras, imported without their start-up messages.

Importing TensorFlow and starting its runtime write a dozen lines from C++
straight to the process's stderr (CPU features, oneDNN, a missing CUDA
driver), which Python cannot filter. Unless TensorFlow is already imported
or the user has chosen a level with ``TF_CPP_MIN_LOG_LEVEL``, file
descriptor 2 points at ``os.devnull`` while they start, and is restored
right after: later messages, and anything the user asks for (``verbose``),
go to stderr as usual.
"""

# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_to_devnull():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import():
    quiet = "tensorflow" not in sys.modules and "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    with _stderr_to_devnull() if quiet else contextlib.nullcontext():
        import keras  # noqa: F401  (Keras' start-up, in the same window)
        import tensorflow

        tensorflow.config.list_logical_devices()  # starts the runtime
    return tensorflow


tf = _import()
