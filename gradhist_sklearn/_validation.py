"""Input checks shared by the functions and the transformer.

Every public entry point funnels its pixels through :func:`as_gray_image` or
:func:`as_gray_stack`, so an image is refused (or accepted) for the same
reason and with the same message wherever it comes in.
"""

import numbers

import numpy as np

from ._invariance import INVARIANCE_METHODS

# ITU-R BT.709 luma weights: the ones scikit-image's ``rgb2gray`` uses. They are
# applied to the raw values (no rescaling to [0, 1]) so that a uint8 255 stays
# 255 after the conversion, as SPEC section 1 asks.
LUMA_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])

OPERATOR_NAMES = ("sobel", "scharr", "prewitt", "farid", "central", "gaussian")


def _where(index):
    return "" if index is None else f" (image {index})"


def compute_dtype(dtype):
    """Floating type the computation runs in for pixels of ``dtype``.

    float32 stays float32 (as scikit-image does); everything else, including
    float16 and the integer types, is computed in float64.
    """
    return np.float32 if np.dtype(dtype) == np.float32 else np.float64


def check_pixel_dtype(dtype, index=None):
    """Refuse pixel types that are not real numbers."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "biuf":
        raise TypeError(
            f"Image pixels must be real numbers (bool, integer or float), got "
            f"dtype {dtype}{_where(index)}. Convert the image with "
            f"np.asarray(image, dtype=float) first."
        )


def check_finite(pixels, index=None):
    """Refuse NaN and infinite pixels: they have no gradient."""
    if pixels.dtype.kind == "f" and not np.isfinite(pixels).all():
        raise ValueError(
            f"Image contains NaN or infinity{_where(index)}. Gradients of "
            f"non-finite pixels are undefined: replace them first, for example "
            f"with np.nan_to_num(image)."
        )


def to_gray(pixels, index=None):
    """Turn a 2-D image, or a colour image with 3 or 4 channels, into grey.

    Colour is converted with the BT.709 luma weights on the raw values; an
    alpha channel is ignored. The result keeps float32 as float32 and is
    float64 otherwise.
    """
    if pixels.ndim == 2:
        return pixels
    if pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        dtype = compute_dtype(pixels.dtype)
        return pixels[..., :3].astype(dtype, copy=False) @ LUMA_WEIGHTS.astype(dtype)
    raise ValueError(
        f"Expected a 2-D grey image (height, width) or a colour image "
        f"(height, width, 3 or 4), got an array of shape {pixels.shape}"
        f"{_where(index)}."
    )


def as_gray_image(image, index=None):
    """Validate one image and return it as a 2-D floating array.

    Parameters
    ----------
    image : array-like
        A 2-D image, or a colour image of shape (height, width, 3 or 4).
    index : int, optional
        Position of the image in a batch, named in error messages.

    Returns
    -------
    gray : ndarray of float32 or float64, shape (height, width)
    """
    pixels = np.asarray(image)
    check_pixel_dtype(pixels.dtype, index)
    gray = to_gray(pixels, index)
    if gray.size == 0:
        raise ValueError(
            f"Image has shape {gray.shape} with no pixel{_where(index)}; every "
            f"image needs at least one row and one column."
        )
    gray = gray.astype(compute_dtype(gray.dtype), copy=False)
    check_finite(gray, index)
    return gray


def as_gray_stack(stack, first_index=0):
    """Validate a stack of same-shaped images and return it as floating point.

    Parameters
    ----------
    stack : ndarray, shape (n, height, width) or (n, height, width, 3 or 4)
        The images. Only this chunk is converted, so a memory-mapped batch is
        never copied whole.
    first_index : int
        Index of ``stack[0]`` in the whole batch, for error messages.

    Returns
    -------
    gray : ndarray of float32 or float64, shape (n, height, width)
    """
    check_pixel_dtype(stack.dtype)
    if stack.ndim == 4 and stack.shape[-1] in (3, 4):
        dtype = compute_dtype(stack.dtype)
        gray = stack[..., :3].astype(dtype, copy=False) @ LUMA_WEIGHTS.astype(dtype)
    elif stack.ndim == 3:
        gray = stack.astype(compute_dtype(stack.dtype), copy=False)
    else:
        raise ValueError(
            f"Expected a stack of shape (n_images, height, width) or "
            f"(n_images, height, width, 3 or 4), got shape {stack.shape}."
        )
    if gray.shape[1] == 0 or gray.shape[2] == 0:
        raise ValueError(
            f"Images have shape {gray.shape[1:]} with no pixel; every image "
            f"needs at least one row and one column."
        )
    if gray.dtype.kind == "f" and not np.isfinite(gray).all():
        bad = np.flatnonzero(~np.isfinite(gray).reshape(len(gray), -1).all(axis=1))
        check_finite(gray[bad[0]], first_index + int(bad[0]))
    return gray


def check_angle_bins(angle_bins, unidirectional):
    """Check ``angle_bins`` for the functional API (the estimator uses its
    parameter constraints, which give the same verdicts)."""
    if isinstance(angle_bins, bool) or not isinstance(angle_bins, numbers.Integral):
        raise TypeError(
            f"angle_bins must be a positive integer, got {angle_bins!r} of type "
            f"{type(angle_bins).__name__}."
        )
    if angle_bins < 1:
        raise ValueError(f"angle_bins must be a positive integer, got {angle_bins}.")
    check_unidirectional_bins(angle_bins, unidirectional)
    return int(angle_bins)


def check_unidirectional_bins(angle_bins, unidirectional):
    if unidirectional and angle_bins % 2:
        raise ValueError(
            f"angle_bins must be even when unidirectional=True (the histogram "
            f"keeps angle_bins / 2 bins over 180 degrees), got {angle_bins}. "
            f"Use {angle_bins + 1} or {angle_bins - 1 or 2}."
        )


def check_operator(operator):
    if operator not in OPERATOR_NAMES:
        raise ValueError(
            f"Unknown operator {operator!r}; choose one of "
            f"{', '.join(repr(name) for name in OPERATOR_NAMES)}."
        )
    return operator


def check_sigma(sigma):
    """Check the scale of the ``'gaussian'`` operator; return it as a float."""
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(
            f"sigma must be a positive real number (pixels), got {sigma!r} of type "
            f"{type(sigma).__name__}."
        )
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(
            f"sigma must be a positive finite number of pixels (the Gaussian's "
            f"standard deviation), got {sigma!r}."
        )
    return float(sigma)


def check_invariance(invariance):
    if invariance not in INVARIANCE_METHODS:
        raise ValueError(
            f"Unknown invariance {invariance!r}; choose one of "
            f"{', '.join(repr(name) for name in INVARIANCE_METHODS)}."
        )
    return invariance
