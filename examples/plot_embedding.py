"""
==========================================
The learned embedding and class vectors
==========================================

:class:`~sklearn_minmax.MinMaxClassifier` is a dual encoder: a network ``f``
maps each sample to an embedding, and each class has a learned vector of the
same size. Training pulls every sample toward the vector of its tag and pushes
the class vectors apart (with the cosine metric: toward orthogonal vectors).

With a two-dimensional embedding we can look at both directly. The points of
the shared blob, half tagged 0 and half tagged 1, end up *between* the two
class vectors, close enough to both to be predicted as members of both.

Run as a script, it saves its figure as ``plot_embedding.png`` in the
current folder, or in the folder that ``SKLEARN_MINMAX_EXAMPLES_OUT`` names.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sklearn_minmax import MinMaxClassifier
from sklearn_minmax.datasets import make_partial_tags

# With SKLEARN_MINMAX_EXAMPLES_SMALL=1 the example trains for fewer epochs.
SMALL = os.environ.get("SKLEARN_MINMAX_EXAMPLES_SMALL") == "1"
# where the figure is saved: the current folder unless the variable says otherwise
OUT = os.environ.get("SKLEARN_MINMAX_EXAMPLES_OUT", ".")

# %%
# Fit on the partially tagged blobs
# ---------------------------------
# Blobs 0 and 1 belong to classes 0 and 1; blob 2 belongs to both, and each of
# its points is tagged with one of them at random. ``n_components=2`` gives a
# 2-D embedding that we can plot without any projection.
X, y, Y, blob = make_partial_tags(random_state=100)
clf = MinMaxClassifier(n_components=2, max_iter=30 if SMALL else 200, random_state=0)
clf.fit(X, y)

# %%
# Embeddings, class vectors and cosine scores
# -------------------------------------------
# ``transform`` returns the embedding ``f(x)`` of each sample and
# ``class_embeddings_`` the class vectors. The default metric is the cosine:
# only directions matter, and the score of a sample for a class is the cosine
# of the angle between them. (For two classes ``decision_function`` returns
# the difference of the two scores, so we compute the scores themselves.)
Z = clf.transform(X)
E = clf.class_embeddings_
Z_unit = Z / np.linalg.norm(Z, axis=1, keepdims=True)
E_unit = E / np.linalg.norm(E, axis=1, keepdims=True)
cosine = Z_unit @ E_unit.T
assert np.allclose(cosine[:, 1] - cosine[:, 0], clf.decision_function(X))

angle = np.degrees(np.arccos(np.clip(E_unit[0] @ E_unit[1], -1, 1)))
print(f"angle between the class vectors: {angle:.1f} degrees")
print(f"membership thresholds (share of the best cosine): {np.round(clf.thresholds_, 3)}")
print("mean cosine to class 0 and 1, per blob:")
for b in range(3):
    print(f"  blob {b} (true labels {np.flatnonzero(Y[blob == b][0])}): "
          f"{np.round(cosine[blob == b].mean(axis=0), 3)}")

# %%
# A sample is predicted a member of class ``c`` when its cosine to ``e_c`` is
# at least ``thresholds_[c]`` (about one half) times its best cosine: the
# class's *share*. A point of one class sits on its class vector, far from the
# other (share about 0); a point of both sits between them, about as close to
# each (shares about 1). In the plane of the two cosines, class 0 is predicted
# right of the line ``cos_0 = t_0 cos_1`` and class 1 above ``cos_1 = t_1
# cos_0``; the shared blob lies between the two lines, whichever tag its
# points carried.
blob_colors = np.array(["tab:blue", "tab:red", "tab:purple"])
blob_names = ["blob 0: {0}", "blob 1: {1}", "blob 2: {0, 1}"]
class_colors = ["tab:blue", "tab:red"]
fig, axes = plt.subplots(1, 3, figsize=(14, 4.6), layout="constrained")

ax = axes[0]
for b in range(3):
    ax.scatter(*X[blob == b].T, s=6, color=blob_colors[b], label=blob_names[b])
ax.set_title("input space")
ax.legend(fontsize=8, markerscale=2)

ax = axes[1]
radius = 1.1 * np.linalg.norm(Z, axis=1).max()
for c in range(2):
    ax.annotate("", xy=E_unit[c] * radius, xytext=(0, 0),
                arrowprops=dict(arrowstyle="->", lw=2, color=class_colors[c]))
    ax.text(*(E_unit[c] * radius * 1.03), f"class {c}", color=class_colors[c],
            ha="center", va="bottom")
ax.scatter(*Z.T, s=6, c=blob_colors[blob])
ax.scatter(0, 0, marker="+", color="k")
ax.set(xlim=(-1.2 * radius, 1.2 * radius), ylim=(-1.2 * radius, 1.2 * radius))
ax.set_aspect("equal")
ax.set_title("embedding f(x) and class vectors")

ax = axes[2]
ax.scatter(*cosine.T, s=6, c=blob_colors[blob])
t = np.linspace(0, 1, 2)
ax.plot(clf.thresholds_[0] * t, t, color=class_colors[0], ls="--",
        label="cos_0 = t_0 cos_1")
ax.plot(t, clf.thresholds_[1] * t, color=class_colors[1], ls="--",
        label="cos_1 = t_1 cos_0")
ax.set_xlabel("cosine to class 0")
ax.set_ylabel("cosine to class 1")
ax.set_title("scores: the shared blob has both shares")
ax.legend(fontsize=8, loc="lower left")
fig.savefig(os.path.join(OUT, "plot_embedding.png"), dpi=80)
