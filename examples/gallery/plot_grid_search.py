"""
==============================================================
Choosing the layout and its parameters with GridSearchCV
==============================================================

:class:`~gradhist_sklearn.GradientHistogramTransformer` is an ordinary
scikit-learn transformer, so its parameters can be tuned in a
:class:`~sklearn.pipeline.Pipeline` like any other. Here it classifies
scikit-learn's 8x8 handwritten digits (flattened rows, hence
``image_shape=(8, 8)``), searching over the ``layout`` (one histogram,
rings, a grid of cells), with and without rotation invariance, and over the
number of orientation bins. :func:`skimage.feature.hog` on the same digits,
with the best of four cell and block sizes, is the score to beat.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage.feature import hog
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from gradhist_sklearn import GradientHistogramTransformer

X, y = load_digits(return_X_y=True)
pipeline = make_pipeline(
    GradientHistogramTransformer(image_shape=(8, 8)), StandardScaler(), SVC(C=10)
)
layouts = ["global", "rings", "grid"]
search = GridSearchCV(
    pipeline,
    {
        "gradienthistogramtransformer__layout": layouts,
        "gradienthistogramtransformer__rotation_invariant": [False, True],
        "gradienthistogramtransformer__angle_bins": [8, 16],
    },
    cv=5,
)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

# %%
# hog on the same rows, the same model and the same folds, with the best of
# four cell and block sizes:

hog_scores = {}
for cell in [(2, 2), (4, 4)]:
    for block in [(1, 1), (2, 2)]:
        rows = np.array([hog(x.reshape(8, 8), orientations=9, pixels_per_cell=cell,
                             cells_per_block=block) for x in X])
        model = make_pipeline(StandardScaler(), SVC(C=10))
        hog_scores[cell, block] = cross_val_score(model, rows, y, cv=5).mean()
best_hog = max(hog_scores, key=hog_scores.get)
print(f"hog, pixels_per_cell={best_hog[0]}, cells_per_block={best_hog[1]}: "
      f"{hog_scores[best_hog]:.3f}")

# %%
# One histogram of the whole image (``'global'``) throws away where the
# edges are; rings and cells keep it. Rotation invariance costs a few points
# here: these digits are always upright, and a 6 turned upside down is a 9.
# For digits turned by any angle the rotation-invariant grid and rings are
# the ones to choose (see the user guide's "Choosing parameters").

results = search.cv_results_
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
width = 0.38
for offset, invariant in [(-width / 2, False), (width / 2, True)]:
    best = []
    for layout in layouts:
        rows = np.flatnonzero(
            (results["param_gradienthistogramtransformer__layout"] == layout)
            & (results["param_gradienthistogramtransformer__rotation_invariant"] == invariant)
        )
        best.append(results["mean_test_score"][rows].max())
    ax.bar(np.arange(len(layouts)) + offset, best, width,
           label=f"rotation_invariant={invariant}")
ax.axhline(hog_scores[best_hog], color="black", linestyle="--", label="skimage hog (best)")
ax.set_xticks(np.arange(len(layouts)), [f"layout='{name}'" for name in layouts])
ax.set_ylim(0.7, 1.0)
ax.set_ylabel("5-fold accuracy (best over angle_bins)")
ax.set_title("digits: layouts against hog")
ax.legend(loc="lower right")
plt.show()
