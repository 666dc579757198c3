"""
==============================================
Sobel gradients and the orientation-range mask
==============================================

The classic first lesson on image gradients, on scikit-image's ``coins``
image: the Sobel response along x, along y, their combined magnitude, and a
mask of the pixels whose gradient orientation lies in a chosen range.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from gradhist_sklearn import image_gradients, orientation_mask

coins = data.coins()
gx, gy = image_gradients(coins, operator="sobel")
magnitude = np.hypot(gx, gy)

# %%
# ``gx`` responds to vertical edges (brightness changing left to right) and
# ``gy`` to horizontal ones. The signs matter: the left border of a bright
# coin is positive in ``gx``, its right border negative. Shown here as
# absolute values, the way the lesson usually displays them.

fig, axes = plt.subplots(2, 2, figsize=(9, 7.5), layout="constrained")
for ax, values, title in [
    (axes[0, 0], coins, "coins"),
    (axes[0, 1], np.abs(gx), "|gx|: vertical edges"),
    (axes[1, 0], np.abs(gy), "|gy|: horizontal edges"),
    (axes[1, 1], magnitude, "magnitude sqrt(gx² + gy²)"),
]:
    ax.imshow(values, cmap="gray")
    ax.set_title(title)
    ax.set_axis_off()

# %%
# The orientation mask keeps pixels whose orientation, folded to [0, 180)
# degrees, lies in [175, 180]: gradients pointing almost straight left or
# right. Those are the left and right borders of the coins. Counting mask
# pixels per column inside one coin's bounding box shows the two peaks.

mask = orientation_mask(coins, 175, 180)
print(f"mask pixels: {np.count_nonzero(mask)} of {mask.size}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
axes[0].imshow(mask, cmap="gray")
axes[0].set_title("orientation in [175°, 180°]")
axes[0].set_axis_off()

overlay = np.dstack([coins] * 3).astype(float) / 255
overlay[mask > 0] = [1.0, 0.1, 0.1]
axes[1].imshow(overlay)
axes[1].set_title("mask pixels drawn over the coins")
axes[1].set_axis_off()

# %%
# Single pixels are noisy: the flat background has tiny gradients pointing
# every which way, and some land in the range. Where the mask is *densest*
# is what matters: averaged over 9x9 neighbourhoods, it lights up at the
# left and right borders of each coin, where many neighbouring pixels point
# the same way. Keeping only strong gradients (here magnitude above 200)
# removes the background noise and leaves the vertical stretches of the rims.

from scipy import ndimage as ndi  # noqa: E402

density = ndi.uniform_filter(mask / 255.0, size=9)
strong = (mask > 0) & (magnitude > 200)
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
shown = axes[0].imshow(density, cmap="inferno")
axes[0].set_title("density of the mask (9x9 mean)")
fig.colorbar(shown, ax=axes[0], shrink=0.8)
axes[1].imshow(strong, cmap="gray")
axes[1].set_title("mask and magnitude > 200")
for ax in axes:
    ax.set_axis_off()
plt.show()
