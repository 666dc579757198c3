"""Quickstart: gradient-orientation histograms of scikit-image's sample images.

Run with ``python examples/quickstart.py``. It needs only the plain install and
data that ships with scikit-image.
"""

import numpy as np
from skimage import data

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram, image_gradients

camera = data.camera()  # 512 x 512 uint8

# 1. Gradients. image_gradients defaults to the contract's Sobel, at OpenCV's
#    scale: a ramp rising by 1 per pixel gives 8. The histograms default to a
#    derivative of Gaussian (sigma=1.25) in intensity units per pixel: the ramp
#    gives 1. Same image, two scales.
gx, gy = image_gradients(camera)  # operator="sobel"
sobel = np.hypot(gx, gy)
gx, gy = image_gradients(camera, operator="gaussian")  # the histograms' operator
gaussian = np.hypot(gx, gy)
print(f"camera: {camera.shape} {camera.dtype}; |G| up to {sobel.max():.0f} with Sobel "
      f"(8 per unit of slope), {gaussian.max():.0f} with the histograms' Gaussian (1 per unit)")

# 2. One histogram: 36 bins of 10 degrees, magnitude-weighted, linearly split,
#    normalised by the pixel count, so it sums to the mean |G| (Gaussian units).
plain = gradient_histogram(camera, angle_bins=36, rotation_invariant=False)
print(f"mean gradient magnitude: {plain.histogram.sum():.2f} (Gaussian units; the mean "
      f"Sobel |G| is {sobel.mean():.2f}: 8 times the scale, and less smoothing)")
top = np.argsort(plain.histogram)[::-1][:3]
print("strongest bins:", ", ".join(f"{10 * i} deg" for i in top))
# The main orientation is the histogram's circular centre of mass; its strength
# (0 to 1) says whether it means anything. Here the two strongest bins are
# opposite (vertical edges, dark-to-bright about as often as bright-to-dark),
# so they cancel: the strength is near 0 and the angle says next to nothing.
print(f"main orientation: {plain.main_orientation:.1f} degrees, strength "
      f"{plain.orientation_strength:.2f} (near 0: no preferred direction)")

# 3. Rotation invariance: a quarter turn rolls the plain histogram by 9 bins
#    and leaves the rotation-invariant one unchanged. The default alignment is
#    on the gradients' dominant circular harmonic, which does not need a main
#    orientation: here the second harmonic (the axis of the strongest edges).
turned = np.rot90(camera)
rolled = gradient_histogram(turned, rotation_invariant=False).histogram
print("quarter turn rolls the histogram by 9 bins:",
      np.allclose(rolled, np.roll(plain.histogram, -9)))
invariant = gradient_histogram(camera).histogram
print("rotation-invariant histogram unchanged:",
      np.allclose(gradient_histogram(turned).histogram, invariant))

# 4. A batch through the scikit-learn transformer, with the orientation columns.
# layout="global", sigma=1.25 and normalize=True give gradient_histogram's rows,
# whose sums are mean magnitudes (the transformer's defaults, for
# classification, pool a 3x3 grid of cells turned with each image at three
# scales and take square roots: 972 columns, then two orientation columns per
# scale).
names = ["camera", "coins", "moon", "text", "page"]
images = [data.camera(), data.coins(), data.moon(), data.text(), data.page()]
transformer = GradientHistogramTransformer(angle_bins=36, layout="global", sigma=1.25,
                                           normalize=True, include_orientation=True, n_jobs=2)
features = transformer.fit_transform(images)
print("feature matrix:", features.shape, features.dtype, "- last columns:",
      ", ".join(transformer.get_feature_names_out()[-2:]))
for name, row in zip(names, features, strict=True):
    histogram, orientation, strength = row[:-2], row[-2], row[-1]
    print(f"  {name:>6}: mean |G| = {histogram.sum():6.2f}, main orientation "
          f"{orientation:5.1f} deg, strength {strength:.2f}")
