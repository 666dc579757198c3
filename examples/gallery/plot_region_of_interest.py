"""
=====================================
A rotated region of interest
=====================================

A region of interest is a rectangle placed by a *frame*: its origin is the
rectangle's top-left corner, its x-axis runs along the top edge, and its
angle turns from +x toward +y (clockwise on screen, since y grows downward).
Gradient angles are measured from the frame's x-axis, so a rectangle that
turns with the object gives the same histogram.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data
from skimage.transform import rotate

from gradhist_sklearn import GradientHistogramDisplay, gradient_histogram


def corners(frame, size):
    """The rectangle's four corners in image coordinates (x right, y down)."""
    x, y, angle = frame
    width, height = size
    a = np.radians(angle)
    u = np.array([0, width, width, 0, 0])
    v = np.array([0, 0, height, height, 0])
    return x + u * np.cos(a) - v * np.sin(a), y + u * np.sin(a) + v * np.cos(a)


def inside(shape, frame, size):
    """The pixels whose centres lie in the rectangle: ``0 <= u < width`` and
    ``0 <= v < height`` in frame coordinates, as the package decides."""
    x, y, angle = frame
    a = np.radians(angle)
    rows, cols = np.indices(shape) + 0.5
    u = np.cos(a) * (cols - x) + np.sin(a) * (rows - y)
    v = -np.sin(a) * (cols - x) + np.cos(a) * (rows - y)
    return (u >= 0) & (u < size[0]) & (v >= 0) & (v < size[1])


def draw(ax, image, frame, size, title):
    # extent puts pixel (r, c) centre at (c + 0.5, r + 0.5), as the package does
    h, w = image.shape
    ax.imshow(image, cmap="gray", extent=[0, w, h, 0])
    ax.plot(*corners(frame, size), color="tab:orange", linewidth=2)
    ax.plot(frame[0], frame[1], "o", color="tab:orange")  # the frame's origin
    ax.set_title(title)
    ax.set_axis_off()


image = data.camera().astype(float)
frame, size = (215.0, 60.0, 25.0), (150.0, 110.0)  # around the camera and the face

# %%
# The same object turned by 30 degrees with :func:`skimage.transform.rotate`
# (counter-clockwise on screen, about the image centre), and the frame moved
# and turned with it: its origin goes through the same rotation, and its
# angle drops by 30 degrees.

turn = 30.0
turned = rotate(image, turn, order=1, preserve_range=True)
centre = np.array(image.shape[::-1]) / 2  # (x, y) of the image centre
t = np.radians(turn)
offset = np.array(frame[:2]) - centre
origin = centre + [offset[0] * np.cos(t) + offset[1] * np.sin(t),
                   -offset[0] * np.sin(t) + offset[1] * np.cos(t)]
turned_frame = (origin[0], origin[1], frame[2] - turn)

before = gradient_histogram(image, frame=frame, size=size, rotation_invariant=False)
after = gradient_histogram(turned, frame=turned_frame, size=size, rotation_invariant=False)
difference = np.abs(after.histogram - before.histogram).sum() / before.histogram.sum()
print(f"main orientation in the frame: {before.main_orientation:.1f} and "
      f"{after.main_orientation:.1f} degrees; histograms differ by {100 * difference:.1f}%")

fig = plt.figure(figsize=(13, 4.2), layout="constrained")
draw(fig.add_subplot(1, 3, 1), image, frame, size, f"frame {frame}")
draw(fig.add_subplot(1, 3, 2), turned, turned_frame, size,
     f"image turned {turn:.0f}°, frame turned with it")
ax = fig.add_subplot(1, 3, 3)
GradientHistogramDisplay.from_histogram(
    before.histogram, main_orientation=before.main_orientation, ax=ax, kind="bar",
    bar_kwargs={"alpha": 0.6, "label": "original"},
)
ax.bar(np.arange(36) * 10.0, after.histogram, width=10, alpha=0.6, label="turned")
ax.legend(fontsize="small")
ax.set_title("histograms in the frame's coordinates agree")

# %%
# A boolean mask restricts the region further: here only the bright pixels
# of the rectangle (the sky and the face) count. Left, the pixels that vote
# (the rest of the picture dimmed); right, their histogram. Gradients are
# still computed on the whole image, so the mask's own border adds no edge:
# the pixels just inside it keep the gradients of the picture.

bright = image > 120
masked = gradient_histogram(image, frame=frame, size=size, mask=bright,
                            rotation_invariant=False)
rectangle = gradient_histogram(image, frame=frame, size=size, rotation_invariant=False)
voting = inside(image.shape, frame, size) & bright
print(f"{np.count_nonzero(voting)} pixels vote: the rectangle's bright ones; main "
      f"orientation {masked.main_orientation:.1f} degrees (strength "
      f"{masked.orientation_strength:.2f}), against {rectangle.main_orientation:.1f} "
      f"(strength {rectangle.orientation_strength:.2f}) for the whole rectangle")

fig = plt.figure(figsize=(10, 4.4), layout="constrained")
ax = fig.add_subplot(1, 2, 1)
ax.imshow(np.where(voting, image, 0.25 * image), cmap="gray", vmin=0, vmax=255,
          extent=[0, image.shape[1], image.shape[0], 0])
ax.plot(*corners(frame, size), color="tab:orange", linewidth=2)
ax.set_title("pixels that vote: in the rectangle and brighter than 120", fontsize="small")
ax.set_axis_off()
ax = fig.add_subplot(1, 2, 2, projection="polar")
GradientHistogramDisplay.from_histogram(
    masked.histogram, main_orientation=masked.main_orientation,
    orientation_strength=masked.orientation_strength, ax=ax)
ax.set_title("their histogram", fontsize="small")
plt.show()
