"""Turning the transformer's input into chunks of work, and doing that work.

The parent process only plans: it decides which images go together (same
shape, about ``pixels_per_chunk`` pixels) and hands each chunk to a worker as
a slice of the input, a short list of arrays, or a short list of file paths.
Workers load, validate and convert their own chunk, so a memory-mapped batch
or a folder of files is never held in memory at once, and the numbers do not
depend on how the batch was cut: each image's histogram is computed from its
own pixels in the same order whichever chunk it lands in.

Chunks are sized by a pixel budget, not an image count, so that 8x8 digits
go by the hundred thousand (one Python call per chunk, not per image) and
2048x2048 photographs one or two at a time, and the temporaries of the plain
engine stay bounded. When there are several workers the batch is cut into a
multiple of their number of equal chunks, so that none waits for the last
one.
"""

import math

import numpy as np

from ._histogram import stack_histograms
from ._io import read_image
from ._validation import as_gray_image, as_gray_stack, check_pixel_dtype

#: Default number of pixels in one worker task. Large enough that joblib's
#: cost per task (a few hundred microseconds) is small against the work.
PIXELS_PER_CHUNK = 2**20

#: Files per worker task: their sizes are unknown until they are read, so
#: they are counted (and each task then computes them within the pixel budget).
FILES_PER_CHUNK = 64


def plan_slices(n_images, pixels_per_image, pixels_per_chunk, min_chunks=1):
    """Cut ``range(n_images)`` into contiguous ``(start, stop)`` slices.

    Each slice holds at most ``pixels_per_chunk`` pixels (and at least one
    image). With ``min_chunks > 1`` (the number of workers) the number of
    slices is a multiple of ``min_chunks`` (when there are enough images) and
    the slices differ in length by at most one image, so the workers get
    equal shares.
    """
    if n_images == 0:
        return []
    per_chunk = max(1, pixels_per_chunk // max(1, pixels_per_image))
    n_chunks = math.ceil(n_images / per_chunk)
    if min_chunks > 1:
        n_chunks = min(n_images, math.ceil(n_chunks / min_chunks) * min_chunks)
    bounds = [(n_images * k) // n_chunks for k in range(n_chunks + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def plan_runs(shapes, pixels_per_chunk, min_chunks=1):
    """Cut a list of ``(height, width)`` image shapes into slices of equal
    shape within a budget."""
    n_images = len(shapes)
    total = sum(h * w for h, w in shapes)
    budget = pixels_per_chunk
    if min_chunks > 1:
        budget = min(budget, max(1, math.ceil(total / min_chunks)))
    slices, start, used = [], 0, 0
    for i, shape in enumerate(shapes):
        pixels = shape[0] * shape[1]
        if i > start and (shape != shapes[start] or used + pixels > budget):
            slices.append((start, i))
            start, used = i, 0
        used += pixels
    if n_images:
        slices.append((start, n_images))
    return slices


def _same_kind(a, b):
    """Images that can share a stack without changing either one's numbers
    (stacking float32 with float64 would compute the float32 one in float64)."""
    return a.shape == b.shape and a.dtype == b.dtype


def _histograms_of_grays(grays, options):
    """Histograms of a list of validated grey images of any shapes."""
    histograms = np.empty((len(grays), options.n_values))
    orientations = np.empty((len(grays), 2 * len(options.scales)))
    start = 0
    while start < len(grays):
        stop = start + 1
        while stop < len(grays) and _same_kind(grays[stop], grays[start]):
            stop += 1
        run = grays[start:stop]
        histograms[start:stop], orientations[start:stop] = stack_histograms(
            np.stack(run) if len(run) > 1 else run[0][np.newaxis], options
        )
        start = stop
    return histograms, orientations


def features_of_stack(stack, first_index, options):
    """Worker task: a slice of a 3-D or 4-D array.

    Grey bool and integer slices go to the engine as they are (they are
    finite by construction, and both engines read them as float64), so a
    memory-mapped uint8 batch is read in place rather than copied to float.
    """
    stack = np.asarray(stack)
    check_pixel_dtype(stack.dtype)
    if stack.ndim == 3 and stack.dtype.kind in "biu" and min(stack.shape) > 0:
        return stack_histograms(stack, options)
    return stack_histograms(as_gray_stack(stack, first_index), options)


def features_of_images(images, first_index, options):
    """Worker task: a short list of image arrays."""
    grays = [as_gray_image(image, first_index + i) for i, image in enumerate(images)]
    return _histograms_of_grays(grays, options)


def located(task, chunk, first_index, options):
    """Run a worker task and return its result with the index of its first
    image, so that results arriving in any order find their rows."""
    return first_index, task(chunk, first_index, options)


def gray_of_path(path, index=None):
    """Read one image file and validate it, exactly as the transformer does."""
    return as_gray_image(read_image(path), index)


def features_of_paths(paths, first_index, options):
    """Worker task: a short list of image files, read here."""
    _, histograms, orientations = histograms_of_files(
        paths, options, lambda position, path: gray_of_path(path, first_index + position))
    return histograms, orientations


def histograms_of_files(paths, options, read, pixels_per_chunk=None):
    """Histograms of image files, read one at a time by ``read(position,
    path)`` (a validated grey image, or None to skip the file).

    Images are computed in runs of same-kind images of at most about
    ``pixels_per_chunk`` pixels (:data:`PIXELS_PER_CHUNK` by default), so
    memory stays bounded whatever the files' sizes. Rows do not depend on how
    images are grouped.

    Returns the positions of the files that became rows, their histograms
    and their orientations (main orientation and strength of each scale,
    ``(n, 2 * n_scales)``).
    """
    budget = PIXELS_PER_CHUNK if pixels_per_chunk is None else pixels_per_chunk
    ok, parts, run, run_pixels = [], [], [], 0

    def flush():
        if run:
            parts.append(_histograms_of_grays(run, options))
            run.clear()

    for position, path in enumerate(paths):
        gray = read(position, path)
        if gray is None:
            continue
        if run and (not _same_kind(gray, run[0]) or run_pixels + gray.size > budget):
            flush()
            run_pixels = 0
        run.append(gray)
        run_pixels += gray.size
        ok.append(position)
    flush()
    if not parts:
        return ok, np.empty((0, options.n_values)), np.empty((0, 2 * len(options.scales)))
    return (ok, np.concatenate([histograms for histograms, _ in parts]),
            np.concatenate([orientations for _, orientations in parts]))


# -- batches: what the transformer was given, cut into tasks -------------------


class StackBatch:
    """An array of same-shaped images ``(n, height, width[, 3 or 4])``, cut
    into slices (a dask array too: it is then transformed lazily).

    ``first_index`` is the index of ``stack[0]`` in the user's ``X``, so that
    an error about a bad image names it there (a dask block is a part of
    ``X``)."""

    def __init__(self, stack, first_index=0):
        self.stack = stack
        self.first_index = first_index
        self.image_shape = tuple(int(v) for v in stack.shape[1:3])

    def __len__(self):
        return len(self.stack)

    def tasks(self, min_chunks=1):
        height, width = self.image_shape
        slices = plan_slices(len(self.stack), height * width, PIXELS_PER_CHUNK, min_chunks)
        return [(features_of_stack, self.stack[a:b], self.first_index + a) for a, b in slices]


class ListBatch:
    """A list of image arrays whose shapes may differ."""

    image_shape = None
    first_index = 0

    def __init__(self, images):
        self.images = images
        # check_image_list returned 2-D and colour arrays only
        self.shapes = [image.shape[:2] for image in images]

    def __len__(self):
        return len(self.images)

    def tasks(self, min_chunks=1):
        slices = plan_runs(self.shapes, PIXELS_PER_CHUNK, min_chunks)
        return [(features_of_images, self.images[a:b], a) for a, b in slices]


class PathBatch:
    """A list of image file paths, read by the workers."""

    image_shape = None
    first_index = 0

    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def tasks(self, min_chunks=1):
        slices = plan_slices(len(self.paths), 1, FILES_PER_CHUNK, min_chunks)
        return [(features_of_paths, self.paths[a:b], a) for a, b in slices]


def compute_features(batch, options, n_jobs=None):
    """One row per image of ``batch``: its histogram, then its main
    orientation and orientation strength (of each scale) when
    ``options.include_orientation``.

    The tasks run with joblib (``n_jobs`` as in scikit-learn); each result is
    copied into its rows as soon as its task is done, so memory beyond the
    output does not grow with the number of images.
    """
    # scikit-learn (about a second to import, pandas with it) and joblib only
    # here: the command's workers run the file tasks above and need neither.
    from joblib import effective_n_jobs
    from sklearn.utils.parallel import delayed

    from ._parallel import PromptParallel

    tasks = batch.tasks(min_chunks=effective_n_jobs(n_jobs))
    # The compiled kernel releases the GIL, so threads share the work
    # without copying chunks to other processes (a soft hint: a backend
    # chosen with joblib.parallel_config wins).
    prefer = "threads" if options.engine == "numba" else None
    features = np.empty((len(batch), options.n_columns), options.dtype)
    results = PromptParallel(n_jobs=n_jobs, prefer=prefer).as_completed(
        delayed(located)(func, chunk, first_index, options) for func, chunk, first_index in tasks
    )
    for first_index, (histograms, orientations) in results:
        start = first_index - batch.first_index
        stop = start + len(histograms)
        features[start:stop, :options.n_values] = histograms
        if options.include_orientation:
            features[start:stop, options.n_values:] = orientations
    return features
