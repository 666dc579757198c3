"""The contract's float32 bound (docs/contract.rst, "Precision") as a
tolerance for the transformer's normalised rows."""

import numpy as np

from gradhist_sklearn import GradientHistogramTransformer
from gradhist_sklearn._invariance import gradient_grains, noise_floor
from gradhist_sklearn._options import HistogramOptions


def float32_tolerance(images, **params):
    """Each image's largest allowed difference, shape ``(n_images, 1)``,
    between its ``dtype='float32'`` and ``'float64'`` histogram values under
    ``params`` (a stack of grey images): the float32 noise floor ``F32`` of
    each scale (of ``n`` the pixels or the values, the more, as the pipeline
    takes it for values), normalised as the values are (``sqrt(F32 / n)`` for
    ``'sqrt'``, ``F32 / n`` for ``'pixels'``), the largest over the scales."""
    images = np.asarray(images)
    options = HistogramOptions.from_params(GradientHistogramTransformer(**params).get_params())
    raw = GradientHistogramTransformer(**{**params, "normalize": False}).fit_transform(images)
    n_pixels = images.shape[1] * images.shape[2]
    per_scale = options.n_values // len(options.scales)
    histogram = options.n_blocks * options.block_length
    tolerances = []
    for k, scale in enumerate(options.at_scales()):
        mass = raw[:, k * per_scale:k * per_scale + histogram].sum(axis=1)
        # As the pipeline zeroes values: n is the pixels or the values, the more.
        floor = noise_floor(mass, max(n_pixels, histogram),
                            gradient_grains(images, scale.kernels, dtype="float32"))
        if options.normalize == "sqrt":
            floor = np.sqrt(floor / n_pixels)
        elif options.normalize == "pixels":
            floor = floor / n_pixels
        tolerances.append(floor)
    return np.max(tolerances, axis=0)[:, np.newaxis]
