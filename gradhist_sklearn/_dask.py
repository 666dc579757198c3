"""Lazy transform of dask arrays (dask stays an optional dependency).

A dask array of images ``(n, height, width)`` or ``(n, height, width, 3 or
4)`` is transformed block by block along its first axis with ``map_blocks``:
nothing is computed until the result is, and each block is the ordinary
in-memory transform of its images, so the numbers are those of a numpy
array. Nothing here imports dask unless the input already is a dask array.
"""

import numpy as np

from ._batch import StackBatch, compute_features


def is_dask_array(X):
    """True for a ``dask.array.Array``, checked without importing dask."""
    module = type(X).__module__ or ""
    return module.split(".")[0] == "dask" and hasattr(X, "map_blocks") and hasattr(X, "chunks")


def _features_of_block(block, options, dtype, block_info=None):
    if block.shape[0] == 0:
        return np.empty((0, options.n_columns), dtype=dtype)
    # The block's place in X, so that an error names the image as the user
    # counts it, not within its block.
    first_index = block_info[0]["array-location"][0][0] if block_info else 0
    # n_jobs=None: the parallelism is dask's, not nested joblib pools inside
    # dask workers.
    return compute_features(StackBatch(block, first_index), options)


def transform_lazily(stack, options, dtype):
    """The rows of each block of ``stack``, as a dask array.

    Parameters
    ----------
    stack : dask.array.Array, shape (n, height, width[, channels])
        Its dtype and shape already checked. Chunks along the other axes are
        merged first (one image per row of blocks), so only the first axis
        stays chunked.
    options : HistogramOptions
        With the engine resolved by the caller: workers elsewhere may have
        another ``GRADHIST_ENGINE`` (or numba) than the caller.
    dtype : numpy dtype
        Output type (the options' ``dtype``).

    Returns
    -------
    features : dask.array.Array, shape (n, options.n_columns)
        Chunked like ``stack`` along the first axis.
    """
    whole = {axis: -1 for axis in range(1, stack.ndim)}
    stack = stack.rechunk(whole)
    return stack.map_blocks(
        _features_of_block,
        options,
        np.dtype(dtype),
        dtype=dtype,
        drop_axis=list(range(2, stack.ndim)),
        chunks=(stack.chunks[0], (options.n_columns,)),
        meta=np.empty((0, 0), dtype=dtype),
    )
