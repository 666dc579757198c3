"""scikit-learn transformer over the histogram engine.

The estimator only sequences the work: its parameters become one
:class:`~gradhist_sklearn._options.HistogramOptions` (after scikit-learn's
parameter constraints), :func:`~gradhist_sklearn._input.check_input` turns
``X`` into a batch, and :func:`~gradhist_sklearn._batch.compute_features`
(or, for a dask array, :func:`~gradhist_sklearn._dask.transform_lazily`)
computes the rows.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from . import _dask
from ._batch import compute_features
from ._gradients import OPERATOR_NAMES
from ._input import check_input
from ._invariance import INVARIANCE_METHODS
from ._layouts import LAYOUTS
from ._options import HistogramOptions
from ._params import AZIMUTHAL_INVARIANTS
from ._params import TRANSFORMER_DEFAULTS as _DEFAULTS
from ._validation import NORMALIZATIONS


class _IntegerInterval(Interval):
    """``Interval(Integral, ...)`` that refuses True and False, which Python
    counts as integers (``angle_bins=True`` would silently mean 1)."""

    def __init__(self, left, right, *, closed):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


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
    normalize : bool or {'pixels', 'sqrt', 'l1', 'l2', 'hellinger'}, default='sqrt'
        How each block (ring, cell, scale) is normalised, as in
        :func:`gradient_histogram`. The default, the square root of the
        histogram divided by the pixel count, keeps the gradient energy
        (what tells textures apart) while evening out its dynamic range
        (what lets the rings tell digits apart); see the user guide's table.
    operator : {'gaussian', 'sobel', 'scharr', 'prewitt', 'farid', 'central'}, \
default='gaussian'
        Derivative kernel; see :func:`image_gradients` for each one's scale.
        The default derivative of Gaussian keeps the rotation-invariant rows
        stable under arbitrary turns and is in intensity units per pixel;
        ``'sobel'`` (:func:`image_gradients`'s default) is OpenCV's 3x3
        Sobel, 8 times larger.
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
        point along x), and ``fit`` warns, since flattened images (as
        ``load_digits`` gives) or one image without its batch axis are the
        likelier meanings; ``image_shape=(1, n_features)`` says it.
        Ignored for 3-D and 4-D arrays, lists of images and file paths,
        which carry their own shapes.
    include_orientation : bool, default=False
        Append two columns per scale of ``sigma``: each image's main
        orientation at that scale (degrees, the centre of mass of its plain
        histogram) and its orientation strength (in ``[0, 1]``; near 0 when
        the main orientation is not defined: see :class:`GradientHistogram`),
        after all the histogram values.
    invariance : {'dominant_harmonic', 'centre_of_mass_rebin', 'centre_of_mass', \
'peak', 'dft_magnitude'}, default='dominant_harmonic'
        Rotation-invariance method, used when ``rotation_invariant`` is True;
        see :func:`gradient_histogram`. ``'dft_magnitude'`` gives
        ``n_bins // 2 + 1`` columns (the magnitudes of the histogram's DFT)
        instead of ``n_bins``.
    sigma : float or sequence of float, default=(0.5, 1.0, 2.0)
        Scale in pixels of the ``'gaussian'`` operator (ignored by the
        others, which then give a single block); a sequence gives one block of
        columns per scale. The default
        three scales serve classification; ``sigma=1.25, normalize=True``
        gives the single histogram of :func:`gradient_histogram`'s defaults.
    layout : {'global', 'rings', 'grid'}, default='global'
        One histogram of the whole region, ``n_rings`` concentric rings
        (rotation-invariant without alignment), or a ``grid_shape`` grid of
        cells (turned to each image's alignment angle when
        ``rotation_invariant``); see :func:`gradient_histogram`.
    n_rings : int, default=3
        Number of rings of ``layout='rings'``.
    grid_shape : (int, int), default=(3, 3)
        ``(rows, cols)`` of ``layout='grid'``.
    azimuthal_harmonics : int, default=0
        With ``layout='rings'``, also keep where around each ring its
        gradients are, as rotation-invariant Fourier coefficients of
        harmonics 1 to ``azimuthal_harmonics`` about the centre, after each
        scale's rings (see :func:`gradient_histogram`). 0 keeps the rings
        alone; any other value with another layout is refused. Helps on
        objects (digits), hurts on stationary textures: see the rotation
        invariance page's table.
    azimuthal_bins : int, default=8
        Orientation bins (over the full circle, halved when
        ``unidirectional``) of the azimuthal part.
    azimuthal_invariants : {'bin_pairs', 'ring_pairs', 'magnitudes'}, \
default='bin_pairs'
        Which rotation-invariant values of the azimuthal part, besides
        their magnitudes: the products between rings of each orientation
        bin, of the rings' totals, or none (see :func:`gradient_histogram`).
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
    >>> features.shape  # 8 bins at each of the 3 default scales
    (5, 24)
    >>> transformer.get_feature_names_out()[[0, 1, 8]]
    array(['sigma0.5_angle_000.000', 'sigma0.5_angle_045.000',
           'sigma1_angle_000.000'], dtype=object)

    One scale and ``normalize=True`` give :func:`gradient_histogram`'s rows:

    >>> from gradhist_sklearn import gradient_histogram
    >>> single = GradientHistogramTransformer(angle_bins=8, sigma=1.25, normalize=True)
    >>> rows = single.fit_transform(images)
    >>> rows.shape
    (5, 8)
    >>> bool(np.array_equal(rows[0], gradient_histogram(images[0], angle_bins=8).histogram))
    True

    Flattened images, as in :func:`sklearn.datasets.load_digits`:

    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> GradientHistogramTransformer(image_shape=(8, 8)).fit_transform(X).shape
    (1797, 108)
    """

    _parameter_constraints: dict = {
        "angle_bins": [_IntegerInterval(1, None, closed="left")],
        "unidirectional": ["boolean"],
        "rotation_invariant": ["boolean"],
        "normalize": ["boolean", StrOptions(set(NORMALIZATIONS))],
        "operator": [StrOptions(set(OPERATOR_NAMES))],
        "frame": [None, "array-like"],
        "size": [None, "array-like"],
        "image_shape": [None, tuple, list],
        "include_orientation": ["boolean"],
        "n_jobs": [Integral, None],
        "invariance": [StrOptions(set(INVARIANCE_METHODS))],
        "sigma": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "layout": [StrOptions(set(LAYOUTS))],
        "n_rings": [_IntegerInterval(1, None, closed="left")],
        "grid_shape": [tuple, list],
        # Azimuthal harmonics of the rings (_azimuthal).
        "azimuthal_harmonics": [_IntegerInterval(0, None, closed="left")],
        "azimuthal_bins": [_IntegerInterval(1, None, closed="left")],
        "azimuthal_invariants": [StrOptions(set(AZIMUTHAL_INVARIANTS))],
    }

    def __init__(
        self,
        angle_bins=_DEFAULTS["angle_bins"],
        *,
        unidirectional=_DEFAULTS["unidirectional"],
        rotation_invariant=_DEFAULTS["rotation_invariant"],
        normalize=_DEFAULTS["normalize"],
        operator=_DEFAULTS["operator"],
        frame=_DEFAULTS["frame"],
        size=_DEFAULTS["size"],
        image_shape=_DEFAULTS["image_shape"],
        include_orientation=_DEFAULTS["include_orientation"],
        invariance=_DEFAULTS["invariance"],
        sigma=_DEFAULTS["sigma"],
        layout=_DEFAULTS["layout"],
        n_rings=_DEFAULTS["n_rings"],
        grid_shape=_DEFAULTS["grid_shape"],
        azimuthal_harmonics=_DEFAULTS["azimuthal_harmonics"],
        azimuthal_bins=_DEFAULTS["azimuthal_bins"],
        azimuthal_invariants=_DEFAULTS["azimuthal_invariants"],
        n_jobs=_DEFAULTS["n_jobs"],
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
        self.layout = layout
        self.n_rings = n_rings
        self.grid_shape = grid_shape
        self.azimuthal_harmonics = azimuthal_harmonics
        self.azimuthal_bins = azimuthal_bins
        self.azimuthal_invariants = azimuthal_invariants
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
            is True. The default is ``3 * 36 = 108`` columns.
            float32 for float32 input, float64 otherwise. For a 3-D or 4-D
            dask array, a dask array chunked like ``X`` along its first axis
            and computed lazily, block by block, with the same numbers.

        Examples
        --------
        Images of different sizes, as a list; bright on the right, so every
        gradient points along +x, into bin 0 (Sobel:
        8 per unit of slope inside, 4 at the reflected borders). One scale
        (``sigma`` sets the Gaussian's only) and ``normalize=True`` give
        each image's mean magnitude per bin:

        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramTransformer
        >>> images = [np.tile(np.arange(n, dtype=float), (n, 1)) for n in (8, 12)]
        >>> transformer = GradientHistogramTransformer(
        ...     angle_bins=4, operator="sobel", sigma=1.0, normalize=True,
        ...     include_orientation=True).fit(images)
        >>> transformer.transform(images).round(2)
        array([[7.  , 0.  , 0.  , 0.  , 0.  , 1.  ],
               [7.33, 0.  , 0.  , 0.  , 0.  , 1.  ]])

        The default ``normalize='sqrt'`` gives their square roots:

        >>> root = GradientHistogramTransformer(angle_bins=4, operator="sobel", sigma=1.0)
        >>> root.fit_transform(images).round(3)
        array([[2.646, 0.   , 0.   , 0.   ],
               [2.708, 0.   , 0.   , 0.   ]])
        """
        check_is_fitted(self)
        batch = check_input(self, X, reset=False)
        options = self._options()
        if _dask.is_dask_array(getattr(batch, "stack", None)):
            return _dask.transform_lazily(batch.stack, options, batch.dtype)
        return compute_features(batch, options, self.n_jobs)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output columns.

        Each column is named by the angle of its bin's centre, or by the
        harmonic of its DFT magnitude, after its scale and its ring or cell.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input seen in :meth:`fit`; the output
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
        >>> transformer.fit(np.zeros((2, 5, 5))).get_feature_names_out()
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
        if hasattr(self, "n_features_in_"):
            # Checks input_features against the columns seen in fit.
            _check_feature_names_in(self, input_features)
        return np.asarray(self._options().feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _options(self):
        """The parameters as one validated :class:`HistogramOptions` (the
        engine resolved here, in the calling process)."""
        return HistogramOptions.from_params(self.get_params())
