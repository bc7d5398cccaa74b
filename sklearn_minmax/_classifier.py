"""MinMaxClassifier: the scikit-learn layer."""

# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _decision, _scoring
from ._scoring import DEFAULT_MAX_NORM, METRICS
from ._utils import merge_duplicates

# Scores against every class used to estimate the decision rule (a random
# subsample of rows), rows embedded at a time, rows (and scores at most, with
# many classes) used to fit the softmax.
_MAX_SCORE_ENTRIES = 2**17
_ROWS = 2**16
_OWN_ROWS, _OWN_PER_CLASS = 2**13, 50
_SOFTMAX_ROWS, _SOFTMAX_ENTRIES = 1000, 2**20


def _version():
    from . import __version__

    return __version__


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


def _as_float32(X):
    """X in float32, where the model trains; values beyond its range are
    rejected with a clear error rather than trained on as infinities."""
    with np.errstate(over="ignore"):
        X32 = X.astype(np.float32)
    if np.isinf(X32.data if sp.issparse(X32) else X32).any():
        values = X.data if sp.issparse(X) else X
        raise ValueError(
            "X has values beyond the float32 range the model trains in (max |X| = "
            f"{np.abs(values).max():.3g}); scale X (for instance with StandardScaler)."
        )
    return X32


def _keras_embed(model, X):
    """Embeddings from a Keras encoder, as float64 rows."""
    if X.dtype.kind in "US":  # Keras takes text as Python strings
        X = X.astype(object)
    Z = model.predict(X, batch_size=1024, verbose=0)
    return np.asarray(Z, dtype=np.float64).reshape(len(Z), -1)


def _interleave(coefs, intercepts):
    for W, b in zip(coefs, intercepts):
        yield W
        yield b


def _split(tags, fraction, multilabel, rng):
    """Rows held out for early stopping (stratified on 1-D y where possible).

    None when there are too few rows to hold any out.
    """
    n = len(tags)
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 2:
        return None
    stratify = None
    if not multilabel:
        counts = np.bincount(tags[:, 0])
        if counts[counts > 0].min() >= 2 and n_val >= (counts > 0).sum():
            stratify = tags[:, 0]
    return train_test_split(np.arange(n), test_size=n_val, stratify=stratify,
                            random_state=rng.randint(np.iinfo(np.int32).max))


class MinMaxClassifier(
    ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin, BaseEstimator
):
    """Classifier trained with the min-max loss, for partially tagged data.

    A feature encoder ``f`` (a multi-layer perceptron) maps each sample to an
    embedding of ``n_components`` dimensions, and a table holds one learned
    embedding per class. Training pulls each sample's embedding toward the
    embedding of every class it is tagged with, and pushes every pair of class
    embeddings toward a fixed target separation (orthogonal class vectors for
    the cosine metric). No missing tag is ever treated as a negative, so a
    sample that shares the features of several classes ends up close to all
    of them, and :meth:`predict_multilabel` returns every class it belongs to
    even when each training sample was tagged with only one.

    Parameters
    ----------
    encoder : keras.Model or callable, default=None
        Feature encoder for text, images or anything a Keras model reads: a
        Keras model (cloned, starting from its weights if it is built) or a
        function that builds one from the input shape ``X.shape[1:]``. Its
        output is the embedding (``n_components``, ``hidden_layer_sizes``,
        ``activation`` and ``alpha`` are then unused), prediction runs through
        Keras, and the fitted encoder is pickled in Keras' own format. None
        uses the built-in MLP, trained in compiled TensorFlow and predicted in
        numpy.

    n_components : int, default=None
        Dimension of the embeddings. None uses ``n_classes`` clipped to
        ``[32, 256]``, so that the class vectors can be orthogonal.

    hidden_layer_sizes : array-like of shape (n_layers,), default=(100,)
        Hidden layers of the feature encoder, as in ``MLPClassifier``.

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.

    metric : {"cosine", "euclidean", "manhattan", "kl"}, default="cosine"
        Distance ``D`` between a sample and a class embedding. See Notes.

    n_negatives : int, default=None
        None pushes apart all pairs of classes at every step (exact; memory
        O(n_classes^2)). An integer instead pushes each example's class away
        from ``n_negatives`` classes sampled uniformly, for large label sets.

    max_norm : float, default=None
        Bound on the norm of the class embeddings (L2 for "euclidean" and
        "kl", L1 for "manhattan"; unused by "cosine"). None means 1.0, and 8.0
        for "kl".

    push_weight : float, default=0.5
        Weight of the push term relative to the pull term. The push is each
        class's sum of pair penalties to the other classes (see Notes), so
        its strength per pair of classes does not fade as classes are added.

    threshold : float, default=None
        Score (``decision_function``) from which :meth:`predict_multilabel`
        assigns a class. None derives one threshold per class from the
        training data (see Notes).

    alpha : float, default=1e-4
        Strength of the L2 penalty on the encoder's weights.

    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" means ``min(200, n_samples)``.

    learning_rate : float, default=1e-3
        Step size of the Adam optimizer.

    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Parameters of Adam.

    max_iter : int, default=200
        Maximum number of epochs.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training rows, stop when their
        score has not improved by ``tol`` for ``n_iter_no_change`` epochs, and
        keep the weights of the best epoch. The score is minus the min-max
        loss of the held-out rows. On by default (unlike
        ``MLPClassifier``): with partial tags, a long fit memorises which of
        its labels each training sample happened to carry, which costs the
        other labels; the held-out loss turns up exactly then. Skipped
        when there are too few rows to hold any out.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    tol : float, default=1e-4
        Training stops when the loss (or, with ``early_stopping``, the
        validation score) has not improved by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    n_iter_no_change : int, default=10
        See ``tol``.

    class_weight : dict, "balanced" or None, default=None
        Weight of each class's pull terms, ``{label: weight}``; "balanced"
        uses ``n_tags / (n_classes * tags of the class)``.

    warm_start : bool, default=False
        Continue from the previous fit's weights and optimizer state;
        ``loss_curve_`` and ``n_iter_`` keep counting, as in ``MLPClassifier``.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and negative sampling. No global random
        state (numpy, Python, TensorFlow, Keras) is used or changed.

    verbose : int, default=0
        Print the loss and time of each epoch to stderr.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for a 2-D indicator ``y``, the column indices).

    class_embeddings_ : ndarray of shape (n_classes, n_components)
        Learned class embeddings.

    coefs_ : list of ndarray
        Weight matrices of the built-in MLP encoder.

    intercepts_ : list of ndarray
        Bias vectors of the built-in MLP encoder.

    encoder_ : keras.Model or None
        The fitted Keras encoder when ``encoder`` is given, else None.

    thresholds_ : ndarray of shape (n_classes,)
        Threshold of each class used by :meth:`predict_multilabel`: on the
        class's share of a sample (see Notes) with 1-D ``y``, on the score
        with a 2-D indicator ``y`` or a given ``threshold``.

    loss_curve_ : list of float
        Training loss of each epoch.

    best_loss_ : float or None
        Lowest training loss reached; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Validation score of each epoch with ``early_stopping``, else None.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, else None.

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Softmax (or one-vs-rest) network,
        which treats every missing tag as a negative.

    Notes
    -----
    The loss is ``mean pull + push_weight * push``, where the pull is the
    distance ``D(f(x), e_c)`` to each tagged class and the push is
    ``(n_classes - 1) * mean_{i != j} (s(e_i, e_j) - target)^2`` over class
    pairs, each class's sum of penalties averaged over classes (with
    ``n_negatives``, the sum over each example's sampled classes; see
    :mod:`sklearn_minmax.losses`): the pull on a class comes from about
    ``1/n_classes`` of the samples, and a pair's share of a plain mean,
    ``1/n_classes**2``, would let close classes merge as classes are added
    (on 50 synthetic classes, held-out accuracy 0.29 with the mean, 0.48
    with the sum, 0.50 for MLPClassifier). The target separation has a well-spread
    optimum for any number of classes, and leaves each class close enough to
    the others that a point between them is near all.

    Scores (``decision_function``; higher means more likely): cosine similarity
    ``cos(f(x), e_c)``, or minus the distance: ``-|f(x) - e_c|_2``,
    ``-|f(x)/|f(x)|_1 - e_c/R|_1`` (manhattan compares on the unit L1 sphere,
    ``R = max_norm``), ``-KL(q_c || p_x)`` with ``p = softmax``.

    Default decision rule, from the training data alone. With 1-D ``y`` (one
    tag per sample, which may leave labels out): the pull puts a sample tagged
    at random among its ``k`` classes at their mixture, where each of them is
    equally close and other classes are far. So a class's *share* of a
    sample, its closeness over that of the sample's best class (closeness: 1
    at the class, 0 at the push's separation; ``cos`` for cosine,
    ``1 - d**2 / 4`` for manhattan, ``exp(-KL/2)`` for kl, the projection
    ``<f(x), e_c> / |e_c|**2`` for euclidean), is about 1 for every class of
    the sample and about 0 for the others, whatever ``k``. A class is
    predicted where its share reaches ``threshold_c``, which starts halfway,
    at 0.5. Then two steps make the thresholds consistent with the member
    counts they imply: a sample with ``k`` labels carries each of them as its
    tag with probability ``1/k``, so the samples tagged ``c``, each counted
    ``k`` times (``k`` its predicted number of classes), estimate how many
    samples belong to ``c``. Where the training rows reaching ``threshold_c``
    are more than 5 % fewer than that, it moves down until they are within
    5 % (never up: tags leave labels out, they never add any). The best class
    is always predicted. Single tags cannot tell a sample of two classes from
    one whose class is uncertain between them (both are tagged either way at
    random), and the rule counts such a sample in both: on ordinary
    single-label data with confusable classes it lists the plausible classes.

    With a 2-D indicator ``y``, taken as complete label sets: ``m1_c`` is the
    median score that samples tagged ``c`` get for ``c``, ``m0_c`` the median
    score that samples not tagged ``c`` get for ``c`` (both shrunk toward the
    all-class medians for rare classes), and a class is predicted where the
    score reaches::

        threshold_c = m0_c + 0.5 * (m1_c - m0_c)

    Probabilities: with 1-D ``y``, ``softmax(beta * scores)`` with ``beta``
    fitted by maximum likelihood on the training tags (rows sum to 1). With a
    2-D indicator ``y``, independent
    ``sigmoid(beta_c * (score - threshold_c))`` with
    ``beta_c = 2 logit(0.95) / (m1_c - m0_c)``, clipped to ``(0, 1)``: 0.5 at
    the threshold, 0.95 at the typical own-tag score.

    Identical training rows (same features and tags) are merged and their
    sample weights summed: an integer weight is exactly equivalent to
    repeating a row, and the fitted model does not depend on row order.

    Examples
    --------
    >>> from sklearn_minmax import MinMaxClassifier
    >>> from sklearn_minmax.datasets import make_partial_tags
    >>> X, y, Y, blob = make_partial_tags(random_state=100)
    >>> clf = MinMaxClassifier(random_state=0).fit(X, y)
    >>> clf.predict_multilabel(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "encoder": [callable, None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "metric": [StrOptions(set(METRICS))],
        "n_negatives": [Interval(Integral, 1, None, closed="left"), None],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
        "push_weight": [Interval(Real, 0, None, closed="left")],
        "threshold": [Real, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        encoder=None,
        n_components=None,
        hidden_layer_sizes=(100,),
        activation="relu",
        metric="cosine",
        n_negatives=None,
        max_norm=None,
        push_weight=0.5,
        threshold=None,
        alpha=1e-4,
        batch_size="auto",
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=10,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.encoder = encoder
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.metric = metric
        self.n_negatives = n_negatives
        self.max_norm = max_norm
        self.push_weight = push_weight
        self.threshold = threshold
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _encode_targets(self, y, classes, first_call):
        """Tags as a padded ``(n_samples, k)`` array of class indices.

        On the first call, sets ``classes_`` (from ``classes`` if given) and
        whether the targets are a multilabel indicator; later calls must match.
        """
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        multilabel = y_type == "multilabel-indicator"
        if not multilabel and y.ndim != 1:
            raise ValueError(
                "y must be 1-D class labels or a 2-D 0/1 indicator matrix; "
                f"got a target of type {y_type!r}."
            )
        if first_call:
            self._multilabel = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
            else:
                self.classes_ = np.unique(y) if classes is None else np.unique(classes)
        elif multilabel != self._multilabel or (
            multilabel and y.shape[1] != len(self.classes_)
        ):
            raise ValueError(
                "y has a different form than in the first fit: expected "
                + (f"a 0/1 indicator of {len(self.classes_)} columns."
                   if self._multilabel else "1-D class labels.")
            )
        if multilabel:
            Y = y.toarray() if sp.issparse(y) else np.asarray(y)
            self._y_dtype = Y.dtype
            counts = (Y != 0).sum(axis=1)
            tags = np.full((Y.shape[0], max(int(counts.max()), 1)), -1, dtype=np.int32)
            rows, cols = np.nonzero(Y)
            slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            tags[rows, slot] = cols
            return tags
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unseen.tolist()[:10]}. Pass every label with `classes` on the "
                "first call of partial_fit."
            )
        return np.searchsorted(self.classes_, y).astype(np.int32)[:, None]

    def _tag_weights(self, tags):
        """Weight of each (sample, tag) pull term: ``class_weight``, 0 for padding."""
        mask = (tags >= 0).astype(np.float64)
        if self.class_weight is None:
            return mask
        n_classes = len(self.classes_)
        if self.class_weight == "balanced":
            counts = np.bincount(tags[tags >= 0], minlength=n_classes)
            per_class = mask.sum() / (n_classes * np.maximum(counts, 1))
        else:
            per_class = np.ones(n_classes)
            for label, w in self.class_weight.items():
                where = np.flatnonzero(self.classes_ == label)
                if len(where) == 0:
                    raise ValueError(
                        f"class_weight names label {label!r}, which is not in "
                        f"classes_ {self.classes_.tolist()}."
                    )
                per_class[where] = w
        return mask * per_class[np.maximum(tags, 0)]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the dual encoder to samples and their tags.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse matrices are used without densifying.

        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class of each sample (for partially tagged data, one of the classes
            it belongs to), or a 0/1 indicator matrix of its tags.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample's pull term; zero removes the sample.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over ``(X, y)``, continuing from the current model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        y : array-like of shape (n_samples,) or (n_samples, n_classes)

        classes : array-like of shape (n_classes,), default=None
            Every label that will ever appear; required with 1-D ``y`` on the
            first call, ignored afterwards.

        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if not hasattr(self, "classes_") and classes is None and np.ndim(y) == 1:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        first_call = not ((incremental or self.warm_start)
                          and hasattr(self, "class_embeddings_"))
        state = dict(self.__dict__)
        try:
            if self.encoder is None:
                _check_numeric_frame(X)
            X, y = validate_data(self, X, y, multi_output=True, reset=first_call,
                                 **self._X_checks())
            if self.encoder is None:
                X = _as_float32(X)
            return self._fit_validated(X, y, sample_weight, incremental, classes,
                                       first_call)
        except BaseException:
            # an error or an interrupt leaves the estimator as it was before
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit_validated(self, X, y, sample_weight, incremental, classes, first_call):
        tags = self._encode_targets(y, classes, first_call)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        sample_weight[(tags < 0).all(axis=1)] = 0.0  # rows without any tag
        rng = _random_state(self.random_state)
        if sp.issparse(X) or (X.dtype.kind in "fiub" and X.ndim == 2):
            rows, weight = merge_duplicates(X, tags, sample_weight)
        else:  # what the Keras encoder takes: drop zero weights, keep the rest
            rows = np.flatnonzero(sample_weight > 0)
            weight = sample_weight[rows]
        n_classes = len(self.classes_)
        present = np.unique(tags[rows][tags[rows] >= 0])
        if first_call and (n_classes < 2 or len(present) < 2):
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes "
                f"with positive weight; got {len(present)} class."
            )
        if len(rows) == 0:
            raise ValueError("Every sample has zero weight: nothing to fit.")
        X, tags = X[rows], tags[rows]
        mask = self._tag_weights(tags)
        split = None
        if self.early_stopping and not incremental:
            # after merging: copies of a row are all in training or all held out
            split = _split(tags, self.validation_fraction, self._multilabel, rng)
        val = None
        if split is not None:
            train, held = split
            val = (X[held], tags[held], mask[held], weight[held])
            X, tags, mask, weight = X[train], tags[train], mask[train], weight[train]

        metric = self.metric
        max_norm = float(self.max_norm or DEFAULT_MAX_NORM[metric])
        options = dict(
            metric=metric, max_norm=max_norm, n_negatives=self.n_negatives,
            batch_size=200 if self.batch_size == "auto" else self.batch_size,
            learning_rate=self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2,
            epsilon=self.epsilon, push_weight=self.push_weight,
            max_iter=1 if incremental else self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, rng=rng, verbose=self.verbose,
        )
        from . import _training  # TensorFlow is imported only here

        train = self._train_keras if self.encoder is not None else self._train_mlp
        try:
            history = train(_training, X, tags, mask, weight, first_call, val, options)
        except _training.NonFiniteLossError as exc:
            what = ("became NaN or infinite" if len(exc.args) == 1 else
                    f"diverged (from {exc.args[1]:.3g} to {exc.args[2]:.3g})")
            raise FloatingPointError(
                f"The training loss {what} at epoch {exc.args[0]}: lower "
                f"learning_rate (now {self.learning_rate:g}) or scale X (for "
                "instance with StandardScaler). The estimator is left unfitted."
            ) from None

        if val is not None:
            self.validation_scores_ = history.validation_scores
            self.best_validation_score_ = max(history.validation_scores)
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = min(history.loss_curve)
        # as in MLPClassifier: warm_start and partial_fit continue the curve
        previous = [] if first_call else self.loss_curve_
        self.loss_curve_ = previous + history.loss_curve
        self.n_iter_ = len(self.loss_curve_)
        self._max_norm = max_norm
        self._n_features_out = self.class_embeddings_.shape[1]
        if not history.converged and not incremental:
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self._fit_decision_rule(X, tags, mask, weight, rng)
        return self

    def _train_mlp(self, _training, X, tags, mask, weight, first_call, val, options):
        """Train the built-in MLP encoder; its weights end up as numpy arrays."""
        metric, max_norm = options["metric"], options["max_norm"]
        if first_call:
            hidden = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=int))
            if (hidden < 1).any():
                raise ValueError("hidden_layer_sizes must contain positive integers; "
                                 f"got {hidden.tolist()}.")
            n_classes = len(self.classes_)
            n_components = self.n_components or int(np.clip(n_classes, 32, 256))
            params = _training.init_params(
                X.shape[1], hidden.tolist(), n_components, n_classes, self.activation,
                metric, max_norm, options["rng"],
            )
            opt_state = None
        else:
            params = [*_interleave(self.coefs_, self.intercepts_), self.class_embeddings_]
            params = [p.astype(np.float32) for p in params]
            opt_state = self._optimizer_state
        params, opt_state, history = _training.train(
            X, tags, mask, weight, params, opt_state, activation=self.activation,
            alpha=self.alpha, validation=val, **options,
        )
        params = [np.asarray(p, dtype=np.float64) for p in params]
        self.coefs_, self.intercepts_ = params[:-1:2], params[1:-1:2]
        self.class_embeddings_ = params[-1]
        self.encoder_ = None
        self._optimizer_state = opt_state
        return history

    def _train_keras(self, _training, X, tags, mask, weight, first_call, val, options):
        """Train a user-supplied Keras encoder, kept as ``encoder_``."""
        import keras

        metric, max_norm = options["metric"], options["max_norm"]
        if first_call:
            if isinstance(self.encoder, keras.Model):
                model = keras.models.clone_model(self.encoder)
                if self.encoder.built:
                    model.build(self.encoder.input_shape if hasattr(
                        self.encoder, "input_shape") else (None, *X.shape[1:]))
                    model.set_weights(self.encoder.get_weights())
            else:
                model = self.encoder(X.shape[1:])
                if not isinstance(model, keras.Model):
                    raise TypeError(
                        "encoder must be a keras.Model or a function returning one "
                        f"from the input shape; the function returned {type(model)}."
                    )
            dim = int(np.prod(model(X[:1]).shape[1:]))
            table = _training.init_params(
                0, [], dim, len(self.classes_), "identity", metric, max_norm,
                options["rng"])[-1]
            opt_state = None
        else:
            model, table = self.encoder_, self.class_embeddings_.astype(np.float32)
            opt_state = getattr(self, "_optimizer_state", None)
        table, opt_state, history = _training.train_keras(
            model, X, tags, mask, weight, table, validation=val, opt_state=opt_state,
            **options
        )
        self.encoder_ = model
        self.class_embeddings_ = table.astype(np.float64)
        self._optimizer_state = opt_state
        return history

    def _fit_decision_rule(self, X, tags, mask, weight, rng):
        """Per-class thresholds and probability scales from training scores."""
        n_classes, metric = len(self.classes_), self.metric
        E = self._class_space()
        # One pass over a random subsample of rows, in chunks: the own-tag
        # scores of their tagged (sample, class) pairs, and the embeddings of
        # a smaller subsample of them, scored below against every class. The
        # larger sample is for the per-class medians of indicator targets;
        # the share rule of 1-D targets needs the smaller one alone.
        n = X.shape[0]
        n_own = min(n, max(_OWN_ROWS, _OWN_PER_CLASS * n_classes))
        n_sub = min(n_own, max(200, _MAX_SCORE_ENTRIES // n_classes))
        keep = np.sort(rng.choice(n, n_own, replace=False))
        sub = np.zeros(n_own, dtype=bool)
        sub[rng.choice(n_own, n_sub, replace=False)] = True
        if not self._multilabel:
            keep, sub = keep[sub], np.ones(n_sub, dtype=bool)
        own, rows, cls, Z_sub = [], [], [], []
        for start in range(0, len(keep), _ROWS):
            r = keep[start:start + _ROWS]
            Z = self._embed(X[r])
            i, slot = np.nonzero(mask[r])
            c = tags[r[i], slot]
            own.append(_scoring.paired_similarity(
                _scoring.sample_space(Z[i], metric), E[c], metric))
            rows.append(r[i])
            cls.append(c)
            Z_sub.append(Z[sub[start:start + _ROWS]])
        own = _decision.rule_space(np.concatenate(own), metric)
        rows, cls = np.concatenate(rows), np.concatenate(cls)
        sub = keep[sub]
        Z_sub = np.concatenate(Z_sub)
        S = _scoring.scores(Z_sub, E, metric)
        R = _decision.rule_space(S, metric)
        tagged = np.zeros((n_sub, n_classes), dtype=bool)
        r, s = np.nonzero(mask[sub])
        tagged[r, tags[sub][r, s]] = True

        if self._multilabel:
            thresholds, self._rule_slopes = _decision.fit_rule(
                own, weight[rows], cls, R, weight[sub], tagged)
            self._rule_thresholds = _decision.from_rule_space(thresholds, metric)
        else:
            self._rule_thresholds = _decision.fit_share_rule(
                _scoring.shares(_scoring.sample_space(Z_sub, metric), E, metric, S),
                weight[sub], tagged)
            m1, m0 = _decision.typical_scores(own, weight[rows], R, weight[sub], tagged)
            few = slice(0, max(20, min(_SOFTMAX_ROWS, _SOFTMAX_ENTRIES // n_classes)))
            self._softmax_scale = _decision.fit_softmax_scale(
                S[few], tags[sub, 0][few], weight[sub][few], m1 - m0)

    # ------------------------------------------------------------ prediction
    @property
    def thresholds_(self):
        check_is_fitted(self)
        if self.threshold is not None:
            return np.full(len(self.classes_), float(self.threshold))
        return self._rule_thresholds

    def _X_checks(self):
        """What X may be: numeric 2-D for the MLP; as the Keras encoder takes it."""
        if self.encoder is None:
            return dict(accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        return dict(dtype=None, ensure_2d=False, allow_nd=True,
                    ensure_all_finite=False)

    def _validate_X(self, X):
        check_is_fitted(self)
        if self.encoder is None:
            _check_numeric_frame(X)
        return validate_data(self, X, reset=False, **self._X_checks())

    def _embed(self, X):
        if getattr(self, "encoder_", None) is not None:
            return _keras_embed(self.encoder_, X)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = _scoring.encode(self.coefs_, self.intercepts_, X, self.activation)
        if not np.isfinite(Z).all():
            raise ValueError("X has values so large that their embedding overflows; "
                             "scale X (for instance with StandardScaler).")
        return Z

    def _class_space(self):
        """The class table mapped for scoring, computed once per fit."""
        cached = self.__dict__.get("_mapped_classes")
        if cached is None or cached[0] is not self.class_embeddings_:
            mapped = _scoring.class_space(self.class_embeddings_, self.metric,
                                          self._max_norm)
            self._mapped_classes = cached = (self.class_embeddings_, mapped)
        return cached[1]

    def _score_chunks(self, X, share=False):
        """Scores (or shares) of validated ``X`` in chunks of rows (see _scoring)."""
        return _scoring.score_chunks(self._embed(X), self._class_space(), self.metric,
                                     share=share)

    def _scores(self, X):
        return _scoring.scores(self._embed(self._validate_X(X)), self._class_space(),
                               self.metric)

    def transform(self, X):
        """Embed samples with the feature encoder.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

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

    def decision_function(self, X):
        """Similarity of each sample to each class; higher means more likely.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            With two classes and 1-D ``y``, the score of ``classes_[1]`` minus
            that of ``classes_[0]`` (positive means ``classes_[1]``), as in
            scikit-learn's binary classifiers.
        """
        check_is_fitted(self)
        S = self._scores(X)
        if not self._multilabel and S.shape[1] == 2:
            return S[:, 1] - S[:, 0]
        return S

    def predict_multilabel(self, X):
        """Every class each sample belongs to.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        Y : ndarray of shape (n_samples, n_classes)
            0/1 indicator: 1 where the score (with 1-D ``y`` and no
            ``threshold``, the class's share, see Notes) reaches
            ``thresholds_``.
        """
        check_is_fitted(self)
        X = self._validate_X(X)
        Y = np.empty((X.shape[0], len(self.classes_)),
                     dtype=self._y_dtype if self._multilabel else int)
        share = self.threshold is None and not self._multilabel
        for rows, S in self._score_chunks(X, share=share):
            Y[rows] = S >= self.thresholds_
        return Y

    def predict(self, X):
        """Predict the best class (1-D ``y``) or the label set (2-D ``y``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self._multilabel:
            return self.predict_multilabel(X)
        X = self._validate_X(X)
        best = [np.argmax(S, axis=1) for _, S in self._score_chunks(X)]
        return self.classes_[np.concatenate(best)]

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            With 1-D ``y``, a distribution over classes (rows sum to 1). With a
            2-D indicator ``y``, independent per-label probabilities in (0, 1).
        """
        check_is_fitted(self)
        S = self._scores(X)
        if not self._multilabel:
            return softmax(self._softmax_scale * S, axis=1)
        eps = np.finfo(np.float64).eps
        t = _decision.rule_space(self.thresholds_, self.metric)
        P = expit(self._rule_slopes * (_decision.rule_space(S, self.metric) - t))
        return np.clip(P, eps, 1 - eps)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def __getstate__(self):
        state = super().__getstate__()
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
