"""
==========================================
Rotation invariance on a turning image
==========================================

A patch of scikit-image's ``camera`` image is turned through a full circle
with :func:`skimage.transform.rotate`. The plain histogram turns with it, the
main orientation follows the turn, and the ``rotation_invariant`` histogram
hardly changes.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data
from skimage.transform import rotate

from gradhist_sklearn import GradientHistogramDisplay, gradient_histogram

patch = data.camera()[40:296, 100:356].astype(float)  # the man and his camera
size = patch.shape[0]
# Only a disc stays inside the picture as it turns: count the pixels in it,
# a little away from the corners that rotate() fills with black.
rows, cols = np.mgrid[:size, :size] + 0.5
disc = np.hypot(rows - size / 2, cols - size / 2) < size / 2 - 4

angles = np.arange(0, 360, 10)
plain, invariant, orientation = [], [], []
for angle in angles:
    # rotate() turns counter-clockwise on screen. With y pointing down that is
    # a turn of -angle in the package's convention.
    turned = rotate(patch, angle, order=1, preserve_range=True)
    result = gradient_histogram(turned, mask=disc, rotation_invariant=False)
    plain.append(result.histogram)
    orientation.append(result.main_orientation)
    invariant.append(gradient_histogram(turned, mask=disc).histogram)
plain, invariant = np.array(plain), np.array(invariant)

# %%
# The main orientation should be the unturned one minus the turn.

expected = np.mod(orientation[0] - angles, 360)
error = np.abs((np.array(orientation) - expected + 180) % 360 - 180)
print(f"main orientation follows the turn within {error.max():.2f} degrees")
spread = np.abs(invariant - invariant[0]).sum(axis=1) / invariant[0].sum()
print(f"rotation-invariant histograms differ from the unturned one by at most "
      f"{100 * spread.max():.1f}% (L1, relative)")

fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
axes[0].plot(angles, orientation, "o", label="measured")
line = expected.copy()
line[1:][np.diff(expected) > 0] = np.nan  # break the line where it wraps
axes[0].plot(angles, line, "-", label="unturned − turn")
axes[0].set_xlabel("turn (degrees, counter-clockwise on screen)")
axes[0].set_ylabel("main orientation (degrees)")
axes[0].legend()
axes[0].set_title("the main orientation follows the turn")
extent = [-5, 355, angles[-1] + 5, -5]
axes[1].imshow(plain, aspect="auto", extent=extent, cmap="viridis")
axes[1].set_title("plain histograms: they turn too")
axes[2].imshow(invariant, aspect="auto", extent=extent, cmap="viridis")
axes[2].set_title("rotation_invariant=True: they stay")
for ax in axes[1:]:
    ax.set_xlabel("bin centre (degrees)")
    ax.set_ylabel("turn (degrees)")

# %%
# Three of the turned patches and their histograms, plain and invariant.

fig = plt.figure(figsize=(11, 10), layout="constrained")
for column, angle in enumerate([0, 40, 130]):
    turned = rotate(patch, angle, order=1, preserve_range=True)
    ax = fig.add_subplot(3, 3, column + 1)
    ax.imshow(np.where(disc, turned, np.nan), cmap="gray")
    ax.set_title(f"turned {angle}°")
    ax.set_axis_off()
    for row, flag in [(1, False), (2, True)]:
        ax = fig.add_subplot(3, 3, 3 * row + column + 1, projection="polar")
        GradientHistogramDisplay.from_image(
            turned, mask=disc, rotation_invariant=flag, ax=ax, legend=row == 1
        )
        ax.set_title("plain" if not flag else "rotation_invariant", fontsize="small")
        ax.set_yticklabels([])
plt.show()
