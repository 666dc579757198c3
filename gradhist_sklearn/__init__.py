"""Gradient-orientation histogram features for scikit-learn.

The functional core (:func:`image_gradients`, :func:`gradient_histogram`,
:func:`orientation_mask`) needs only numpy, scipy and scikit-image; the
:class:`GradientHistogramTransformer` puts it in scikit-learn Pipelines, and
:class:`GradientHistogramDisplay` draws histograms with matplotlib (optional,
imported only when something is drawn).
"""

from ._gradients import image_gradients
from ._histogram import GradientHistogram, gradient_histogram, orientation_mask
from ._io import ImageReadError, read_image
from ._plotting import GradientHistogramDisplay
from ._transformer import GradientHistogramTransformer

__version__ = "0.1.0"

__all__ = [
    "GradientHistogram",
    "GradientHistogramDisplay",
    "GradientHistogramTransformer",
    "ImageReadError",
    "gradient_histogram",
    "image_gradients",
    "orientation_mask",
    "read_image",
    "__version__",
]
