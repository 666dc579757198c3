"""Quickstart: gradient-orientation histograms of scikit-image's sample images.

Run with ``python examples/quickstart.py``. It needs only the plain install and
data that ships with scikit-image.
"""

import numpy as np
from skimage import data

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients

camera = data.camera()  # 512 x 512 uint8

# 1. Gradients at OpenCV's Sobel scale, in the image's own units.
gx, gy = image_gradients(camera, operator="sobel")
print(f"camera: {camera.shape} {camera.dtype}; |G| ranges up to "
      f"{np.hypot(gx, gy).max():.0f}")

# 2. One histogram: 36 bins of 10 degrees, magnitude-weighted, linearly split.
#    The default operator is a derivative of Gaussian (sigma=1), whose gradients
#    are in intensity units per pixel: an eighth of Sobel's scale.
plain = gradient_histogram(camera, angle_bins=36, rotation_invariant=False)
print(f"main orientation: {plain.main_orientation:.1f} degrees; "
      f"mean gradient magnitude: {plain.histogram.sum():.2f}")
top = np.argsort(plain.histogram)[::-1][:3]
print("strongest bins:", ", ".join(f"{10 * i} deg" for i in top))

# 3. Rotation invariance: a quarter turn rolls the plain histogram by 9 bins
#    and leaves the rotation-invariant one unchanged.
turned = np.rot90(camera)
rolled = gradient_histogram(turned, rotation_invariant=False).histogram
print("quarter turn rolls the histogram by 9 bins:",
      np.allclose(rolled, np.roll(plain.histogram, -9)))
invariant = gradient_histogram(camera).histogram
print("rotation-invariant histogram unchanged:",
      np.allclose(gradient_histogram(turned).histogram, invariant))

# 4. A batch through the scikit-learn transformer: crops of several images.
# sigma=1.0 and normalize=True give gradient_histogram's rows, whose sums are
# mean magnitudes (the transformer's defaults, for classification, put three
# scales side by side and take square roots: 108 columns).
images = [data.camera(), data.coins(), data.moon(), data.text(), data.page()]
features = GradientHistogramTransformer(angle_bins=36, sigma=1.0, normalize=True,
                                        n_jobs=2).fit_transform(images)
print("feature matrix:", features.shape, features.dtype)
for name, row in zip(["camera", "coins", "moon", "text", "page"], features, strict=True):
    share = row.max() / row.sum()
    print(f"  {name:>6}: mean |G| = {row.sum():7.2f}, peak bin share = {share:.2f}")
