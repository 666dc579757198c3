"""Turning the transformer's input into chunks of work, and doing that work.

The parent process only plans: it decides which images go together (same
shape, about ``pixels_per_chunk`` pixels) and hands each chunk to a worker as
a slice of the input, a short list of arrays, or a short list of file paths.
Workers load, validate and convert their own chunk, so a memory-mapped batch
or a folder of files is never held in memory at once, and the numbers do not
depend on how the batch was cut: each image's histogram is computed from its
own pixels in the same order whichever chunk it lands in.
"""

import math

import numpy as np

from ._histogram import stack_histograms
from ._io import read_image
from ._validation import as_gray_image, as_gray_stack

#: Default number of pixels a worker processes at once. About 40 bytes of
#: temporaries per pixel in float64, so 2**20 pixels keep a chunk near 40 MB.
PIXELS_PER_CHUNK = 2**20


def plan_slices(n_images, pixels_per_image, pixels_per_chunk, min_chunks=1):
    """Cut ``range(n_images)`` into contiguous ``(start, stop)`` slices."""
    per_chunk = max(1, pixels_per_chunk // max(1, pixels_per_image))
    if min_chunks > 1:
        per_chunk = min(per_chunk, math.ceil(n_images / min_chunks))
    return [(start, min(start + per_chunk, n_images)) for start in range(0, n_images, per_chunk)]


def plan_runs(shapes, pixels_per_chunk, min_chunks=1):
    """Cut a list of image shapes into slices of equal shape within a budget.

    ``shapes`` may hold ``None`` for images whose shape is unknown until they
    are read (files); those are cut by count only.
    """
    n_images = len(shapes)
    total = sum(h * w for h, w in (s for s in shapes if s is not None)) or n_images
    budget = pixels_per_chunk
    if min_chunks > 1:
        budget = min(budget, max(1, math.ceil(total / min_chunks)))
    slices, start, used = [], 0, 0
    for i, shape in enumerate(shapes):
        pixels = 1 if shape is None else shape[0] * shape[1]
        if i > start and (shape != shapes[start] or used + pixels > budget):
            slices.append((start, i))
            start, used = i, 0
        used += pixels
    if n_images:
        slices.append((start, n_images))
    return slices


def _histograms_of_grays(grays, params):
    """Histograms of a list of validated grey images of any shapes."""
    n_bins = params["n_bins"]  # output values per image
    histograms = np.empty((len(grays), n_bins))
    orientations = np.empty(len(grays))
    start = 0
    while start < len(grays):
        stop = start + 1
        while stop < len(grays) and grays[stop].shape == grays[start].shape:
            stop += 1
        run = grays[start:stop]
        histograms[start:stop], orientations[start:stop] = _histograms_of_stack(
            np.stack(run) if len(run) > 1 else run[0][np.newaxis], params
        )
        start = stop
    return histograms, orientations


def _histograms_of_stack(stack, params):
    return stack_histograms(
        stack,
        angle_bins=params["angle_bins"],
        unidirectional=params["unidirectional"],
        rotation_invariant=params["rotation_invariant"],
        normalize=params["normalize"],
        operator=params["operator"],
        frame=params["frame"],
        size=params["size"],
        invariance=params["invariance"],
        sigma=params["sigma"],
    )


def features_of_stack(stack, first_index, params):
    """Worker task: a slice of a 3-D or 4-D array."""
    return _histograms_of_stack(as_gray_stack(np.asarray(stack), first_index), params)


def features_of_images(images, first_index, params):
    """Worker task: a short list of image arrays."""
    grays = [as_gray_image(image, first_index + i) for i, image in enumerate(images)]
    return _histograms_of_grays(grays, params)


def features_of_paths(paths, first_index, params):
    """Worker task: a short list of image files, read here."""
    grays = [as_gray_image(read_image(path), first_index + i) for i, path in enumerate(paths)]
    return _histograms_of_grays(grays, params)
