"""Keeping the arithmetic in range: exact power-of-two rescaling of extreme images.

The histogram is proportional to the intensity scale, so an image whose
pixels are near 1e300 (whose squared gradients would overflow) or near
1e-300 (whose squared gradients would lose digits in the subnormal range) is
computed at unit scale and its histogram scaled back. Both steps multiply by
a power of two, which changes no digit (for ``normalize='sqrt'`` the root is
taken at unit scale and half the power restored, :func:`restore_root_scale`).
"""

import numpy as np


def _safe_window(dtype):
    """Pixel magnitudes whose gradients square without overflow or underflow.

    Above the upper end, ``gx**2 + gy**2`` could overflow; below the lower
    end, the square of a difference a few ulps of the largest pixel could
    fall into the subnormal range (losing digits) or to zero.
    """
    info = np.finfo(dtype)
    upper = 2.0 ** (info.maxexp // 2 - 10)
    lower = 2.0 ** (info.minexp // 2 + info.nmant + 10)
    return lower, upper


def scale_to_safe_range(stack):
    """Rescale, by an exact power of two, the images whose values are extreme.

    The histogram is proportional to the intensity scale, so an image with
    pixels near 1e300 or 1e-300 is scaled to magnitudes near 1, computed, and
    its histogram scaled back with :func:`restore_scale`. Scaling by a power
    of two changes no digit, and the decision is made per image, so an image's
    result does not depend on its batch. Ordinary images are left untouched.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width)
        Validated images (finite); only floating types can need rescaling.

    Returns
    -------
    stack : ndarray, the same shape and dtype
    exponents : ndarray of int, shape (n_images,), or None when no image needs it
        ``stack[i]`` was multiplied by ``2 ** -exponents[i]``.
    """
    if stack.size == 0 or stack.dtype.kind != "f":
        # bool and integer pixels (even uint64, 1.8e19) are far inside the range.
        return stack, None
    axes = tuple(range(1, stack.ndim))
    magnitude = np.maximum(np.abs(np.max(stack, axis=axes)), np.abs(np.min(stack, axis=axes)))
    lower, upper = _safe_window(stack.dtype)
    extreme = (magnitude > upper) | ((magnitude < lower) & (magnitude > 0))
    if not extreme.any():
        return stack, None
    exponents = np.where(extreme, np.frexp(magnitude)[1], 0)
    shape = (-1,) + (1,) * (stack.ndim - 1)
    scaled = np.ldexp(stack, -exponents.reshape(shape)).astype(stack.dtype, copy=False)
    return scaled, exponents


def restore_scale(histograms, exponents):
    """Undo :func:`scale_to_safe_range` on histograms of shape (n_images, n_bins).

    Raises ``ValueError`` if a histogram does not fit in its floating type.
    """
    if exponents is None:
        return histograms
    with np.errstate(over="ignore"):
        restored = np.ldexp(histograms, exponents[:, np.newaxis]).astype(
            histograms.dtype, copy=False
        )
    if not np.isfinite(restored).all():
        raise ValueError(
            f"The histogram of an image with very large pixel values exceeds the "
            f"largest {histograms.dtype.name} ({np.finfo(histograms.dtype).max:.3g}). "
            f"Divide the image by a constant first (the histogram scales by the same "
            f"factor), or use normalize=True."
        )
    return restored


def restore_root_scale(histograms, exponents):
    """Square roots of histograms computed at the scale of
    :func:`scale_to_safe_range`, at the images' own scale (``normalize='sqrt'``).

    ``sqrt(h * 2**e) = sqrt(h * 2**(e % 2)) * 2**(e // 2)``: the root is taken
    near unit scale and every other step multiplies by a power of two, so the
    result is the correctly rounded root of the restored histogram, even where
    that histogram itself would be subnormal (an image of pixels near 1e-310,
    whose root is near 1e-155).
    """
    if exponents is None:
        return np.sqrt(histograms)
    odd, half = exponents % 2, exponents // 2  # floor division: odd is 0 or 1
    roots = np.sqrt(np.ldexp(histograms, odd[:, np.newaxis]).astype(histograms.dtype,
                                                                    copy=False))
    return np.ldexp(roots, half[:, np.newaxis]).astype(histograms.dtype, copy=False)
