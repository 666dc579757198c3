"""scikit-learn transformer over the histogram engine."""

from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.parallel import delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _batch, _dask
from ._engine import resolve_engine
from ._histogram import n_histogram_bins
from ._invariance import INVARIANCE_METHODS, n_output_values
from ._parallel import PromptParallel
from ._region import parse_frame, parse_size
from ._validation import (
    OPERATOR_NAMES,
    check_image_list,
    check_pixel_dtype,
    check_sigma,
    check_stack_shape,
    check_unidirectional_bins,
    check_values,
    check_x_ndim,
    classify_sequence,
    compute_dtype,
    refuse_masked,
)


class GradientHistogramTransformer(TransformerMixin, BaseEstimator):
    """Turn images into gradient-orientation histograms.

    Each image becomes one row: its magnitude-weighted, linearly interpolated
    gradient-orientation histogram (see :func:`gradient_histogram`), and
    optionally its main orientation. Images are processed in chunks of
    same-shaped images, in parallel with joblib.

    Parameters
    ----------
    angle_bins : int, default=36
        Number of bins over the full circle.
    unidirectional : bool, default=False
        Fold opposite directions together (``angle_bins // 2`` bins over 180
        degrees); ``angle_bins`` must then be even.
    rotation_invariant : bool, default=True
        Make each row independent of the image's rotation with the method
        named by ``invariance``.
    normalize : bool, default=True
        Divide each histogram by the image's (or region's) pixel count, so
        images of different sizes give comparable rows.
    operator : {'gaussian', 'sobel', 'scharr', 'prewitt', 'farid', 'central'}, \
default='gaussian'
        Derivative kernel; see :func:`image_gradients` for each one's scale.
        The default derivative of Gaussian keeps the rotation-invariant rows
        stable under arbitrary turns; ``'sobel'`` is OpenCV's 3x3 Sobel.
    frame : None, (x, y), (x, y, angle_degrees) or ndarray of shape (3, 3), default=None
        Region-of-interest frame applied to every image, as in
        :func:`gradient_histogram`.
    size : None or (width, height), default=None
        Region-of-interest size, as in :func:`gradient_histogram`; None means
        the whole image.
    image_shape : None or (height, width), default=None
        How to read a 2-D ``X`` of shape ``(n_samples, n_features)``: each row
        is a flattened image of this shape (row-major, as
        ``image.ravel()`` gives), so ``height * width`` must equal
        ``n_features``. When None, each row is read as a one-pixel-high
        image of ``n_features`` pixels (a 1-D signal, whose gradients all
        point along x). Ignored for 3-D and 4-D arrays, lists of images and
        file paths, which carry their own shapes.
    include_orientation : bool, default=False
        Append each image's main orientation (degrees) as a last column.
    invariance : {'centre_of_mass_rebin', 'centre_of_mass', 'peak', \
'dft_magnitude'}, default='centre_of_mass_rebin'
        Rotation-invariance method, used when ``rotation_invariant`` is True;
        see :func:`gradient_histogram`. ``'dft_magnitude'`` gives
        ``n_bins // 2 + 1`` columns (the magnitudes of the histogram's DFT)
        instead of ``n_bins``.
    sigma : float, default=1.0
        Scale in pixels of the ``'gaussian'`` operator; ignored by the others.
    n_jobs : int, default=None
        Number of joblib workers. None means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors. The
        output is the same for every value and backend.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in :meth:`fit`. Defined only when ``X`` was a
        2-D array.
    feature_names_in_ : ndarray of str, shape (`n_features_in_`,)
        Column names seen in :meth:`fit`. Defined only when ``X`` was a
        DataFrame with string column names.
    image_shape_ : tuple of int or None
        Shape ``(height, width)`` of the images seen in :meth:`fit`, or None
        when they came as a list (whose shapes may differ) or as file paths
        (not read by ``fit``).

    See Also
    --------
    gradient_histogram : the histogram of one image, with its main orientation.
    skimage.feature.hog : histograms of oriented gradients over a cell grid.

    Notes
    -----
    Accepted ``X``:

    - a 3-D array ``(n_samples, height, width)`` of grey images;
    - a 4-D array ``(n_samples, height, width, 3 or 4)`` of colour images,
      turned to grey with the BT.709 luma weights
      ``0.2125 R + 0.7154 G + 0.0721 B`` (those of
      :func:`skimage.color.rgb2gray`, applied without rescaling); alpha is
      ignored;
    - a 2-D array ``(n_samples, n_features)``, read as described for
      ``image_shape``; a DataFrame is a 2-D array;
    - a list of images (2-D or colour arrays) whose sizes may differ;
    - a list of image file paths (str or :class:`os.PathLike`), read inside
      the workers, a chunk at a time;
    - a 3-D or 4-D dask array (images along the first axis): :meth:`fit`
      computes nothing and :meth:`transform` returns a lazy dask array.

    Intensities are used as given (uint8 255 stays 255). float32 input gives
    float32 output; anything else gives float64. Rows are in the order of
    ``X``. Fitting learns nothing from the pixel values: it records the
    input's shape so that :meth:`transform` can check flattened input.

    Examples
    --------
    >>> import numpy as np
    >>> from gradhist_sklearn import GradientHistogramTransformer
    >>> rng = np.random.default_rng(0)
    >>> images = rng.integers(0, 256, size=(5, 32, 32), dtype=np.uint8)
    >>> transformer = GradientHistogramTransformer(angle_bins=8)
    >>> features = transformer.fit_transform(images)
    >>> features.shape
    (5, 8)
    >>> transformer.get_feature_names_out()[:3]
    array(['angle_000', 'angle_045', 'angle_090'], dtype=object)

    Flattened images, as in :func:`sklearn.datasets.load_digits`:

    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> GradientHistogramTransformer(image_shape=(8, 8)).fit_transform(X).shape
    (1797, 36)
    """

    _parameter_constraints: dict = {
        "angle_bins": [Interval(Integral, 1, None, closed="left")],
        "unidirectional": ["boolean"],
        "rotation_invariant": ["boolean"],
        "normalize": ["boolean"],
        "operator": [StrOptions(set(OPERATOR_NAMES))],
        "frame": [None, "array-like"],
        "size": [None, "array-like"],
        "image_shape": [None, tuple, list],
        "include_orientation": ["boolean"],
        "n_jobs": [Integral, None],
        "invariance": [StrOptions(set(INVARIANCE_METHODS))],
        "sigma": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        angle_bins=36,
        *,
        unidirectional=False,
        rotation_invariant=True,
        normalize=True,
        operator="gaussian",
        frame=None,
        size=None,
        image_shape=None,
        include_orientation=False,
        invariance="centre_of_mass_rebin",
        sigma=1.0,
        n_jobs=None,
    ):
        self.angle_bins = angle_bins
        self.unidirectional = unidirectional
        self.rotation_invariant = rotation_invariant
        self.normalize = normalize
        self.operator = operator
        self.frame = frame
        self.size = size
        self.image_shape = image_shape
        self.include_orientation = include_orientation
        self.invariance = invariance
        self.sigma = sigma
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the images, and record the shape of ``X``.

        Shapes, pixel types and pixel values (NaN, infinity, magnitude) are
        checked as :meth:`transform` checks them; files are not read.

        Parameters
        ----------
        X : array-like or list
            Images in any form listed in the class's Notes.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.

        Examples
        --------
        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> images = np.zeros((3, 10, 12), dtype=np.uint8)
        >>> GradientHistogramTransformer().fit(images).image_shape_
        (10, 12)
        """
        self._check_options()
        batch = self._check_input(X, reset=True)
        self.image_shape_ = batch.image_shape
        return self

    def transform(self, X):
        """Compute one histogram row per image.

        Parameters
        ----------
        X : array-like or list
            Images in any form listed in the class's Notes.

        Returns
        -------
        features : ndarray, shape (n_samples, n_features_out)
            ``n_features_out`` is ``angle_bins`` (``angle_bins // 2`` when
            unidirectional; half of that plus one for
            ``invariance='dft_magnitude'``), plus one when
            ``include_orientation`` is True.
            float32 for float32 input, float64 otherwise. For a 3-D or 4-D
            dask array, a dask array chunked like ``X`` along its first axis
            and computed lazily, block by block, with the same numbers.

        Examples
        --------
        Images of different sizes, as a list; bright on the right, so every
        gradient points along +x, into bin 0 (Sobel:
        8 per unit of slope inside, 4 at the reflected borders):

        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> images = [np.tile(np.arange(n, dtype=float), (n, 1)) for n in (8, 12)]
        >>> transformer = GradientHistogramTransformer(
        ...     angle_bins=4, operator="sobel", include_orientation=True).fit(images)
        >>> transformer.transform(images).round(2)
        array([[7.  , 0.  , 0.  , 0.  , 0.  ],
               [7.33, 0.  , 0.  , 0.  , 0.  ]])
        """
        check_is_fitted(self)
        return self._transform(X)

    def _transform(self, X, engine=None):
        """:meth:`transform` with the histogram engine pinned (None: resolve it
        here), so that dask blocks computed elsewhere use the caller's."""
        batch = self._check_input(X, reset=False)
        params = self._check_options(engine)
        n_columns = params["n_bins"] + bool(self.include_orientation)
        if _dask.is_dask_array(getattr(batch, "stack", None)):
            return _dask.transform_lazily(self, batch.stack, batch.dtype, n_columns,
                                          params["engine"])
        n_jobs = effective_n_jobs(self.n_jobs)
        tasks = batch.tasks(_batch.PIXELS_PER_CHUNK, min_chunks=n_jobs)
        # The compiled kernel releases the GIL, so threads share the work
        # without copying chunks to other processes (a soft hint: a backend
        # chosen with joblib.parallel_config wins).
        prefer = "threads" if params["engine"] == "numba" else None
        n_bins = params["n_bins"]
        n_samples = sum(len(chunk) for _, chunk, _ in tasks)
        features = np.empty((n_samples, n_columns), batch.dtype)
        # Each result is copied into its rows as soon as its chunk is done, so
        # that memory beyond the output does not grow with the number of images.
        results = PromptParallel(n_jobs=self.n_jobs, prefer=prefer).as_completed(
            delayed(_batch.located)(func, chunk, first_index, params)
            for func, chunk, first_index in tasks
        )
        for start, (histograms, orientations) in results:
            stop = start + len(histograms)
            features[start:stop, :n_bins] = histograms
            if self.include_orientation:
                features[start:stop, n_bins] = orientations
        return features

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output columns.

        Each column is named by the angle of its bin's centre, or by the
        harmonic of its DFT magnitude.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input seen in :meth:`fit`; the output
            names do not depend on it.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``angle_000``, ``angle_010``, ... (three-digit degrees, or with
            three decimals when the bin width is not a whole number of
            degrees), then ``main_orientation`` when ``include_orientation``
            is True. With ``rotation_invariant=True`` the angles are relative
            to each image's alignment angle (its centre of mass, or its peak
            for ``invariance='peak'``). For ``invariance='dft_magnitude'``
            the columns are ``dft_magnitude_00``, ``dft_magnitude_01``, ...:
            the magnitude of harmonic ``k``, which has period
            ``360 / k`` degrees (``180 / k`` when unidirectional); harmonic
            0 is the histogram's sum.

        Examples
        --------
        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> transformer = GradientHistogramTransformer(angle_bins=6, unidirectional=True)
        >>> transformer.fit(np.zeros((2, 5, 5))).get_feature_names_out()
        array(['angle_000', 'angle_060', 'angle_120'], dtype=object)
        """
        check_is_fitted(self)
        self._check_input_features(input_features)
        n_bins = n_histogram_bins(self.angle_bins, self.unidirectional)
        if self.rotation_invariant and self.invariance == "dft_magnitude":
            n_values = n_output_values(n_bins, self.invariance)
            width = len(str(n_values - 1))
            names = [f"dft_magnitude_{k:0{max(2, width)}d}" for k in range(n_values)]
        else:
            centres = np.arange(n_bins) * (360.0 / self.angle_bins)
            if np.allclose(centres, np.round(centres)):
                names = [f"angle_{int(round(c)):03d}" for c in centres]
            else:
                names = [f"angle_{c:07.3f}" for c in centres]
        if self.include_orientation:
            names.append("main_orientation")
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- helpers ---------------------------------------------------------------

    def _check_options(self, engine=None):
        """Check what the parameter constraints cannot; return worker params."""
        if isinstance(self.angle_bins, (bool, np.bool_)):
            # Interval(Integral, ...) lets True through as 1.
            raise InvalidParameterError(
                f"The 'angle_bins' parameter of {type(self).__name__} must be an int "
                f"in the range [1, inf). Got {self.angle_bins!r} instead."
            )
        check_unidirectional_bins(self.angle_bins, self.unidirectional)
        check_sigma(self.sigma)
        return {
            "angle_bins": int(self.angle_bins),
            "n_bins": n_output_values(
                n_histogram_bins(self.angle_bins, self.unidirectional),
                self.invariance, self.rotation_invariant),
            "unidirectional": bool(self.unidirectional),
            "rotation_invariant": bool(self.rotation_invariant),
            "normalize": bool(self.normalize),
            "operator": self.operator,
            "frame": parse_frame(self.frame),
            "size": parse_size(self.size),
            "invariance": self.invariance,
            "sigma": float(self.sigma),
            "engine": resolve_engine(engine),
            "include_orientation": bool(self.include_orientation),
        }

    def _check_image_shape(self, n_features):
        if self.image_shape is None:
            return (1, n_features)
        shape = tuple(self.image_shape)
        if (
            len(shape) != 2
            or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in shape)
            or min(shape) < 1
        ):
            raise ValueError(
                f"image_shape must be (height, width) with two positive integers, "
                f"got {self.image_shape!r}."
            )
        if shape[0] * shape[1] != n_features:
            raise ValueError(
                f"image_shape={shape} holds {shape[0] * shape[1]} pixels but X has "
                f"{n_features} features per row; each row must be one flattened "
                f"image of that shape."
            )
        return shape

    def _check_input(self, X, reset):
        """Classify ``X`` and return a :class:`_Batch` describing it."""
        if isinstance(X, (list, tuple)):
            kind = classify_sequence(X)
            if kind == "paths":
                return _PathBatch(list(X))
            if kind == "images":
                return _ListBatch(check_image_list(X, check_pixels=reset))
        if getattr(X, "ndim", None) in (3, 4):
            return self._check_stack(X, reset)
        check_x_ndim(X)
        dtype = getattr(X, "dtype", None)
        if dtype is not None and getattr(dtype, "kind", "O") != "O":
            check_pixel_dtype(dtype)  # before scikit-learn's own, blunter messages
        X = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=False)
        check_pixel_dtype(X.dtype)
        shape = self._check_image_shape(X.shape[1])
        stack = X.reshape(len(X), *shape)
        if reset:  # as for stacks: transform checks each chunk in its worker
            check_values(stack)
        return _StackBatch(stack)

    def _check_stack(self, X, reset):
        if reset:
            for attribute in ("n_features_in_", "feature_names_in_"):
                if hasattr(self, attribute):
                    delattr(self, attribute)
        if isinstance(X, np.ma.MaskedArray):
            refuse_masked(X)
        lazy = _dask.is_dask_array(X)
        if not (isinstance(X, np.ndarray) or lazy):
            X = np.asarray(X)
        check_pixel_dtype(X.dtype)
        check_stack_shape(X.shape)
        # transform checks each chunk in its worker; a dask array stays lazy
        # and is checked block by block when computed.
        if reset and not lazy:
            check_values(X)
        return _StackBatch(X)

    def _check_input_features(self, input_features):
        if input_features is None:
            return
        input_features = np.asarray(input_features, dtype=object)
        names_in = getattr(self, "feature_names_in_", None)
        if names_in is not None and not np.array_equal(names_in, input_features):
            raise ValueError("input_features is not equal to feature_names_in_")
        n_in = getattr(self, "n_features_in_", None)
        if n_in is not None and len(input_features) != n_in:
            raise ValueError(
                f"input_features should have length equal to number of features "
                f"({n_in}), got {len(input_features)}"
            )


class _StackBatch:
    """An array of same-shaped images, cut into slices."""

    def __init__(self, stack):
        self.stack = stack
        self.image_shape = tuple(int(v) for v in stack.shape[1:3])
        self.dtype = compute_dtype(stack.dtype)

    def tasks(self, pixels_per_chunk, min_chunks=1):
        height, width = self.image_shape
        slices = _batch.plan_slices(len(self.stack), height * width, pixels_per_chunk, min_chunks)
        return [(_batch.features_of_stack, self.stack[a:b], a) for a, b in slices]


class _ListBatch:
    """A list of image arrays whose shapes may differ."""

    image_shape = None

    def __init__(self, images):
        self.images = images
        # check_image_list returned 2-D and colour arrays only
        self.shapes = [image.shape[:2] for image in images]
        dtypes = {image.dtype for image in images}
        self.dtype = np.float32 if dtypes == {np.dtype(np.float32)} else np.float64

    def tasks(self, pixels_per_chunk, min_chunks=1):
        slices = _batch.plan_runs(self.shapes, pixels_per_chunk, min_chunks)
        return [(_batch.features_of_images, self.images[a:b], a) for a, b in slices]


class _PathBatch:
    """A list of image file paths, read by the workers."""

    image_shape = None
    dtype = np.float64

    def __init__(self, paths):
        self.paths = paths

    def tasks(self, pixels_per_chunk, min_chunks=1):
        slices = _batch.plan_slices(len(self.paths), 1, _batch.FILES_PER_CHUNK, min_chunks)
        return [(_batch.features_of_paths, self.paths[a:b], a) for a, b in slices]
