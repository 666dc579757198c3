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

from numbers import Integral

import numpy as np
from sklearn.utils.validation import validate_data

from ._batch import ListBatch, PathBatch, StackBatch
from ._dask import is_dask_array
from ._validation import (
    check_image_list,
    check_pixel_dtype,
    check_stack_shape,
    check_values,
    check_x_ndim,
    classify_sequence,
    refuse_masked,
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
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "O") != "O":
        check_pixel_dtype(dtype)  # before scikit-learn's own, blunter messages
    X = validate_data(estimator, X, reset=reset, dtype="numeric", ensure_all_finite=False)
    check_pixel_dtype(X.dtype)
    stack = X.reshape(len(X), *image_shape_of_rows(estimator.image_shape, X.shape[1]))
    if reset:  # as for stacks: transform checks each chunk in its worker
        check_values(stack)
    return StackBatch(stack)


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
