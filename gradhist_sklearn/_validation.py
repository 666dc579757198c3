"""Input checks shared by the functions and the transformer.

Every public entry point funnels its pixels through :func:`as_gray_image` or
:func:`as_gray_stack`, so an image is refused (or accepted) for the same
reason and with the same message wherever it comes in. The transformer's
``X`` is classified by :mod:`gradhist_sklearn._input` with the checks here.
The page ``docs/input_validation.rst`` lists every message; keep it in step.
"""

import numbers
import os

import numpy as np

from ._params import NORMALIZATIONS, SIGMA_RANGE

# ITU-R BT.709 luma weights: the ones scikit-image's ``rgb2gray`` uses. They are
# applied to the raw values (no rescaling to [0, 1]) so that a uint8 255 stays
# 255 after the conversion, as the contract asks (docs/contract.rst, "Colour to grey").
LUMA_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])

#: Accepted image layouts, quoted in error messages.
IMAGE_LAYOUTS = "a 2-D grey image (height, width) or a colour image (height, width, 3 or 4)"

#: Largest pixel magnitude accepted is the floating type's maximum divided by
#: this: the steepest kernel (Scharr, absolute weights summing to 32) then
#: keeps every gradient component, and their Euclidean norm, far from overflow.
_HEADROOM = 2.0**10


def _where(index):
    return "" if index is None else f" (image {index})"


def _image(index):
    return "The image" if index is None else f"Image {index}"


def compute_dtype(dtype):
    """Floating type the computation runs in for pixels of ``dtype``.

    float32 stays float32 (as scikit-image does); everything else, including
    float16, the integer types and long double, is computed in float64.
    """
    return np.float32 if np.dtype(dtype) == np.float32 else np.float64


def max_abs_pixel(dtype):
    """Largest pixel magnitude accepted for images computed in ``dtype``."""
    return float(np.finfo(compute_dtype(dtype)).max) / _HEADROOM


def check_pixel_dtype(dtype, index=None):
    """Refuse pixel types that are not real numbers.

    Complex pixels raise ``ValueError`` (scikit-learn's convention, "Complex
    data not supported"); objects, strings, dates and raw bytes raise
    ``TypeError``.
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "biuf":
        return
    if dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: image pixels must be real numbers, got "
            f"dtype {dtype}{_where(index)}. Pass np.abs(image) or image.real."
        )
    raise TypeError(
        f"Image pixels must be real numbers (bool, integer or float), got "
        f"dtype {dtype}{_where(index)}. Convert the image with "
        f"np.asarray(image, dtype=float) first."
    )


def check_image_shape(shape, index=None):
    """Refuse shapes that are not a non-empty grey or colour image."""
    shape = tuple(shape)
    if not (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (3, 4))):
        raise ValueError(
            f"Expected {IMAGE_LAYOUTS}, got an array of shape {shape}{_where(index)}."
        )
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(
            f"{_image(index)} has shape {shape} with no pixel; every image needs "
            f"at least one row and one column."
        )


def _first_bad_pixel(pixels):
    """(row, column, value) of the first non-finite pixel of one image."""
    bad = ~np.isfinite(pixels)
    if bad.ndim == 3:  # colour
        bad = bad.any(axis=-1)
    row, col = np.unravel_index(int(np.argmax(bad)), bad.shape)
    value = pixels[row, col]
    return int(row), int(col), value


def _raise_non_finite(pixels, index):
    row, col, value = _first_bad_pixel(pixels)
    raise ValueError(
        f"{_image(index)} contains NaN or infinity (first at row {row}, column "
        f"{col}: {value}). Gradients of non-finite pixels are undefined: replace "
        f"them first, for example with "
        f"np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)."
    )


def _raise_too_large(magnitude, dtype, index):
    limit = max_abs_pixel(dtype)
    advice = "Divide the image by a constant first (the histogram scales by the same factor)"
    if compute_dtype(dtype) == np.float32:
        advice += " or convert it to float64"
    raise ValueError(
        f"{_image(index)} has pixel values up to {float(magnitude):.3g} in "
        f"magnitude, beyond the {limit:.3g} whose gradients "
        f"{np.dtype(compute_dtype(dtype)).name} can hold without overflow. {advice}."
    )


def check_values(stack, first_index=0, source_dtype=None):
    """Refuse non-finite pixels and magnitudes that would overflow.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width[, channels])
        Pixels of a batch (or a batch of one).
    first_index : int or None
        Index of ``stack[0]`` in the whole batch, for error messages (None for
        a lone image).
    source_dtype : dtype, optional
        The dtype the computation runs in is derived from this (default:
        ``stack.dtype``).
    """
    if stack.dtype.kind != "f" or stack.size == 0:
        # bool and integer pixels are finite, and even uint64 (1.8e19) is far
        # below the limit once converted to float64.
        return
    axes = tuple(range(1, stack.ndim))
    with np.errstate(invalid="ignore"):
        high = np.max(stack, axis=axes)  # NaN propagates
        low = np.min(stack, axis=axes)
    finite = np.isfinite(high) & np.isfinite(low)
    if not finite.all():
        i = int(np.argmin(finite))
        _raise_non_finite(stack[i], None if first_index is None else first_index + i)
    magnitude = np.maximum(np.abs(high), np.abs(low))
    # compare in at least float64: the limit itself does not fit in float16
    magnitude = magnitude.astype(np.promote_types(magnitude.dtype, np.float64), copy=False)
    too_large = magnitude > max_abs_pixel(source_dtype or stack.dtype)
    if too_large.any():
        i = int(np.argmax(too_large))
        _raise_too_large(
            magnitude[i], source_dtype or stack.dtype,
            None if first_index is None else first_index + i,
        )


def refuse_masked(array, index=None):
    """Refuse a masked array with masked pixels: its mask would be dropped."""
    if np.ma.is_masked(array):
        raise TypeError(
            f"{_image(index)} is a masked array with masked pixels; their values "
            f"would be used as if valid. Pass image.filled(value) and restrict the "
            f"histogram with mask=~np.ma.getmaskarray(image) instead."
        )


def as_array(image, index=None):
    """``np.asarray`` with a clear message for ragged nested sequences."""
    if isinstance(image, np.ma.MaskedArray):
        refuse_masked(image, index)
        return np.asarray(image)
    if isinstance(image, np.ndarray):
        return image
    if isinstance(image, (str, bytes, os.PathLike)):
        raise TypeError(
            f"Expected an image array{_where(index)}, got the path-like {image!r}; "
            f"read it with gradhist_sklearn.read_image first."
        )
    try:
        return np.asarray(image)
    except ValueError as exc:
        raise ValueError(
            f"{_image(index)} is not a rectangular array ({exc}). Rows of an image "
            f"must all have the same length."
        ) from exc


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
    pixels = as_array(image, index)
    check_pixel_dtype(pixels.dtype, index)
    check_image_shape(pixels.shape, index)
    # A stack of one, named by ``index`` (None: "The image"). np.asarray: an
    # np.matrix stays 2-D under [np.newaxis] and cannot be stacked.
    return as_gray_stack(np.asarray(pixels)[np.newaxis], index)[0]


def as_gray_stack(stack, first_index=0):
    """Validate a stack of same-shaped images and return it as floating point.

    Parameters
    ----------
    stack : ndarray, shape (n, height, width) or (n, height, width, 3 or 4)
        The images. Only this chunk is converted, so a memory-mapped batch is
        never copied whole.
    first_index : int or None
        Index of ``stack[0]`` in the whole batch, for error messages (None
        for a lone image, as :func:`as_gray_image` passes).

    Returns
    -------
    gray : ndarray of float32 or float64, shape (n, height, width)
        Colour is converted with the BT.709 luma weights on the raw values;
        an alpha channel is ignored.
    """
    check_pixel_dtype(stack.dtype)
    check_stack_shape(stack.shape)
    if stack.dtype.kind == "f" and stack.dtype.itemsize > 8:
        # long double: check before the values are squeezed into float64.
        check_values(stack, first_index, source_dtype=np.float64)
    dtype = compute_dtype(stack.dtype)
    if stack.ndim == 4:
        gray = stack[..., :3].astype(dtype, copy=False) @ LUMA_WEIGHTS.astype(dtype)
    else:
        gray = stack.astype(dtype, copy=False)
    if stack.dtype.kind == "f":
        # Bool and integer pixels, and their grey (a weighted mean), are finite
        # and far below the limit: only floating pixels can fail the check.
        check_values(gray, first_index)
    return gray


def check_stack_shape(shape):
    """Refuse a batch array that is not a non-empty stack of images."""
    shape = tuple(shape)
    if len(shape) not in (3, 4) or (len(shape) == 4 and shape[-1] not in (3, 4)):
        raise ValueError(
            f"Expected a stack of shape (n_images, height, width) or "
            f"(n_images, height, width, 3 or 4), got shape {shape}."
        )
    if shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is "
            f"required: X holds no image."
        )
    if shape[1] == 0 or shape[2] == 0:
        raise ValueError(
            f"Images have shape {shape[1:3]} with no pixel; every image needs at "
            f"least one row and one column."
        )


# -- parameters -----------------------------------------------------------------


def check_flag(name, value):
    """Refuse a non-boolean flag such as ``unidirectional="False"``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_integer(name, value, low=1, high=None, advice=""):
    """Return ``value`` as an int if it is an integer (not a bool) in ``[low,
    high]``; ``advice`` ends the message of a value above ``high``."""
    what = {1: "a positive integer", 0: "a non-negative integer"}.get(
        low, f"an integer of at least {low}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be {what}, got {value!r} of type {type(value).__name__}."
        )
    if value < low:
        raise ValueError(f"{name} must be {what}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}, got {value}{advice}.")
    return int(value)


def check_angle_bins(angle_bins, unidirectional):
    """Refuse an odd ``angle_bins`` (already an int) with ``unidirectional``:
    the folded histogram keeps half of them."""
    if unidirectional and angle_bins % 2:
        raise ValueError(
            f"angle_bins must be even when unidirectional=True (the histogram "
            f"keeps angle_bins / 2 bins over 180 degrees), got {angle_bins}. "
            f"Use {angle_bins + 1} or {angle_bins - 1 or 2}."
        )
    return angle_bins


def check_azimuthal_bins(bins, unidirectional):
    """Refuse an odd ``azimuthal_bins`` (already an int) with ``unidirectional``."""
    if unidirectional and bins % 2:
        raise ValueError(
            f"azimuthal_bins must be even when unidirectional=True (the azimuthal part "
            f"keeps azimuthal_bins / 2 bins over 180 degrees), got {bins}. "
            f"Use {bins + 1} or {bins - 1 or 2}."
        )
    return bins


def check_choice(name, value, choices):
    """Return ``value`` if it is one of the strings ``choices``; else raise
    ``ValueError`` listing them (a non-string equal to a choice, such as a 0-d
    string array, is refused too)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"Unknown {name} {value!r}; choose one of "
            f"{', '.join(repr(choice) for choice in choices)}."
        )
    return value




def check_float_type(name, value, names):
    """The name (one of ``names``) of the floating type ``value`` names: the
    name itself, or numpy's type of that name (``numpy.float32``); else
    ``ValueError`` listing them."""
    if isinstance(value, str):
        return check_choice(name, value, names)
    if isinstance(value, type) and issubclass(value, np.generic) \
            and np.dtype(value).name in names:
        return np.dtype(value).name
    raise ValueError(
        f"{name} must be one of {', '.join(repr(n) for n in names)}, or numpy's type of "
        f"that name (numpy.float32), got {value!r}."
    )


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
    if not SIGMA_RANGE[0] <= sigma <= SIGMA_RANGE[1]:
        raise ValueError(
            f"sigma must lie in [{SIGMA_RANGE[0]:g}, {SIGMA_RANGE[1]:g}] pixels, got "
            f"{sigma!r}: below {SIGMA_RANGE[0]:g} the derivative of Gaussian is half "
            f"the central difference already (operator='central'), and above "
            f"{SIGMA_RANGE[1]:g} its kernels would hold more than 8000 taps."
        )
    return float(sigma)


def check_sigmas(sigma):
    """``sigma`` as a float, or a sequence of them as a tuple (one per scale)."""
    if isinstance(sigma, (str, bytes)) or not np.iterable(sigma):
        return check_sigma(sigma)
    scales = tuple(check_sigma(value) for value in sigma)
    if not scales:
        raise ValueError("sigma must hold at least one scale, got an empty sequence.")
    if len(set(scales)) != len(scales):
        raise ValueError(f"sigma must not repeat a scale, got {sigma!r}.")
    _check_scale_names(scales)
    return scales


def _check_scale_names(scales):
    """Refuse scales that the column names (``sigma{s:g}_``, six significant
    digits) cannot tell apart: two columns of a table would share a name."""
    names = {}
    for scale in scales:
        names.setdefault(f"{scale:g}", []).append(scale)
    clashes = [values for values in names.values() if len(values) > 1]
    if clashes:
        raise ValueError(
            f"sigma holds the scales {' and '.join(repr(v) for v in clashes[0])}, which "
            f"name the same columns (sigma{clashes[0][0]:g}_...): scales must differ "
            f"in their first six significant digits. Keep one of them."
        )


def check_normalize(normalize):
    """``normalize`` as one of :data:`NORMALIZATIONS`, or None for False.

    Anything but a bool or one of those names is refused, None included
    (``TypeError`` for other types, ``ValueError`` for other strings, such as
    ``'False'``), with a message listing what to pass."""
    if isinstance(normalize, (bool, np.bool_)):
        return "pixels" if normalize else None
    if not isinstance(normalize, str) or normalize not in NORMALIZATIONS:
        error = ValueError if isinstance(normalize, str) else TypeError
        raise error(
            f"normalize must be True, False or one of "
            f"{', '.join(repr(name) for name in NORMALIZATIONS)}; got {normalize!r}."
        )
    return normalize


def check_grid_shape(grid_shape):
    """``grid_shape`` as ``(rows, cols)`` of positive ints."""
    if isinstance(grid_shape, (str, bytes)) or not np.iterable(grid_shape) \
            or len(grid_shape) != 2:
        raise ValueError(f"grid_shape must be (rows, cols), got {grid_shape!r}.")
    return tuple(check_integer("grid_shape", value) for value in grid_shape)
