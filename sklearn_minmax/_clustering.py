"""MinMaxClustering: the min-max loss without labels, the scikit-learn layer.

Parameters, validation, restarts and the fitted numpy state. Beneath it: the
neighbour graph, the loss in numpy and the merge of subclusters in
``_cluster_graph``; training in ``_cluster_training`` (TensorFlow, imported
by ``fit`` only), on the shared backend of ``_training``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import sys
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClusterMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _cluster_graph
from ._activations import ACTIVATIONS
from ._base import BaseMinMax, _check_numeric_frame, _check_range, _random_state, _warn
from ._training_types import ClusteringConfig

# n_subclusters="auto": this many subclusters per cluster, at least _AUTO_MIN,
# and at most one per _AUTO_ROWS training rows (never fewer than n_clusters).
_AUTO_PER_CLUSTER, _AUTO_MIN, _AUTO_ROWS = 5, 50, 10
# Learning rate of the self-labelling pass, as a share of ``learning_rate``.
_SELF_LABEL_RATE = 0.1


class MinMaxClustering(ClusterMixin, BaseMinMax):
    """Clustering trained with the min-max loss, without labels.

    A multi-layer perceptron ``f`` maps each sample to a soft assignment
    ``psi(x) = softmax(f(x))`` over ``n_subclusters`` subclusters. Training
    pulls each sample's assignment toward those of its nearest neighbours in
    the input space and pushes it away from those of far samples drawn at
    random, while an entropy term keeps every subcluster in use. Subclusters
    joined by many neighbour edges are then merged into ``n_clusters``
    clusters (spectral clustering of the small graph of subclusters), and the
    encoder is fine-tuned toward those clusters (cross-entropy on each
    training sample's cluster, as in SCAN's self-labelling), which leaves the
    training samples' clusters as they are and moves the boundaries between
    clusters away from them. The encoder is inductive: :meth:`predict`
    assigns new samples without refitting, in numpy.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.

    n_neighbors : int, default=10
        Nearest neighbours (Euclidean, in the input space) each sample is
        pulled toward.

    n_far : int, default=5
        Far samples drawn per sample and step, uniformly among its
        non-neighbours, that it is pushed away from.

    push_weight : float, default=1.0
        Weight of the push relative to the pull.

    entropy_weight : float, default=1.0
        Weight of the balance term ``log(n_subclusters) - H(mean psi)``.

    n_subclusters : int or "auto", default="auto"
        Number of outputs of the encoder, merged into ``n_clusters`` after
        training. "auto" uses ``5 * n_clusters``, at least 50, at most one per
        10 training samples, never fewer than ``n_clusters``. Equal to
        ``n_clusters``, nothing is merged (the plain loss).

    hidden_layer_sizes : array-like of shape (n_layers,), default=(64, 64)
        Hidden layers of the encoder, as in ``MLPClassifier``.

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.

    alpha : float, default=1e-3
        Strength of the L2 penalty on the encoder's weights.

    n_init : int, default=3
        Number of trainings from different initialisations; the one whose
        clusters have the lowest loss (``loss_``) is kept.

    max_iter : int, default=100
        Maximum number of epochs of each training (and of the self-labelling
        pass). An epoch is a pass over the training samples, or as many
        passes as make 50 minibatches where one pass makes fewer (small data).

    batch_size : int, default=128
        Samples per minibatch (each brings its neighbours and far samples).

    learning_rate : float, default=1e-2
        Step size of the Adam optimizer.

    tol : float, default=1e-2
        A training stops when its loss has not improved by at least ``tol``
        for ``n_iter_no_change`` consecutive epochs. The loss keeps creeping
        down long after the assignments have settled (they sharpen); 1e-2
        stops it there.

    n_iter_no_change : int, default=5
        See ``tol``.

    max_samples : int or None, default=50_000
        The encoder trains on at most this many samples, drawn at random
        (neighbours are searched among them); the others are assigned by the
        trained encoder, as by :meth:`predict`. Time and memory then stay
        linear in the number of samples. None trains on all of them.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, far samples and the merge. No global
        random state is used or changed.

    verbose : int, default=0
        Print the loss of each epoch and restart to stderr.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample, numbered by decreasing size.

    subcluster_labels_ : ndarray of shape (`n_subclusters_`,)
        Cluster each subcluster was merged into.

    n_subclusters_ : int
        Number of subclusters (outputs of the encoder).

    coefs_ : list of ndarray
        Weight matrices of the encoder.

    intercepts_ : list of ndarray
        Bias vectors of the encoder.

    loss_ : float
        Loss of the clusters (of :meth:`predict_proba`) over the training
        samples, after the self-labelling pass: minus :meth:`score` on them.
        Restarts are compared by the same loss before that pass.

    loss_curve_ : list of float
        Training loss of each epoch of the kept training.

    n_iter_ : int
        Number of epochs of the kept training.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.cluster.SpectralClustering : Normalised cut of the neighbour graph;
        transductive (no ``predict``).
    sklearn.cluster.KMeans : Clusters of equal spread around centroids.
    MinMaxClassifier : The min-max loss with labels.

    Notes
    -----
    The loss, for a soft assignment ``psi`` on the probability simplex whose
    one-hot corners are the (fixed, orthogonal) class vectors, is the mean of
    ``-log(psi(x) . psi(n))`` over neighbour pairs, plus ``push_weight``
    times the mean of ``(psi(x) . psi(f))^2`` over far pairs, plus
    ``entropy_weight * (log(n_subclusters) - H(mean psi))``. It is close to
    SCAN (Van Gansbeke et al., 2020) with a far-sample term. Trained directly
    with ``n_clusters`` outputs it settles in straight balanced cuts (it
    fails on rings and interleaved moons) and favours clusters of equal size;
    over-clustering then merging by neighbour edges avoids both. The
    self-labelling pass after the merge is SCAN's third step; it leaves the
    training samples' clusters and improves those of new samples. The user
    guide gives measured numbers.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_minmax import MinMaxClustering
    >>> X, y = make_blobs(n_samples=200, centers=3, random_state=0)
    >>> cl = MinMaxClustering(n_clusters=3, n_init=1, random_state=0).fit(X)
    >>> cl.predict_proba(X[:2]).sum(axis=1).round(6)
    array([1., 1.])
    """

    # the built-in encoder only (read by BaseMinMax's input checks)
    encoder = None

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_far": [Interval(Integral, 0, None, closed="left")],
        "push_weight": [Interval(Real, 0, None, closed="left")],
        "entropy_weight": [Interval(Real, 0, None, closed="left")],
        "n_subclusters": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, n_clusters=8, *, n_neighbors=10, n_far=5, push_weight=1.0,
        entropy_weight=1.0, n_subclusters="auto", hidden_layer_sizes=(64, 64),
        activation="relu", alpha=1e-3, n_init=3, max_iter=100, batch_size=128,
        learning_rate=1e-2, tol=1e-2, n_iter_no_change=5, max_samples=50_000,
        random_state=None, verbose=0,
    ):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.n_far = n_far
        self.push_weight = push_weight
        self.entropy_weight = entropy_weight
        self.n_subclusters = n_subclusters
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.n_init = n_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_samples = max_samples
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the encoder on ``X`` and merge its subclusters into clusters.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse matrices are used without densifying.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with self._restored_on_error():
            _check_numeric_frame(X)
            X = validate_data(self, X, accept_sparse=["csr", "csc"],
                              dtype=[np.float64, np.float32])
            return self._fit_validated(_check_range(X).astype(np.float32))

    def _check_sizes(self, n_samples):
        if n_samples < 2:
            raise ValueError(f"n_samples={n_samples} should be >= 2 (the loss is over "
                             "pairs of samples).")
        if n_samples < self.n_clusters:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}.")
        if self.max_samples is not None and self.max_samples < self.n_clusters:
            raise ValueError(f"max_samples={self.max_samples} should be >= n_clusters="
                             f"{self.n_clusters}: the encoder trains on at most "
                             "max_samples samples.")
        hidden = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=int))
        if (hidden < 1).any():
            raise ValueError("hidden_layer_sizes must contain positive integers; "
                             f"got {hidden.tolist()}.")
        if self.n_subclusters != "auto" and self.n_subclusters < self.n_clusters:
            raise ValueError(f"n_subclusters={self.n_subclusters} should be >= "
                             f"n_clusters={self.n_clusters}.")
        return hidden.tolist()

    def _n_subclusters_for(self, n_rows):
        if self.n_subclusters != "auto":
            return int(self.n_subclusters)
        n = min(max(_AUTO_PER_CLUSTER * self.n_clusters, _AUTO_MIN), n_rows // _AUTO_ROWS)
        return max(self.n_clusters, n)

    def _training_config(self):
        return ClusteringConfig(
            n_far=self.n_far, push_weight=self.push_weight,
            entropy_weight=self.entropy_weight, activation=self.activation,
            alpha=self.alpha, batch_size=self.batch_size,
            learning_rate=self.learning_rate, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, verbose=self.verbose,
        )

    def _fit_validated(self, X):
        hidden = self._check_sizes(X.shape[0])
        rng = _random_state(self.random_state)
        rows = None
        if self.max_samples is not None and X.shape[0] > self.max_samples:
            rows = np.sort(rng.choice(X.shape[0], self.max_samples, replace=False))
        X_train = X if rows is None else X[rows]
        neighbors = _cluster_graph.nearest_neighbors(
            X_train, min(self.n_neighbors, X_train.shape[0] - 1))
        self.n_subclusters_ = self._n_subclusters_for(X_train.shape[0])
        weights, groups, result, Q = self._best_of_restarts(X_train, neighbors, hidden,
                                                            rng)
        weights = self._self_label(X_train, Q.argmax(axis=1), groups, weights, rng)
        self.coefs_, self.intercepts_ = weights.coefs, weights.intercepts
        self.subcluster_labels_ = groups
        Q = self._proba(self._assignments(X_train))  # after the self-labelling pass
        self.loss_ = _cluster_graph.loss_of(Q, neighbors, self.n_far, self.push_weight,
                                            self.entropy_weight)
        self.loss_curve_ = result.loss_curve
        self.n_iter_ = len(self.loss_curve_)
        self._n_features_out = self.n_subclusters_
        if not result.converged:
            _warn(f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                  "and the optimization hasn't converged yet.", ConvergenceWarning)
        self.labels_ = Q.argmax(axis=1) if rows is None else self._predict_validated(X)
        found = len(np.unique(self.labels_))
        if found < self.n_clusters:
            _warn(f"Number of distinct clusters ({found}) found smaller than n_clusters "
                  f"({self.n_clusters}): the neighbour graph of {X_train.shape[0]} "
                  f"training samples with n_neighbors={neighbors.shape[1]} joins some "
                  "of them.", ConvergenceWarning)
        return self

    def _self_label(self, X, labels, groups, weights, rng):
        """The encoder fine-tuned toward the clusters ``labels`` of its
        training rows (``_cluster_training.self_label``), at a tenth of the
        learning rate: it moves the boundaries away from the rows without
        moving the rows."""
        from . import _cluster_training

        config = replace(self._training_config(),
                         learning_rate=self.learning_rate * _SELF_LABEL_RATE)
        weights = _cluster_training.self_label(X, labels, groups, weights.astype(np.float32),
                                               config, rng)
        return weights.astype(np.float64)

    def _best_of_restarts(self, X, neighbors, hidden, rng):
        """Train ``n_init`` encoders and merge their subclusters; the weights,
        subcluster labels, training result and cluster assignment of ``X`` of
        the one whose clusters have the lowest loss (on every row, with the far
        draws of :meth:`score`)."""
        from . import _cluster_training  # TensorFlow is imported only here

        config = self._training_config()
        near_weight = np.ones(neighbors.shape, np.float32)
        best = None
        for restart in range(self.n_init):
            weights = _cluster_training.init_encoder(X.shape[1], hidden,
                                                     self.n_subclusters_,
                                                     self.activation, rng)
            weights, result = _cluster_training.train_clustering(
                X, neighbors, near_weight, weights, config, rng)
            weights = weights.astype(np.float64)
            P = _cluster_graph.assignments(weights.coefs, weights.intercepts, X,
                                           self.activation)
            groups = _cluster_graph.merge_subclusters(
                P, neighbors, self.n_clusters, rng.randint(np.iinfo(np.int32).max))
            groups = _cluster_graph.order_by_size(P, groups, self.n_clusters)
            Q = _cluster_graph.cluster_proba(P, groups, self.n_clusters)
            loss = _cluster_graph.loss_of(Q, neighbors, self.n_far, self.push_weight,
                                          self.entropy_weight)
            if self.verbose:
                print(f"Restart {restart + 1}/{self.n_init}: loss = {loss:.6f}",
                      file=sys.stderr)
            if best is None or loss < best[0]:
                best = (loss, weights, groups, result, Q)
        return best[1:]

    # ------------------------------------------------------------ prediction
    def _assignments(self, X):
        return _cluster_graph.assignments(self.coefs_, self.intercepts_, X,
                                          self.activation)

    def _proba(self, P):
        return _cluster_graph.cluster_proba(P, self.subcluster_labels_, self.n_clusters)

    def _predict_validated(self, X):
        labels = np.empty(X.shape[0], dtype=np.intp)
        for start in range(0, X.shape[0], _cluster_graph._CHUNK):
            rows = slice(start, start + _cluster_graph._CHUNK)
            labels[rows] = self._proba(self._assignments(X[rows])).argmax(axis=1)
        return labels

    def predict(self, X):
        """Cluster of each sample (new samples need no refit).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            The cluster of largest :meth:`predict_proba`.
        """
        return self._predict_validated(self._validate_X(X))

    def predict_proba(self, X):
        """Soft assignment of each sample to the clusters.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            The assignment mass of each cluster's subclusters; rows sum to 1.
        """
        return self._proba(self._assignments(self._validate_X(X)))

    def score(self, X, y=None):
        """Minus the clustering loss of ``X`` (higher is better).

        The loss of training (see Notes) on the soft assignment to clusters
        (:meth:`predict_proba`), with the neighbours of each sample searched
        among the rows of ``X`` and far samples drawn with a fixed seed, so
        that the same ``X`` always gets the same score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the loss.
        """
        X = self._validate_X(X)
        k = min(self.n_neighbors, X.shape[0] - 1)
        neighbors = (_cluster_graph.nearest_neighbors(X, k) if k > 0
                     else np.zeros((X.shape[0], 0), np.int32))
        return -_cluster_graph.loss_of(self._proba(self._assignments(X)), neighbors,
                                       self.n_far, self.push_weight, self.entropy_weight)

    def to_keras(self):
        """The fitted encoder as a Keras model whose output is
        :meth:`predict_proba` (to float32 precision).

        Returns
        -------
        model : keras.Model
            The encoder, a softmax, and a fixed sum of subclusters into clusters.
        """
        check_is_fitted(self)
        from ._keras_models import soft_assignment_model

        return soft_assignment_model(self.coefs_, self.intercepts_, self.activation,
                                     np.eye(self.n_clusters)[self.subcluster_labels_])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # scikit-learn's checks read the width of predict_proba from classifier
        # tags (multi_class: more than two columns) for any estimator that has
        # one; nothing else reads them for a clusterer
        tags.classifier_tags = ClassifierTags()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
