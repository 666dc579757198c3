"""Lazy transform of dask arrays (dask stays an optional dependency).

A dask array of images ``(n, height, width)`` or ``(n, height, width, 3 or
4)`` is transformed block by block along its first axis with ``map_blocks``:
nothing is computed until the result is, and each block is the ordinary
in-memory transform of its images, so the numbers are those of a numpy
array. Nothing here imports dask unless the input already is a dask array.
"""

import copy

import numpy as np


def is_dask_array(X):
    """True for a ``dask.array.Array``, checked without importing dask."""
    module = type(X).__module__ or ""
    return module.split(".")[0] == "dask" and hasattr(X, "map_blocks") and hasattr(X, "chunks")


def _transform_block(block, estimator, n_columns, dtype, engine):
    if block.shape[0] == 0:
        return np.empty((0, n_columns), dtype=dtype)
    return estimator._transform(block, engine)


def transform_lazily(estimator, stack, dtype, n_columns, engine):
    """``estimator.transform`` of each block of ``stack``, as a dask array.

    Parameters
    ----------
    estimator : GradientHistogramTransformer
        Fitted. Each block is transformed by a copy with ``n_jobs=None``: the
        parallelism is dask's, not nested joblib pools inside dask workers.
    stack : dask.array.Array, shape (n, height, width[, channels])
        Chunks along the other axes are merged first (one image per row of
        blocks), so only the first axis stays chunked.
    dtype : numpy dtype
        Output type (float32 for float32 input, float64 otherwise).
    n_columns : int
        Number of output columns.
    engine : str
        The histogram engine resolved by the caller: workers elsewhere may
        have another ``GRADHIST_ENGINE`` (or numba) than the caller.

    Returns
    -------
    features : dask.array.Array, shape (n, n_columns)
        Chunked like ``stack`` along the first axis.
    """
    whole = {axis: -1 for axis in range(1, stack.ndim)}
    stack = stack.rechunk(whole)
    worker = copy.copy(estimator)
    worker.n_jobs = None
    return stack.map_blocks(
        _transform_block,
        worker,
        n_columns,
        np.dtype(dtype),
        engine,
        dtype=dtype,
        drop_axis=list(range(2, stack.ndim)),
        chunks=(stack.chunks[0], (n_columns,)),
        meta=np.empty((0, 0), dtype=dtype),
    )
