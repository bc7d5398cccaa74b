"""TensorFlow, imported without its start-up messages and without Keras.

Importing TensorFlow and starting its runtime write a dozen lines from C++
straight to the process's stderr (CPU features, oneDNN, a missing CUDA
driver), which Python cannot filter, and some of them whatever the level
``TF_CPP_MIN_LOG_LEVEL`` asks for (they are logged before TensorFlow reads
it). Unless TensorFlow is already imported or the user asked for every
message (``TF_CPP_MIN_LOG_LEVEL=0``), file descriptor 2 points at
``os.devnull`` while they start, and is restored right after: later
messages, and anything the user asks for (``verbose``), go to stderr as
usual.

TensorFlow's import ends by importing all of Keras (for registrations Keras
makes again whenever it is imported), about as long as TensorFlow's own
import. Training the built-in encoder never uses Keras, so that step is
skipped while TensorFlow imports (:func:`_keras_deferred`); Keras is imported
as usual by whatever first uses it (a Keras encoder, ``to_keras``,
:mod:`sklearn_minmax.losses`, or the user's own code).

Where this import starts TensorFlow and ``OMP_NUM_THREADS`` is set, as
joblib sets it in its worker processes (``GridSearchCV(n_jobs=...)``) to
share the cores among them, TensorFlow's thread pools take that size, as
numpy's BLAS does (:func:`_thread_limit`); otherwise each worker would start
a pool as large as the machine and they would oversubscribe it. The user's
own ``TF_NUM_INTRAOP_THREADS``/``TF_NUM_INTEROP_THREADS`` win.

Where this import starts TensorFlow, its thread pools also wait for work
asleep instead of spinning (:func:`_without_spinning`). A pool's threads
otherwise spin for a while after each operation, on cores the thread that
runs the next operation needs: with one pool thread per core, every small
operation of a step competes with them. On the 2-core development machine a
digits fit took 20 to 25% less time, and layers of 1,024 units as long as
before (docs: benchmarks, threads). A user who wants the spinning back
imports and configures TensorFlow before the first ``fit``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import importlib.abc
import importlib.machinery
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


class _DeferKeras(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``keras`` where it is (TensorFlow reads its location) but
    declines to execute it: the import raises ImportError, which TensorFlow's
    eager Keras import catches, and leaves nothing in ``sys.modules``."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None:
            spec.loader = self
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("keras is imported when first used")


@contextlib.contextmanager
def _keras_deferred():
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        yield
        return
    finder = _DeferKeras()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _thread_limit():
    """``OMP_NUM_THREADS`` as a positive int, or None (unset or not a count)."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return n if n > 0 else None


def _without_spinning():
    """Ask the eager runtime, not started yet, for thread pools that do not
    spin (``ConfigProto.experimental.disable_thread_spinning``). TensorFlow
    has no public setting for it; if its context does not look as expected
    (another TensorFlow version), nothing is changed."""
    try:
        from tensorflow.core.protobuf import config_pb2
        from tensorflow.python.eager import context
    except ImportError:  # pragma: no cover - another layout of TensorFlow
        return
    ctx = context.context()
    started = getattr(ctx, "_initialized", True)
    if started or not hasattr(ctx, "_config") or ctx._config is not None:
        return
    config = config_pb2.ConfigProto()
    config.experimental.disable_thread_spinning = True
    ctx._config = config


def _import():
    starting = "tensorflow" not in sys.modules
    quiet = starting and os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0"
    with _stderr_to_devnull() if quiet else contextlib.nullcontext():
        with _keras_deferred():
            import tensorflow

        limit = _thread_limit() if starting else None
        if limit is not None:
            threading = tensorflow.config.threading
            if "TF_NUM_INTRAOP_THREADS" not in os.environ:
                threading.set_intra_op_parallelism_threads(limit)
            if "TF_NUM_INTEROP_THREADS" not in os.environ:
                threading.set_inter_op_parallelism_threads(limit)
        if starting:
            _without_spinning()
        tensorflow.config.list_logical_devices()  # starts the runtime
    return tensorflow


tf = _import()
