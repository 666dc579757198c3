"""
==========
Quickstart
==========

One image, its gradients, and the histogram of their orientations.

:func:`~gradhist_sklearn.image_gradients` gives the change of intensity toward
the right (``gx``) and toward the bottom (``gy``) at every pixel.
:func:`~gradhist_sklearn.gradient_histogram` sorts those gradients by
direction, each weighted by its length, and
:class:`~gradhist_sklearn.GradientHistogramDisplay` draws the result as a rose
diagram whose red radius is the main orientation.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from gradhist_sklearn import GradientHistogramDisplay, gradient_histogram, image_gradients

image = data.camera()
gx, gy = image_gradients(image, operator="sobel")
magnitude = np.hypot(gx, gy)

# %%
# Gradients come in the image's own units: with the Sobel kernel a ramp that
# rises by one grey level per pixel gives 8, so on this uint8 image sharp
# edges give values in the hundreds. ``gx`` is positive where the picture gets
# brighter to the right, ``gy`` where it gets brighter downward.

limit = np.percentile(np.abs(np.concatenate([gx, gy])), 99)
fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), layout="constrained")
panels = [
    (image, "image", "gray", None),
    (gx, "gx (toward +x, right)", "RdBu_r", (-limit, limit)),
    (gy, "gy (toward +y, down)", "RdBu_r", (-limit, limit)),
    (magnitude, "magnitude", "magma", (0, np.percentile(magnitude, 99))),
]
for ax, (values, title, cmap, limits) in zip(axes, panels, strict=True):
    shown = ax.imshow(values, cmap=cmap, clim=limits)
    ax.set_title(title)
    ax.set_axis_off()
    if limits is not None:
        fig.colorbar(shown, ax=ax, shrink=0.8)

# %%
# The histogram: 36 bins of 10 degrees. ``rotation_invariant=False`` keeps the
# orientations where they are in the picture (0 degrees points right, 90
# degrees down; the polar plot runs clockwise to match). The tripod and the
# man's coat give strong horizontal gradients, the sky-to-grass boundary
# vertical ones.
#
# The histograms use their own default operator, a derivative of Gaussian
# (``sigma=1.25``) in grey levels per pixel, an eighth of Sobel's scale, and
# smoother: its mean gradient magnitude is far below the Sobel one above.
# The main orientation is the histogram's centre of mass; here the strong
# bins come in opposite pairs (each edge seen dark-to-bright about as often
# as bright-to-dark) and nearly cancel, which its strength, near 0, says: the
# red radius points at what is left of the difference, not at a direction of
# the picture.

result = gradient_histogram(image, angle_bins=36, rotation_invariant=False)
print(f"main orientation: {result.main_orientation:.1f} degrees, "
      f"strength {result.orientation_strength:.2f}")
print(f"mean gradient magnitude: {result.histogram.sum():.2f} "
      f"(Sobel, as above: {magnitude.mean():.2f})")

display = GradientHistogramDisplay.from_histogram(
    result.histogram, main_orientation=result.main_orientation,
    orientation_strength=result.orientation_strength,
)
display.ax_.set_title("camera: gradient orientations, 36 bins")

# %%
# The same in one call, as bars over the angle:

GradientHistogramDisplay.from_image(image, rotation_invariant=False, kind="bar")
plt.show()
