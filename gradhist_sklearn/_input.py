"""What the transformer's ``X`` is: classified and checked in one place.

:func:`check_input` turns any accepted ``X`` into a batch of
:mod:`gradhist_sklearn._batch` (a stack of same-shaped images, a list of
images, a list of file paths; a dask array is a lazy stack), checking
shapes and pixel types up front and, in ``fit``, the pixel values too
(``transform`` checks values a chunk at a time, in the workers). A 2-D ``X``
goes through scikit-learn's ``validate_data``, which records
``n_features_in_`` and ``feature_names_in_`` on the estimator, so this is the
one module besides the estimator that knows about scikit-learn's input
conventions.
"""

import sys
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils.validation import validate_data

from ._batch import ListBatch, PathBatch, StackBatch
from ._dask import is_dask_array
from ._io import is_path
from ._validation import (
    IMAGE_LAYOUTS,
    as_array,
    check_image_shape,
    check_pixel_dtype,
    check_stack_shape,
    check_values,
    refuse_masked,
)

#: Accepted forms of the transformer's ``X``, quoted in error messages.
X_FORMS = (
    "(n_samples, height, width), (n_samples, height, width, 3 or 4), "
    "(n_samples, n_features) of flattened images, a list of images, or a list of "
    "image file paths"
)


def check_input(estimator, X, *, reset):
    """Classify ``X`` and return the batch that describes it.

    Parameters
    ----------
    estimator : GradientHistogramTransformer
        Its ``image_shape`` says how to read a 2-D ``X``; ``validate_data``
        records (``reset=True``) or checks the input's columns on it.
    X : array-like, list or dask array
        Any form the transformer accepts.
    reset : bool
        True in ``fit`` (record, and check every pixel value now), False in
        ``transform``.
    """
    if isinstance(X, (list, tuple)):
        kind = classify_sequence(X)
        if kind == "paths":
            return PathBatch(list(X))
        if kind == "images":
            return ListBatch(check_image_list(X, check_pixels=reset))
    if getattr(X, "ndim", None) in (3, 4):
        if reset:  # a stack has no columns to remember
            for attribute in ("n_features_in_", "feature_names_in_"):
                if hasattr(estimator, attribute):
                    delattr(estimator, attribute)
        return check_stack(X, reset)
    return _check_rows(estimator, X, reset)


def check_stack(X, check_pixels):
    """A 3-D or 4-D array (or dask array) of images as a :class:`StackBatch`.

    Pixel values are checked when ``check_pixels`` (otherwise each chunk is
    checked in its worker; a dask array stays lazy and is checked block by
    block when computed).
    """
    if isinstance(X, np.ma.MaskedArray):
        refuse_masked(X)
    lazy = is_dask_array(X)
    if not (isinstance(X, np.ndarray) or lazy):
        X = np.asarray(X)
    check_pixel_dtype(X.dtype)
    check_stack_shape(X.shape)
    if check_pixels and not lazy:
        check_values(X)
    return StackBatch(X)


def _check_rows(estimator, X, reset):
    """A 2-D ``X`` of flattened images, read with ``estimator.image_shape``."""
    check_x_ndim(X)
    _check_columns_are_numeric(X)
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "O") != "O":
        check_pixel_dtype(dtype)  # before scikit-learn's own, blunter messages
    X = validate_data(estimator, X, reset=reset, dtype="numeric", ensure_all_finite=False)
    check_pixel_dtype(X.dtype)
    stack = X.reshape(len(X), *image_shape_of_rows(estimator.image_shape, X.shape[1]))
    if reset:  # as for stacks: transform checks each chunk in its worker
        check_values(stack)
        if estimator.image_shape is None:
            _warn_rows_read_as_signals(X.shape)
    return StackBatch(stack)


def _check_columns_are_numeric(X):
    """Name the columns of a DataFrame that hold no numbers (scikit-learn's
    own message quotes a value, "could not convert string to float: 'a'",
    but not where it is)."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    bad = [str(name) for name, dtype in dtypes.items()
           if getattr(dtype, "kind", "O") not in "biuf" and not _holds_numbers(X[name])]
    if bad:
        shown = ", ".join(repr(name) for name in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise ValueError(
            f"X has {len(bad)} column(s) that are not numeric: {shown}. Every column "
            f"of a DataFrame must hold pixel values; drop the other columns or "
            f"convert them, e.g. X.drop(columns=[...]) or X.astype(float)."
        )


def _holds_numbers(column):
    """Whether an object column converts to floats, as scikit-learn converts it."""
    try:
        np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _warn_rows_read_as_signals(shape):
    """A 2-D ``X`` without ``image_shape`` is read as one-pixel-high images;
    say so, since flattened images (``load_digits``) or one image given
    without its batch axis are the likelier meanings."""
    n_rows, n_features = shape
    side = int(round(n_features ** 0.5))
    square = side > 1 and side * side == n_features
    hint = f", here perhaps image_shape=({side}, {side})" if square else ""
    warnings.warn(
        f"X is 2-D ({n_rows} rows of {n_features} values) and image_shape is None, so "
        f"each row is read as a one-pixel-high image of {n_features} pixels. If each "
        f"row is a flattened image, set image_shape=(height, width){hint}; if X is one "
        f"grey image, pass X[np.newaxis] or [X]. Set image_shape=(1, {n_features}) to "
        f"keep this reading without this warning.",
        UserWarning,
        stacklevel=_user_stacklevel(),
    )


def _user_stacklevel():
    """The ``stacklevel`` that points a warning at the first caller outside
    this package and scikit-learn (``fit`` and ``fit_transform`` reach here
    through different depths)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in (
        "gradhist_sklearn", "sklearn"
    ):
        frame, level = frame.f_back, level + 1
    return level


def image_shape_of_rows(image_shape, n_features):
    """``(height, width)`` of each row of a 2-D ``X``: ``image_shape``, checked
    against ``n_features``, or one-pixel-high images when it is None."""
    if image_shape is None:
        return (1, n_features)
    shape = tuple(image_shape)
    if (
        len(shape) != 2
        or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in shape)
        or min(shape) < 1
    ):
        raise ValueError(
            f"image_shape must be (height, width) with two positive integers, "
            f"got {image_shape!r}."
        )
    if shape[0] * shape[1] != n_features:
        raise ValueError(
            f"image_shape={shape} holds {shape[0] * shape[1]} pixels but X has "
            f"{n_features} features per row; each row must be one flattened "
            f"image of that shape."
        )
    return shape


def _nesting(item):
    """Number of dimensions of an item of a list, without converting it.

    Arrays report their ``ndim``; nested lists and tuples are followed through
    their first elements (a ragged nested list is still classified by its
    depth; its conversion later gives the error).
    """
    ndim = getattr(item, "ndim", None)
    if isinstance(ndim, Integral):
        return int(ndim)
    depth = 0
    while isinstance(item, (list, tuple)):
        depth += 1
        if not item:
            break
        item = item[0]
        ndim = getattr(item, "ndim", None)
        if isinstance(ndim, Integral):
            return depth + int(ndim)
    return depth


def classify_sequence(X):
    """Say what a list or tuple ``X`` holds: ``"paths"``, ``"images"`` or ``"rows"``.

    - only file paths (str or os.PathLike): ``"paths"``;
    - any item with two or more dimensions: ``"images"`` (each item is then
      checked as an image, naming its index);
    - otherwise, items that are 1-D sequences of equal length: ``"rows"``, a
      2-D ``X`` of flattened images.
    """
    if len(X) == 0:
        raise ValueError(
            "X is empty: found 0 sample(s) while a minimum of 1 is required. Pass "
            "at least one image."
        )
    paths = [is_path(item) for item in X]
    if all(paths):
        return "paths"
    if any(paths):
        first = paths.index(True)
        other = paths.index(False)
        raise TypeError(
            f"X mixes file paths (item {first}) with other items (item {other}, of "
            f"type {type(X[other]).__name__}); pass either a list of paths or a list "
            f"of image arrays."
        )
    depths = [_nesting(item) for item in X]
    if max(depths) >= 2:
        for i, (item, depth) in enumerate(zip(X, depths, strict=True)):
            if depth < 2:
                raise ValueError(
                    f"X mixes images with other items: item {i} ({type(item).__name__}) "
                    f"has {depth} dimension(s), expected {IMAGE_LAYOUTS}. Every item of a list "
                    f"of images must be an image."
                )
        return "images"
    if min(depths) == 0:
        i = depths.index(0)
        raise ValueError(
            f"X is a list of {len(X)} scalars (item {i} is {X[i]!r}); expected "
            f"{X_FORMS}. For one flattened image pass [values] and set image_shape."
        )
    lengths = [len(item) for item in X]
    if len(set(lengths)) > 1:
        j = next(i for i, n in enumerate(lengths) if n != lengths[0])
        raise ValueError(
            f"Rows of X have different lengths (row 0 has {lengths[0]} values, row "
            f"{j} has {lengths[j]}). Flattened images must all have the same size; "
            f"pass images of different sizes as a list of 2-D arrays."
        )
    return "rows"


def check_image_list(images, check_pixels=False):
    """Check the shape and dtype of every item of a list of images.

    Returns a list of arrays (nested lists converted once, here), so that a
    bad item is reported with its index before any work starts. Pixel values
    are checked here too when ``check_pixels`` is True (in ``fit``); otherwise
    later, a chunk at a time, by :func:`as_gray_image`.
    """
    arrays = []
    for i, image in enumerate(images):
        pixels = as_array(image, i)
        check_pixel_dtype(pixels.dtype, i)
        check_image_shape(pixels.shape, i)
        if check_pixels:
            check_values(pixels[np.newaxis], i)
        arrays.append(pixels)
    return arrays


def check_x_ndim(X):
    """Refuse an array-like ``X`` whose number of dimensions is not 2, 3 or 4."""
    try:
        ndim = np.ndim(X)
        shape = np.shape(X)
    except (ValueError, TypeError):  # ragged, or no array protocol: scikit-learn decides
        return
    if ndim in (2, 3, 4):
        return
    hint = ""
    if ndim == 1:
        hint = (" Reshape your data: for one image pass [image] or image[np.newaxis]; "
                "for one flattened image pass X.reshape(1, -1) and set image_shape.")
    elif ndim == 0:
        hint = f" Got {type(X).__name__} {X!r}."[:200]
    raise ValueError(
        f"X must be {X_FORMS}; got {ndim} dimension(s), shape {shape}.{hint}"
    )
