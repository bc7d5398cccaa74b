"""
=====================================================
Out-of-core training and grid search on Dask
=====================================================

:class:`~sklearn_minmax.MinMaxClassifier` learns one epoch per call of
``partial_fit`` and predicts from plain numpy arrays. That is all
`Dask <https://www.dask.org>`_ needs to take it beyond one process:

- dask-ml's ``Incremental`` trains it block by block over a dask array, which
  never has to fit in memory;
- dask-ml's ``ParallelPostFit`` predicts block by block on the workers;
- joblib's Dask backend runs the fits of a
  :class:`~sklearn.model_selection.GridSearchCV` on the cluster.

A ``LocalCluster`` of two worker processes stands in for a cluster of
machines here; for a real one, pass the scheduler's address to ``Client``.
The example needs the ``dask`` extra: ``pip install -e ".[dask]"``.

Run as a script, it saves its figure as ``plot_dask.png`` in the current
folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os

import matplotlib

matplotlib.use("Agg")
import dask.array as da
import joblib
import matplotlib.pyplot as plt
import numpy as np
from dask_ml.wrappers import Incremental, ParallelPostFit
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_minmax import MinMaxClassifier

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example uses less data and passes.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")
N_SAMPLES, CHUNK, PASSES = (3_000, 500, 5) if SMALL else (30_000, 2_000, 15)

# %%
# The data, as dask arrays
# ------------------------
# Five classes in 20 features. The training rows become a dask array of
# blocks of ``CHUNK`` rows: on a real cluster they would be read block by block
# from files (``dask.array.from_zarr``, ``dask.dataframe.read_parquet``),
# never gathered in one process.
X, y = make_classification(n_samples=N_SAMPLES, n_features=20, n_informative=10,
                           n_classes=5, n_clusters_per_class=1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2,
                                                    random_state=0)
dX_train = da.from_array(X_train, chunks=(CHUNK, -1))
dy_train = da.from_array(y_train, chunks=CHUNK)
classes = np.unique(y)
params = dict(hidden_layer_sizes=(32,), n_components=16, batch_size=100,
              learning_rate=0.003, random_state=0)


# %%
# Out-of-core training with ``Incremental``
# -----------------------------------------
# Each call of ``Incremental.partial_fit`` is one pass over the data: it calls
# ``MinMaxClassifier.partial_fit`` on every block in turn (in a random order of
# the blocks), on the worker that holds the block; the model travels from
# block to block, weights and optimizer state as numpy arrays. ``classes=``
# goes along to every call, since a block need not hold every class. For
# comparison, the same model trained in memory, one ``partial_fit`` (one
# epoch) over all the training rows per pass.
def train_out_of_core(passes):
    out_of_core = Incremental(MinMaxClassifier(**params), random_state=0)
    in_memory = MinMaxClassifier(**params)
    accuracy = {"out of core (Incremental)": [], "in memory (partial_fit)": []}
    for _ in range(passes):
        out_of_core.partial_fit(dX_train, dy_train, classes=classes)
        in_memory.partial_fit(X_train, y_train, classes=classes)
        accuracy["out of core (Incremental)"].append(
            out_of_core.estimator_.score(X_test, y_test))
        accuracy["in memory (partial_fit)"].append(in_memory.score(X_test, y_test))
    return out_of_core.estimator_, accuracy


# %%
# Prediction on the workers with ``ParallelPostFit``
# --------------------------------------------------
# ``ParallelPostFit`` wraps a fitted model; its ``predict``,
# ``predict_proba`` and ``transform`` map over the blocks of a dask array and
# return dask arrays, computed on the workers. The model reaches them as numpy
# arrays: prediction imports no TensorFlow there, and gives exactly what it
# gives in memory.
def predict_on_cluster(clf):
    dX_test = da.from_array(X_test, chunks=(CHUNK, -1))
    return ParallelPostFit(clf).predict(dX_test).compute()


# %%
# A grid search on the cluster
# ----------------------------
# Inside ``joblib.parallel_backend("dask")``, scikit-learn's
# :class:`~sklearn.model_selection.GridSearchCV` sends its fits (one per
# setting and fold) to the workers. With a fixed ``random_state`` every fit
# is deterministic: the scores are those of the same search in memory.
def search_on_cluster():
    estimator = MinMaxClassifier(max_iter=100, n_iter_no_change=5, **params)
    grid = {"n_components": [2, 16], "push_weight": [0.0, 0.5]}
    search = GridSearchCV(estimator, grid, cv=3)
    with joblib.parallel_backend("dask"):
        search.fit(X_train[:1_000], y_train[:1_000])
    return search


# %%
# Running it on a local cluster
# -----------------------------
# Worker processes start by importing the script that started them, so a
# script that starts a ``LocalCluster`` of processes does it under
# ``if __name__ == "__main__":`` (not needed in a notebook, nor with
# ``Client("scheduler-address:8786")``). Each worker imports TensorFlow the
# first time it trains: the first pass takes a few seconds longer.
if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        clf, accuracy = train_out_of_core(PASSES)
        predicted = predict_on_cluster(clf)
        search = search_on_cluster()

    for name, scores in accuracy.items():
        print(f"{name}: accuracy after {PASSES} passes {scores[-1]:.3f}")
    print("ParallelPostFit predicts as in memory:",
          np.array_equal(predicted, clf.predict(X_test)))
    print("grid search on the cluster, best parameters:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.3f}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained",
                                   width_ratios=[3, 2])
    for (name, scores), marker in zip(accuracy.items(), "os"):
        ax1.plot(np.arange(1, PASSES + 1), scores, marker=marker, label=name)
    ax1.set_xticks(np.arange(1, PASSES + 1))
    ax1.set_xlabel("pass over the training data")
    ax1.set_ylabel("accuracy on held-out rows")
    ax1.set_title(f"Training on {len(X_train):,} rows in {dX_train.numblocks[0]} blocks")
    ax1.legend()
    results = search.cv_results_
    labels = [f"n_components={p['n_components']}\npush_weight={p['push_weight']:g}"
              for p in results["params"]]
    ax2.barh(labels, results["mean_test_score"], xerr=results["std_test_score"],
             color="tab:gray")
    ax2.set_xlabel("mean cross-validated accuracy")
    ax2.set_title("GridSearchCV on the cluster")
    fig.savefig(os.path.join(OUT, "plot_dask.png"), dpi=80)
