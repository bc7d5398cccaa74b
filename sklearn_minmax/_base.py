"""What every min-max estimator shares: input checks, the fit wrapper that
restores the estimator on error, training of the encoder through the
backend, the embedding, ``to_keras`` and pickling."""

# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import numbers
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _inference, _initialization, _targets
from ._metric_registry import METRICS
from ._training_types import AUTO_COMPONENTS, AdamState, MLPWeights

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_SKLEARN_BASE = os.path.join("sklearn", "base.py")


def _version():
    from . import __version__

    return __version__


def _warn(message, category):
    """Warn at the first frame outside this package (and scikit-learn's
    ``fit`` wrapper): the user's line."""
    frame, level = sys._getframe(1), 2
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE)
                                 or frame.f_code.co_filename.endswith(_SKLEARN_BASE)):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _random_state(random_state):
    """A RandomState for ``fit`` that never draws from numpy's global state."""
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _check_numeric_frame(X):
    """Name the non-numeric columns of a DataFrame rather than one bad value."""
    if not hasattr(X, "select_dtypes"):
        return
    bad = [str(c) for c in X.select_dtypes(exclude=["number", "bool"]).columns]
    if bad:
        raise ValueError(
            f"X has non-numeric columns {bad[:10]}: encode them first (for instance "
            "with OneHotEncoder or OrdinalEncoder in a ColumnTransformer)."
        )


def _check_range(X):
    """Reject values beyond the float32 range the model trains in, with a
    clear error rather than infinities (in training) or overflows (in
    prediction)."""
    values = X.data if sp.issparse(X) else X
    if values.size and np.nanmax(np.abs(values)) > np.finfo(np.float32).max:
        raise ValueError(
            "X has values beyond the float32 range the model trains in (max |X| = "
            f"{np.abs(values).max():.3g}); scale X (for instance with StandardScaler)."
        )
    return X


class BaseMinMax(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base of the min-max estimators (not for direct use).

    Subclasses define ``_fit_validated`` and, where they train, the
    parameters ``encoder``, ``hidden_layer_sizes``, ``n_components``,
    ``activation`` and ``metric``.
    """

    @contextlib.contextmanager
    def _restored_on_error(self):
        """Where the block raises (an error or an interrupt), leave the
        estimator as it was before it."""
        state = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        first_call = not ((incremental or self.warm_start)
                          and hasattr(self, "class_embeddings_"))
        with self._restored_on_error():
            numeric = self._numeric_input(X)
            if numeric:
                _check_numeric_frame(X)
            _targets.check_label_lists(y)
            X, y = validate_data(self, X, y, multi_output=True, reset=first_call,
                                 **self._X_checks(numeric))
            if numeric:
                X = _check_range(X).astype(np.float32)
            return self._fit_validated(X, y, sample_weight, incremental, classes,
                                       first_call)

    def _record(self, result, validated, first_call, incremental):
        """The history attributes, as in ``MLPClassifier``: the curves
        continue across ``warm_start`` fits and ``partial_fit`` calls, and
        ``n_iter_`` counts the epochs of the last ``fit`` (of every
        ``partial_fit`` call)."""
        previous = [] if first_call else self.loss_curve_
        self.loss_curve_ = previous + result.loss_curve
        if validated:
            before = None if first_call else self.validation_scores_
            self.validation_scores_ = (before or []) + result.validation_scores
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)
        self.n_iter_ = len(self.loss_curve_) if incremental else len(result.loss_curve)

    def _train_mlp(self, rows, held_out, config, first_call, rng):
        """Train the built-in MLP encoder; its weights end up as numpy arrays."""
        from . import _mlp_training  # TensorFlow is imported only here

        if first_call:
            hidden = np.atleast_1d(np.asarray(self._hidden_layers(), dtype=int))
            if (hidden < 1).any():
                raise ValueError("hidden_layer_sizes must contain positive integers; "
                                 f"got {hidden.tolist()}.")
            n_classes = self._n_classes()
            n_components = self.n_components or int(np.clip(n_classes, 32, AUTO_COMPONENTS))
            weights = _initialization.init_mlp(rows.X.shape[1], hidden.tolist(),
                                               n_components, n_classes, config, rng)
            opt_state = None
        else:
            weights = MLPWeights(self.coefs_, self.intercepts_,
                                 self.class_embeddings_).astype(np.float32)
            m, v, step = self._optimizer_state
            opt_state = AdamState(MLPWeights(*m), MLPWeights(*v), step)
        weights, opt_state, result = _mlp_training.train_mlp(
            rows, weights, opt_state, config, rng, held_out=held_out)
        weights = weights.astype(np.float64)
        self.coefs_, self.intercepts_ = weights.coefs, weights.intercepts
        self.class_embeddings_ = weights.class_embeddings
        self.encoder_ = None
        # plain lists and arrays in the fitted state (what skops trusts)
        self._optimizer_state = (list(opt_state.m), list(opt_state.v), opt_state.step)
        return result

    def _train_keras(self, rows, held_out, config, first_call, rng):
        """Train a user-supplied Keras encoder, kept as ``encoder_``."""
        from . import _keras_models, _keras_training  # TensorFlow is imported only here

        if first_call:
            model, dim = _keras_models.build_encoder(self.encoder, rows.X)
            table = METRICS[config.metric].initial_table(self._n_classes(), dim,
                                                         config.max_norm, rng)
            opt_state = None
        else:
            model, table = self.encoder_, self.class_embeddings_.astype(np.float32)
            opt_state = getattr(self, "_optimizer_state", None)
        table, opt_state, result = _keras_training.train_keras(
            model, rows, table, opt_state, config, rng, held_out=held_out)
        self.encoder_ = model
        self.class_embeddings_ = table.astype(np.float64)
        self._optimizer_state = opt_state
        return result

    def _n_classes(self):
        return len(self.classes_)

    def _hidden_layers(self):
        return self.hidden_layer_sizes

    def _numeric_input(self, X):
        """Whether ``X`` gets the numeric checks: always for the built-in
        encoder; for a Keras encoder, unless it is text (strings) or other
        objects the encoder reads."""
        if self.encoder is None or sp.issparse(X):
            return True
        if hasattr(X, "dtypes") and not hasattr(X, "dtype"):  # a DataFrame
            return all(getattr(d, "kind", "O") in "fiub" for d in X.dtypes)
        X = X if hasattr(X, "dtype") else np.asarray(X)
        if X.dtype.kind == "O" and X.size:  # numbers held as objects are numbers
            return isinstance(np.ravel(X)[0], (numbers.Number, np.number))
        return X.dtype.kind in "fiub"

    def _X_checks(self, numeric=True):
        """What X may be: numeric 2-D (dense or sparse) for the MLP; numeric
        of two or more dimensions, dense and finite, for a Keras encoder, or
        what it reads (text, objects) as it is."""
        if self.encoder is None:
            return dict(accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        if numeric:
            return dict(dtype=[np.float64, np.float32], allow_nd=True)
        return dict(dtype=None, ensure_2d=False, allow_nd=True,
                    ensure_all_finite=False)

    def _validate_X(self, X):
        check_is_fitted(self)
        numeric = self._numeric_input(X)
        if numeric:
            _check_numeric_frame(X)
        X = validate_data(self, X, reset=False, **self._X_checks(numeric))
        return _check_range(X) if numeric else X

    def _embed(self, X):
        if getattr(self, "encoder_", None) is not None:
            from ._keras_models import embed

            return embed(self.encoder_, X)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = _inference.encode(self.coefs_, self.intercepts_, X, self.activation)
        if not np.isfinite(Z).all():
            raise ValueError("X has values so large that their embedding overflows; "
                             "scale X (for instance with StandardScaler).")
        return Z

    def _class_space(self):
        """The class table mapped for scoring, computed once per fit."""
        cached = self.__dict__.get("_mapped_classes")
        if cached is None or cached[0] is not self.class_embeddings_:
            mapped = METRICS[self.metric].class_space(self.class_embeddings_,
                                                      self._max_norm)
            self._mapped_classes = cached = (self.class_embeddings_, mapped)
        return cached[1]

    def _score_chunks(self, X, with_shares=False):
        """Scores (and shares) of validated ``X`` in chunks of rows."""
        return _inference.score_chunks(self._embed(X), self._class_space(), self.metric,
                                       with_shares=with_shares)

    def _scores(self, X):
        return _inference.scores(self._embed(self._validate_X(X)), self._class_space(),
                                 self.metric)

    def transform(self, X):
        """Embed samples with the feature encoder.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            ``f(X)``, in the dtype of ``X``.
        """
        X = self._validate_X(X)
        dtype = X.dtype if X.dtype.kind == "f" else np.float64
        with np.errstate(over="ignore"):
            Z = self._embed(X).astype(dtype, copy=False)
        if not np.isfinite(Z).all():
            raise ValueError(f"X has values so large that their embedding overflows "
                             f"{dtype}; scale X (for instance with StandardScaler).")
        return Z

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Natural logarithm of the probabilities.
        """
        return np.log(self.predict_proba(X))

    def to_keras(self):
        """The fitted dual encoder as a Keras model, for serving or fine-tuning.

        The feature encoder followed by a
        :class:`sklearn_minmax.layers.ClassEmbedding` layer holding the class
        table. Its output is the score of every class, equal to
        :meth:`decision_function` (to float32 precision; with two classes and
        1-D ``y``, ``decision_function`` is the second column minus the
        first). Compiled with :class:`sklearn_minmax.losses.MinMaxLoss`, it
        trains on the min-max loss in Keras; it is a copy, and changes to it
        leave the estimator as it is. Saved with ``model.save(path)``, it
        loads in any process with :func:`sklearn_minmax.layers.load_model`.

        Returns
        -------
        model : keras.Model
            The dual encoder.
        """
        check_is_fitted(self)
        from ._keras_models import dual_encoder

        return dual_encoder(self)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_mapped_classes", None)
        if type(self).__module__.startswith("sklearn_minmax."):
            state["_sklearn_minmax_version"] = _version()
        return state

    def __setstate__(self, state):
        saved = state.pop("_sklearn_minmax_version", None)
        if saved is not None and saved != _version():
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} from sklearn_minmax "
                f"{saved} with sklearn_minmax {_version()}. It may give wrong "
                "results; refit it with this version.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
