"""MinMaxClassifier: the scikit-learn layer.

Parameters, validation, the public methods and the fitted numpy state; the
numerical work is beneath it (``_targets``, ``_training``, ``_decision``).
"""

# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _decision, _targets
from ._activations import ACTIVATIONS
from ._base import BaseMinMax, _random_state, _warn
from ._metric_registry import METRICS
from ._training_types import TrainingConfig, hidden_layers


class MinMaxClassifier(ClassifierMixin, BaseMinMax):
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
        Dimension of the embeddings. None: ``n_classes`` clipped to ``[32,
        384]`` (up to 384 classes, the class vectors can be orthogonal).

    hidden_layer_sizes : array-like of shape (n_layers,) or "auto", default="auto"
        Hidden layers of the feature encoder, as in ``MLPClassifier``; ``()``
        makes it linear. "auto": ``(100,)`` up to 100 classes, none beyond (a
        narrower layer than the classes confines their embeddings, and with
        few tags per class a linear encoder generalises; see "many labels").

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.

    metric : {"cosine", "euclidean", "manhattan", "kl"}, default="cosine"
        Distance ``D`` between a sample and a class embedding. See Notes.

    n_negatives : int, default=None
        None pushes apart all pairs of classes at every step. An integer
        updates only the classes a batch touches (its tags and
        ``n_negatives`` classes sampled per example), for large label sets;
        with the cosine metric and the built-in encoder each is still pushed
        from every class (through a running Gram matrix of the table),
        otherwise from its sampled classes. See the user guide's "many
        labels" page for which to use when.

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
        Minibatch size; "auto" means a tenth of the training rows (of each
        call's rows in ``partial_fit``), within ``[16, 200]``: small data gets
        several steps per epoch, and early stopping sees training settle.

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
        loss of the held-out rows. On by default (unlike ``MLPClassifier``):
        with partial tags, a long fit memorises which of its labels each
        training sample happened to carry, which costs the other labels; the
        held-out loss turns up exactly then. Every class keeps a row in
        training. Skipped when there are too few rows to hold any out.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    tol : float, default=1e-3
        Training stops when the loss (with ``early_stopping``, the validation
        score) has not improved by ``tol`` for ``n_iter_no_change`` epochs. The
        loss starts near 1 and creeps down long after accuracy has settled
        (at 1e-4, small fits ran to ``max_iter``).

    n_iter_no_change : int or np.inf, default=20
        See ``tol``; 20, as on noisy data accuracy still grows while the held-out
        loss barely moves. ``np.inf`` runs ``max_iter`` epochs.

    class_weight : dict, "balanced" or None, default=None
        Weight of each class's pull terms, ``{label: weight}``; "balanced"
        uses ``n_tags / (n_classes * tags of the class)``.

    warm_start : bool, default=False
        Continue from the previous fit's weights and optimizer state, on the
        same classes; as in ``MLPClassifier``, the curves continue and
        ``n_iter_`` counts this fit's epochs (up to ``max_iter``).

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
        Threshold of each class on its share of a sample (see Notes), or on
        the score with a given ``threshold``.

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

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Softmax (or one-vs-rest) network,
        which treats every missing tag as a negative.

    Notes
    -----
    The loss is ``mean pull + push_weight * push``: the pull is the distance
    ``D(f(x), e_c)`` to each tagged class; the push, each class's sum of
    penalties ``(s(e_i, e_j) - target)^2`` to the other classes (or to
    ``n_negatives`` sampled ones), has a well-spread optimum for any number
    of classes. Scores (``decision_function``, higher means more likely) are
    ``cos(f(x), e_c)`` or minus the distance (``-KL(q_c || p_x)`` for kl).
    Definitions per metric: :mod:`sklearn_minmax.losses`.

    The membership rule, fitted on the training data, is the same for 1-D and
    2-D ``y``: a class is predicted where its *share* of the sample (its
    closeness over that of its best class) reaches a per-class threshold
    (0.5, moved where a class has fewer or more members than its tags imply)
    and it is among the sample's ``ceil(1.25 / max p)`` best classes, ``p``
    being the fitted distribution of its tag (``softmax(beta * scores)``, the
    1-D ``predict_proba``). With 2-D ``y``, ``predict_proba`` is at least 0.5
    exactly where a label is predicted. See the user guide.

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
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left"),
                               StrOptions({"auto"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
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
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, *, encoder=None, n_components=None, hidden_layer_sizes="auto",
        activation="relu", metric="cosine", n_negatives=None, max_norm=None,
        push_weight=0.5, threshold=None, alpha=1e-4, batch_size="auto",
        learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8, max_iter=200,
        early_stopping=True, validation_fraction=0.1, tol=1e-3, n_iter_no_change=20,
        class_weight=None, warm_start=False, random_state=None, verbose=0,
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
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Tags, as in :meth:`fit`.

        classes : array-like of shape (n_classes,), default=None
            Every label that will ever appear; required with 1-D ``y`` on the
            first call, ignored afterwards. The first batch may then hold
            samples of a single class (so may that of a 2-D ``y``, whose
            columns are the classes).

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample's pull term.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if not hasattr(self, "classes_") and classes is None and np.ndim(y) == 1:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _set_targets(self, y, classes, first_call, incremental):
        """Tags of ``y`` (see ``_targets.encode_tags``); on the first call,
        ``classes_`` and the kind of target, which later calls must match."""
        y, multilabel = _targets.check_targets(y)
        if first_call:
            self._multilabel = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
            else:
                self.classes_ = np.unique(y) if classes is None else np.unique(classes)
        else:
            _targets.check_same_form(y, multilabel, self._multilabel, len(self.classes_))
            if not incremental and not multilabel:
                _targets.check_same_classes(y, self.classes_)
        if multilabel:
            self._y_dtype = y.dtype
        return _targets.encode_tags(y, self.classes_)

    def _hidden_layers(self):
        return hidden_layers(self.hidden_layer_sizes, self._n_classes())

    def _training_config(self, incremental, n_rows):
        return TrainingConfig.of_classifier(self.get_params(deep=False), incremental,
                                            n_rows)

    def _fit_validated(self, X, y, sample_weight, incremental, classes, first_call):
        tags = self._set_targets(y, classes, first_call, incremental)
        rng = _random_state(self.random_state)
        declared = incremental and (classes is not None or self._multilabel)
        rows = _targets.weighted_rows(X, tags, sample_weight, self.classes_,
                                      self.class_weight, first_call, declared)
        split = None
        if self.early_stopping and not incremental:
            # after merging: copies of a row are all in training or all held out
            split = _targets.validation_split(rows.tags, self.validation_fraction, rng)
        held_out = None
        if split is not None:
            rows, held_out = rows.take(split[0]), rows.take(split[1])
        config = self._training_config(incremental, rows.X.shape[0])
        train = self._train_keras if self.encoder is not None else self._train_mlp
        result = train(rows, held_out, config, first_call, rng)
        self._record(result, held_out is not None, first_call, incremental)
        self._max_norm = config.max_norm
        self._n_features_out = self.class_embeddings_.shape[1]
        if not result.converged and not incremental:
            _warn(f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                  "and the optimization hasn't converged yet.", ConvergenceWarning)
        self._rule = _decision.fit_decision_rule(  # plain arrays in the fitted state
            self._embed, rows, self._class_space(), self.metric, rng,
            held_out=held_out)._asdict()
        return self

    def _decision_rule(self):  # the fitted state holds plain arrays
        return _decision.DecisionRule(**self._rule)

    # ------------------------------------------------------------ prediction
    @property
    def thresholds_(self):
        check_is_fitted(self)
        if self.threshold is not None:
            return np.full(len(self.classes_), float(self.threshold))
        return self._rule["thresholds"]

    def decision_function(self, X):
        """Similarity of each sample to each class; higher means more likely.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

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
            Samples.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_classes)
            0/1 indicator: 1 where the class's share of the sample reaches
            its threshold and the sample's expected number of labels allows
            it (see Notes), or, with ``threshold``, where the score reaches it.
        """
        check_is_fitted(self)
        X = self._validate_X(X)
        Y = np.empty((X.shape[0], len(self.classes_)),
                     dtype=self._y_dtype if self._multilabel else int)
        rule = self._decision_rule()
        for rows, S, shares in self._score_chunks(X, with_shares=True):
            Y[rows] = (S >= self.threshold if self.threshold is not None
                       else _decision.margins(shares, S, rule) >= 0)
        return Y

    def predict(self, X):
        """Predict the best class (1-D ``y``) or the label set (2-D ``y``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted classes, or the indicator of the predicted label sets.
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
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            With 1-D ``y``, a distribution over classes (rows sum to 1). With a
            2-D indicator ``y``, independent per-label probabilities in (0, 1).
        """
        check_is_fitted(self)
        rule = self._decision_rule()
        if not self._multilabel:
            return _decision.probabilities(self._scores(X), None, rule, False)
        X = self._validate_X(X)
        P = np.empty((X.shape[0], len(self.classes_)))
        for rows, S, shares in self._score_chunks(X, with_shares=True):
            P[rows] = _decision.probabilities(S, shares, rule, True, self.threshold,
                                              self.metric)
        return P

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = self.encoder is None
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
