"""
==========================================
Documents about two topics, tagged once
==========================================

A news item about a club selling shares is about sports *and* finance, but an
editor tags it with one topic only. We build a small corpus of such documents,
turn it into a sparse tf-idf matrix with
:class:`~sklearn.feature_extraction.text.TfidfVectorizer`, and fit
:class:`~sklearn_minmax.MinMaxClassifier` on the sparse matrix directly (it is
never densified). For the documents that mix two topics, we count how often
both topics are predicted, compared with a one-vs-rest logistic regression
trained on the one-hot tags.

Run as a script, it saves its figure as ``plot_text_tags.png`` in the
current folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklearn_minmax import MinMaxClassifier

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example trains for fewer epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")

# %%
# A synthetic corpus
# ------------------
# Each topic has a list of words. A document draws 10 words from its topic, or
# 5 from each of its two topics, plus 4 common words. A third of the documents
# mix two topics and are tagged with one of them at random.
TOPICS = {
    "sports": "match team goal coach season league player score stadium referee "
              "cup training fans win defeat",
    "finance": "market stock bank shares investor profit interest rate bond fund "
               "price trading inflation loan dividend",
    "politics": "election vote minister parliament party law campaign senator "
                "policy government debate reform president poll tax",
    "science": "research study experiment physics biology data laboratory theory "
               "scientist cell energy climate discovery journal telescope",
}
TOPIC_WORDS = [words.split() for words in TOPICS.values()]
COMMON_WORDS = "the a of and in on to for with new report today week year said".split()


def make_corpus(n_documents, rng, mixed_share=1 / 3):
    """Documents, the one tag of each, and the 0/1 matrix of its topics."""
    documents, tags = [], []
    topics = np.zeros((n_documents, len(TOPICS)), dtype=int)
    for i in range(n_documents):
        n_topics = 2 if rng.rand() < mixed_share else 1
        mine = rng.choice(len(TOPICS), n_topics, replace=False)
        words = list(rng.choice(COMMON_WORDS, 4))
        for t in mine:
            words += list(rng.choice(TOPIC_WORDS[t], 10 // n_topics))
        rng.shuffle(words)
        documents.append(" ".join(words))
        tags.append(rng.choice(mine))
        topics[i, mine] = 1
    return documents, np.array(tags), topics


rng = np.random.RandomState(0)
docs_train, tags_train, topics_train = make_corpus(200, rng)
docs_test, tags_test, topics_test = make_corpus(100, rng)
mixed_train = topics_train.sum(axis=1) == 2
mixed_test = topics_test.sum(axis=1) == 2
names = np.array(list(TOPICS))
i = np.flatnonzero(mixed_train)[0]
print(f"a mixed document, about {names[topics_train[i] == 1]}, "
      f"tagged {str(names[tags_train[i]])!r}:\n  {docs_train[i]}")

# %%
# Sparse tf-idf features
# ----------------------
vectorizer = TfidfVectorizer()
X_train = vectorizer.fit_transform(docs_train)
X_test = vectorizer.transform(docs_test)
print(f"X_train: {X_train.shape[0]} x {X_train.shape[1]} {type(X_train).__name__}, "
      f"{X_train.nnz} stored values")


# %%
# Fit both models and count label sets
# ------------------------------------
# For a mixed document we count how many of its two topics are predicted; for
# a single-topic document, we ask whether exactly its topic is.
def label_set_shares(predicted, topics):
    mixed = topics.sum(axis=1) == 2
    n_found = (predicted[mixed] * topics[mixed]).sum(axis=1)  # of its 2 topics
    return {
        "mixed: both topics": (n_found == 2).mean(),
        "mixed: one topic": (n_found == 1).mean(),
        "mixed: neither": (n_found == 0).mean(),
        "single: exactly right": (predicted[~mixed] == topics[~mixed]).all(1).mean(),
    }


# ``MinMaxClassifier`` stops early by default (see below); ``max_iter`` only
# caps the epochs in the small run of this example.
max_iter = 30 if SMALL else 200
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # epochs capped
minmax = MinMaxClassifier(max_iter=max_iter, random_state=0).fit(X_train, tags_train)
ovr = OneVsRestClassifier(LogisticRegression()).fit(
    X_train, np.eye(len(TOPICS), dtype=int)[tags_train]
)
best_epoch = int(np.argmax(minmax.validation_scores_)) + 1
shares = {
    f"MinMaxClassifier (best epoch: {best_epoch})": label_set_shares(
        minmax.predict_multilabel(X_test), topics_test),
    "one-vs-rest LogisticRegression": label_set_shares(
        ovr.predict(X_test), topics_test),
}
print(f"\n{mixed_test.sum()} mixed and {(~mixed_test).sum()} single-topic test "
      "documents; share of them with:")
for model, values in shares.items():
    print(f"  {model:<36}" + "  ".join(f"{k} {v:.2f}" for k, v in values.items()))

# %%
# How long to train
# -----------------
# Each training document is unique, so an encoder trained long enough can
# memorise which of its two topics each mixed document was tagged with, and
# then predicts only that one. That is why ``MinMaxClassifier`` holds out
# ``validation_fraction`` of the training documents by default, and keeps the
# weights of the epoch where their pull toward their tags was best
# (``validation_scores_`` holds that score per epoch).
#
# To see the effect, we refit with ``early_stopping=False`` and more and more
# epochs, and follow the share of mixed documents predicted with both topics,
# on the training documents (whose tags the model saw) and on the test ones.
epoch_grid = [10, 30] if SMALL else [20, 40, 60, 100, 150, 200]
curve = []
for n in epoch_grid:
    model = MinMaxClassifier(max_iter=n, early_stopping=False, random_state=0)
    model.fit(X_train, tags_train)
    curve.append((
        n,
        label_set_shares(model.predict_multilabel(X_train), topics_train)[
            "mixed: both topics"],
        label_set_shares(model.predict_multilabel(X_test), topics_test)[
            "mixed: both topics"],
    ))
curve = np.array(curve)
print("\nshare of mixed documents predicted with both topics, early_stopping=False")
print(f"{'epochs':>8}{'training':>10}{'test':>8}")
for n, train, test in curve:
    print(f"{n:>8.0f}{train:>10.2f}{test:>8.2f}")

# %%
# The one-vs-rest model reads every missing tag as "not this topic" and
# almost never predicts two topics. The min-max model predicts both topics
# for most mixed documents; trained much longer without early stopping, it
# fits the random tags of the training documents and loses part of that. The
# star marks the default model. Its held-out documents are few and mostly
# single-topic, so their pull loss can keep improving a little after the
# mixed training documents start to be memorised: the early stop guards
# against the long tail of the curve, not necessarily against all of it.
fig, axes = plt.subplots(1, 2, figsize=(12, 4.3), layout="constrained")
ax = axes[0]
categories = list(next(iter(shares.values())))
for j, (model, values) in enumerate(shares.items()):
    bars = ax.bar(np.arange(len(categories)) + (j - 0.5) * 0.4,
                  list(values.values()), 0.4, label=model)
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_xticks(np.arange(len(categories)),
              [c.replace(": ", ":\n") for c in categories])
ax.set_ylim(0, 1.1)
ax.set_ylabel("share of test documents")
ax.set_title(f"Predicted topics ({mixed_test.sum()} mixed, "
             f"{(~mixed_test).sum()} single-topic test documents)")
ax.legend(loc="upper center", fontsize=8)

ax = axes[1]
ax.plot(curve[:, 0], curve[:, 2], "o-", color="tab:blue",
        label="early_stopping=False, test documents")
ax.plot(curve[:, 0], curve[:, 1], "s--", color="tab:blue", alpha=0.6,
        label="early_stopping=False, training documents")
ax.axhline(shares["one-vs-rest LogisticRegression"]["mixed: both topics"],
           color="tab:orange", label="one-vs-rest LogisticRegression, test")
ax.scatter(best_epoch, next(iter(shares.values()))["mixed: both topics"], s=120,
           marker="*", color="k", zorder=3,
           label="MinMaxClassifier, default early stopping, test")
ax.set_ylim(-0.05, 1.05)
ax.set_xlabel("training epochs")
ax.set_ylabel("share of mixed documents with both topics")
ax.set_title("Training longer memorises the single tags")
ax.legend(fontsize=8)
fig.savefig(os.path.join(OUT, "plot_text_tags.png"), dpi=80)
