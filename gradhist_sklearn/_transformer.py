"""scikit-learn transformer over the histogram engine.

The estimator only sequences the work: its parameters become one
:class:`~gradhist_sklearn._options.HistogramOptions` (after scikit-learn's
parameter constraints), :func:`~gradhist_sklearn._input.check_input` turns
``X`` into a batch, and :func:`~gradhist_sklearn._batch.compute_features`
(or, for a dask array, :func:`~gradhist_sklearn._dask.transform_lazily`)
computes the rows.
"""

import inspect
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from . import _dask
from ._batch import compute_features
from ._input import check_input
from ._options import HistogramOptions
from ._params import BY_NAME, document_parameters, parameters_of


class _IntegerInterval(Interval):
    """``Interval(Integral, ...)`` that refuses True and False, which Python
    counts as integers (``angle_bins=True`` would silently mean 1)."""

    def __init__(self, left, right, *, closed):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


#: scikit-learn's constraint classes, as the table's checks use them.
_SKLEARN = SimpleNamespace(Interval=Interval, Options=Options, StrOptions=StrOptions, Real=Real,
                           IntegerInterval=_IntegerInterval)

#: The transformer's parameters, from the table; the first is positional.
_PARAMETERS = parameters_of("transformer")


def _init_signature():
    """``__init__(self, angle_bins=36, *, unidirectional=False, ...)``."""
    first, *others = _PARAMETERS
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
         inspect.Parameter(first.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           default=first.default)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default)
           for p in others])


def _make_init():
    """An ``__init__`` that stores each parameter unchanged, as scikit-learn
    asks (checks run in ``fit``), with the table's signature, which
    scikit-learn's ``get_params`` and ``clone`` read."""
    signature = _init_signature()

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for parameter in _PARAMETERS:
            setattr(self, parameter.name, bound.arguments[parameter.name])

    __init__.__signature__ = signature
    __init__.__qualname__ = "GradientHistogramTransformer.__init__"
    return __init__


class GradientHistogramTransformer(TransformerMixin, BaseEstimator):
    """Turn images into gradient-orientation histograms.

    Each image becomes one row: its magnitude-weighted, linearly interpolated
    gradient-orientation histogram (see :func:`gradient_histogram`), and
    optionally its main orientation. Images are processed in chunks of
    same-shaped images, in parallel with joblib.

    Parameters
    ----------
    angle_bins
        Number of bins over the full circle.
    unidirectional
        Fold opposite directions together (``angle_bins // 2`` bins over 180
        degrees); ``angle_bins`` must then be even.
    rotation_invariant
        Make each row independent of the image's rotation with the method
        named by ``invariance``.
    normalize
        How each block (ring, cell, scale) is normalised, as in
        :func:`gradient_histogram`. The default, the square root of the
        histogram divided by the pixel count, keeps the gradient energy
        (what tells textures apart) while evening out its dynamic range
        (what lets the rings tell digits apart); see the user guide's table.
    operator
        Derivative kernel; see :func:`image_gradients` for each one's scale.
        The default derivative of Gaussian keeps the rotation-invariant rows
        stable under arbitrary turns and is in intensity units per pixel;
        ``'sobel'`` (:func:`image_gradients`'s default) is OpenCV's 3x3
        Sobel, 8 times larger.
    frame
        Region-of-interest frame applied to every image, as in
        :func:`gradient_histogram`.
    size
        Region-of-interest size, as in :func:`gradient_histogram`; None means
        the whole image.
    image_shape
        How to read a 2-D ``X`` of shape ``(n_samples, n_features)``: each row
        is a flattened image of this shape (row-major, as
        ``image.ravel()`` gives), so ``height * width`` must equal
        ``n_features``. When None, each row is read as a one-pixel-high
        image of ``n_features`` pixels (a 1-D signal, whose gradients all
        point along x), and ``fit`` warns, since flattened images (as
        ``load_digits`` gives) or one image without its batch axis are the
        likelier meanings; ``image_shape=(1, n_features)`` says it.
        Ignored for 3-D and 4-D arrays, lists of images and file paths,
        which carry their own shapes.
    include_orientation
        Append two columns per scale of ``sigma``: each image's main
        orientation at that scale (degrees, the centre of mass of its plain
        histogram) and its orientation strength (in ``[0, 1]``; near 0 when
        the main orientation is not defined: see :class:`GradientHistogram`),
        after all the histogram values.
    invariance
        Rotation-invariance method, used when ``rotation_invariant`` is True;
        see :func:`gradient_histogram`. ``'dft_magnitude'`` gives
        ``n_bins // 2 + 1`` columns (the magnitudes of the histogram's DFT)
        instead of ``n_bins``.
    sigma
        Scale in pixels of the ``'gaussian'`` operator (ignored by the
        others, which then give a single block); a sequence gives one block of
        columns per scale. The default
        three scales serve classification; ``sigma=1.25, normalize=True,
        layout='global'`` gives the single histogram of
        :func:`gradient_histogram`'s defaults.
    layout
        One histogram of the whole region, ``n_rings`` concentric rings
        (rotation-invariant without alignment), or a ``grid_shape`` grid of
        cells (turned to each image's alignment angle when
        ``rotation_invariant``); see :func:`gradient_histogram`. The default
        grid of 3 x 3 cells suits objects; ``'global'`` suits textures, with
        a ninth of the columns (the user guide's "Choosing parameters").
    n_rings
        Number of rings of ``layout='rings'``.
    grid_shape
        ``(rows, cols)`` of ``layout='grid'``.
    azimuthal_harmonics
        With ``layout='rings'``, also keep where around each ring its
        gradients are, as rotation-invariant Fourier coefficients of
        harmonics 1 to ``azimuthal_harmonics`` about the centre, after each
        scale's rings (see :func:`gradient_histogram`). 0 keeps the rings
        alone; any other value with another layout is refused. Helps on
        objects (digits), hurts on stationary textures: see the rotation
        invariance page's table.
    azimuthal_bins
        Orientation bins (over the full circle, halved when
        ``unidirectional``) of the azimuthal part.
    azimuthal_invariants
        Which rotation-invariant values of the azimuthal part, besides
        their magnitudes: the products between rings of each orientation
        bin, of the rings' totals, or none (see :func:`gradient_histogram`).
    n_jobs
        Number of joblib workers, from 1 to 1024, or from -1 (all
        processors) to -1024 (all but ``-n_jobs - 1``). None means 1 unless
        in a :func:`joblib.parallel_config` context. The output is the same
        for every value and backend.

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

    Intensities are used as given (uint8 255 stays 255). The output has the
    type ``dtype`` names, whatever the input's. Rows are in the order of
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
    >>> features.shape  # 3 x 3 cells of 8 bins at each of the 3 default scales
    (5, 216)
    >>> transformer.get_feature_names_out()[[0, 1, 8, 72]]
    array(['sigma0.5_cell0_0_angle_000.000', 'sigma0.5_cell0_0_angle_045.000',
           'sigma0.5_cell0_1_angle_000.000', 'sigma1_cell0_0_angle_000.000'],
          dtype=object)

    One histogram of the whole image, one scale and ``normalize=True`` give
    :func:`gradient_histogram`'s rows:

    >>> from gradhist_sklearn import gradient_histogram
    >>> single = GradientHistogramTransformer(angle_bins=8, sigma=1.25, normalize=True,
    ...                                       layout="global")
    >>> rows = single.fit_transform(images)
    >>> rows.shape
    (5, 8)
    >>> bool(np.array_equal(rows[0], gradient_histogram(images[0], angle_bins=8).histogram))
    True

    Flattened images, as in :func:`sklearn.datasets.load_digits`:

    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> GradientHistogramTransformer(image_shape=(8, 8)).fit_transform(X).shape
    (1797, 972)
    """

    _parameter_constraints: dict = {
        parameter.name: parameter.check.constraints(_SKLEARN) for parameter in _PARAMETERS}

    __init__ = _make_init()

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
        self._options()
        self.image_shape_ = check_input(self, X, reset=True).image_shape
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
            One block per scale of ``sigma`` (three by default), and within
            it one per ring or cell of the layout, each of ``angle_bins``
            values (``angle_bins // 2`` when unidirectional; half of that
            plus one for ``invariance='dft_magnitude'`` of the global
            layout); plus two columns per scale when ``include_orientation``
            is True. The default is ``3 * 9 * 36 = 972`` columns.
            Of type ``dtype``. For a 3-D or 4-D
            dask array, a dask array chunked like ``X`` along its first axis
            and computed lazily, block by block, with the same numbers.

        Examples
        --------
        Images of different sizes, as a list; bright on the right, so every
        gradient points along +x, into bin 0 (Sobel:
        8 per unit of slope inside, 4 at the reflected borders). One scale
        (``sigma`` sets the Gaussian's only), one histogram of the whole
        image and ``normalize=True`` give each image's mean magnitude per
        bin:

        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> images = [np.tile(np.arange(n, dtype=float), (n, 1)) for n in (8, 12)]
        >>> transformer = GradientHistogramTransformer(
        ...     angle_bins=4, operator="sobel", sigma=1.0, normalize=True,
        ...     layout="global", include_orientation=True).fit(images)
        >>> transformer.transform(images).round(2)
        array([[7.  , 0.  , 0.  , 0.  , 0.  , 1.  ],
               [7.33, 0.  , 0.  , 0.  , 0.  , 1.  ]])

        The default ``normalize='sqrt'`` gives their square roots:

        >>> root = GradientHistogramTransformer(angle_bins=4, operator="sobel", sigma=1.0,
        ...                                     layout="global")
        >>> root.fit_transform(images).round(3)
        array([[2.646, 0.   , 0.   , 0.   ],
               [2.708, 0.   , 0.   , 0.   ]])

        The default grid shares each pixel's vote among the 3 x 3 cells
        around it, so with ``normalize=True`` the cells add up to the
        histogram of the whole image:

        >>> cells = GradientHistogramTransformer(
        ...     angle_bins=4, operator="sobel", sigma=1.0, normalize=True).fit_transform(images)
        >>> cells.shape  # 9 cells of 4 bins
        (2, 36)
        >>> cells.reshape(2, 9, 4).sum(axis=1).round(2)
        array([[7.  , 0.  , 0.  , 0.  ],
               [7.33, 0.  , 0.  , 0.  ]])
        """
        check_is_fitted(self)
        batch = check_input(self, X, reset=False)
        options = self._options()
        if _dask.is_dask_array(getattr(batch, "stack", None)):
            return _dask.transform_lazily(batch.stack, options, options.dtype)
        return compute_features(batch, options, self.n_jobs)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output columns.

        Each column is named by the angle of its bin's centre, or by the
        harmonic of its DFT magnitude, after its scale and its ring or cell.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked, as scikit-learn's transformers check it: against
            ``feature_names_in_`` and ``n_features_in_`` when :meth:`fit`
            saw a 2-D ``X``; fitted on images, it must be None. The output
            names do not depend on it.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``[sigma{s}_][ring{k}_|cell{row}_{col}_]angle_{degrees}``: the
            bin's centre in degrees with three decimals (``angle_000.000``,
            ``angle_010.000``, ...), after ``sigma{s}_`` (``sigma0.5_``,
            ``sigma1_``, ``sigma2_`` by default) when ``sigma`` is a
            sequence and ``ring{k}_`` or ``cell{row}_{col}_`` for the rings
            and grid layouts; then ``[sigma{s}_]main_orientation`` and
            ``[sigma{s}_]orientation_strength`` for each scale in turn when
            ``include_orientation`` is True. With ``rotation_invariant=True``
            the angles are relative to each image's alignment angle (the
            direction of its dominant harmonic, its centre of mass, or its
            peak, as ``invariance`` says), or for rings to the radial
            direction at each pixel. For ``invariance='dft_magnitude'``
            the values are ``dft_magnitude_00``, ``dft_magnitude_01``, ...:
            the magnitude of harmonic ``k``, which has period
            ``360 / k`` degrees (``180 / k`` when unidirectional); harmonic
            0 is the histogram's sum.

        Examples
        --------
        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> transformer = GradientHistogramTransformer(angle_bins=6, unidirectional=True)
        >>> names = transformer.fit(np.zeros((2, 5, 5))).get_feature_names_out()
        >>> len(names)  # 3 scales of 3 x 3 cells of 3 bins
        81
        >>> names[:4]
        array(['sigma0.5_cell0_0_angle_000.000', 'sigma0.5_cell0_0_angle_060.000',
               'sigma0.5_cell0_0_angle_120.000', 'sigma0.5_cell0_1_angle_000.000'],
              dtype=object)
        >>> transformer.set_params(layout="global").fit(np.zeros((2, 5, 5)))
        GradientHistogramTransformer(angle_bins=6, layout='global', unidirectional=True)
        >>> transformer.get_feature_names_out()
        array(['sigma0.5_angle_000.000', 'sigma0.5_angle_060.000',
               'sigma0.5_angle_120.000', 'sigma1_angle_000.000',
               'sigma1_angle_060.000', 'sigma1_angle_120.000',
               'sigma2_angle_000.000', 'sigma2_angle_060.000',
               'sigma2_angle_120.000'], dtype=object)
        >>> transformer.set_params(sigma=1.0, layout="rings", n_rings=2)
        GradientHistogramTransformer(angle_bins=6, layout='rings', n_rings=2, sigma=1.0,
                                     unidirectional=True)
        >>> transformer.fit(np.zeros((2, 5, 5))).get_feature_names_out()
        array(['ring0_angle_000.000', 'ring0_angle_060.000', 'ring0_angle_120.000',
               'ring1_angle_000.000', 'ring1_angle_060.000', 'ring1_angle_120.000'],
              dtype=object)
        """
        check_is_fitted(self)
        self._check_input_features(input_features)
        return np.asarray(self._options().feature_names(), dtype=object)

    def _check_input_features(self, input_features):
        """scikit-learn's check of ``input_features`` against
        ``feature_names_in_`` and ``n_features_in_``; fitted on images (no
        columns), only None names what ``fit`` saw."""
        if input_features is not None and not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"input_features names the columns of a 2-D X, but this transformer was "
                f"fitted on images, which have no columns (n_features_in_ is not set); "
                f"got {list(input_features)[:5]!r}. Pass input_features=None."
            )
        _check_feature_names_in(self, input_features, generate_names=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # The output's type is the dtype parameter's, whatever the input's.
        try:
            tags.transformer_tags.preserves_dtype = [BY_NAME["dtype"].check.validate(
                "dtype", self.dtype, {})]
        except (TypeError, ValueError):  # refused by fit, with its message
            tags.transformer_tags.preserves_dtype = []
        return tags

    def _options(self):
        """The parameters as one validated :class:`HistogramOptions` (the
        engine resolved here, in the calling process)."""
        return HistogramOptions.from_params(self.get_params())


GradientHistogramTransformer.__doc__ = document_parameters(
    GradientHistogramTransformer.__doc__, "transformer")
