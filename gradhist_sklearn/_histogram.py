"""Magnitude-weighted gradient-orientation histograms: the public functions
and the pipeline they share.

:func:`stack_histograms` is the one path from a validated stack to its rows:
the region of interest, the engine's binning (:mod:`gradhist_sklearn._engines`),
the histogram-based invariance methods, normalisation and the dtype. The
one-image function :func:`gradient_histogram` runs it on a stack of one; the
numbers follow the contract page of the documentation (``docs/contract.rst``).
"""

import inspect
import numbers

import numpy as np

from ._azimuthal import columns_of_sums, join_scales, split_azimuthal
from ._engines import binned_histograms
from ._gradients import image_gradients
from ._invariance import (
    above_noise,
    gradient_grains,
    largest_pixels,
    make_invariant,
    noise_floor,
)
from ._layouts import counted_pixels
from ._options import HistogramOptions
from ._params import defaults_of, document_parameters
from ._region import region_mask
from ._scaling import restore_root_scale, restore_scale, scale_to_safe_range
from ._validation import as_gray_image

#: :func:`gradient_histogram`'s parameters and defaults, from the table.
FUNCTION_DEFAULTS = defaults_of("function")


class GradientHistogram:
    """Result of :func:`gradient_histogram`: histogram, main orientation, strength.

    It unpacks into its first two values, as it did when it was a named tuple:
    ``histogram, main_orientation = result``; ``result[0]`` and ``result[1]``
    are those two too. The orientation strength is an attribute only, so that
    unpacking code written for two values keeps working.

    Parameters
    ----------
    histogram : ndarray of shape (n_bins,)
        Magnitude per orientation bin.
    main_orientation : float
        Circular centre of mass of the histogram, in degrees.
    orientation_strength : float
        Mean resultant length of the histogram, in ``[0, 1]``.

    Attributes
    ----------
    histogram : ndarray
        Magnitude per orientation bin, shape ``(angle_bins,)`` or
        ``(angle_bins // 2,)`` when unidirectional; for
        ``invariance='dft_magnitude'``, the ``n // 2 + 1`` magnitudes of the
        DFT of that ``n``-bin histogram.
    main_orientation : float
        Circular centre of mass of the plain histogram in degrees, in ``[0,
        360)`` (``[0, 180)`` when unidirectional), measured before any
        rotation-invariant step.
    orientation_strength : float
        How well ``main_orientation`` is defined: the length of the
        histogram's mean resultant vector, ``|sum_i h_i exp(i a_i)| / sum_i
        h_i`` (angles doubled when unidirectional), in ``[0, 1]``. Near 1 when
        the magnitude points one way (a ramp), near 0 when the directions
        cancel (a bright stripe's two opposite edges, a brick wall, a texture
        with no preferred direction): ``main_orientation`` is then decided by
        small differences, even rounding, and says nothing. 0 for a flat
        image.

    Examples
    --------
    >>> import numpy as np
    >>> from gradhist_sklearn import gradient_histogram
    >>> image = np.zeros((6, 6))
    >>> image[:, 3:] = 1.0
    >>> histogram, main_orientation = gradient_histogram(image, angle_bins=4)
    >>> histogram.shape, main_orientation
    ((4,), 0.0)
    >>> gradient_histogram(image, angle_bins=4).orientation_strength
    1.0
    """

    __slots__ = ("histogram", "main_orientation", "orientation_strength")

    def __init__(self, histogram, main_orientation, orientation_strength):
        self.histogram = histogram
        self.main_orientation = main_orientation
        self.orientation_strength = orientation_strength

    def __iter__(self):
        return iter((self.histogram, self.main_orientation))

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return (self.histogram, self.main_orientation)[index]

    def __repr__(self):
        return (f"GradientHistogram(histogram={self.histogram!r}, "
                f"main_orientation={self.main_orientation!r}, "
                f"orientation_strength={self.orientation_strength!r})")


def stack_histograms(stack, options, mask=None):
    """Histograms and main orientations of a validated stack of images.

    The pipeline every entry point shares: the region of interest, the
    engine's binning (:mod:`gradhist_sklearn._engines`), the histogram-based
    invariance methods, normalisation and the result's dtype.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width)
        Finite grey images of any real dtype.
    options : HistogramOptions
        Every parameter, validated.
    mask : ndarray of bool, shape (height, width), optional
        Only pixels where it is True count (with the rectangle of
        ``options.frame`` and ``options.size``).

    Returns
    -------
    histograms : ndarray of ``options.dtype``, shape (n_images, n_values)
        ``options.n_values`` values per image.
    orientations : ndarray of float64, shape (n_images, 2 * n_scales)
        For each scale of ``sigma`` in turn, each image's main orientation
        at that scale, in degrees in ``[0, 360)`` (``[0, 180)`` when
        unidirectional), and its orientation strength in ``[0, 1]``: the
        output's last columns when ``options.include_orientation``; may be
        zeros when it is False.
    """
    region = region_mask(stack.shape[1:], options.frame, options.size, mask)
    # Pixels near 1e300 or 1e-300: computed at unit scale, scaled back below.
    stack, exponents = scale_to_safe_range(stack)
    largest = largest_pixels(stack)  # for the noise floor of every scale
    blocks, orientations, azimuthal = [], [], []
    for scale in options.at_scales():
        grains = gradient_grains(stack, scale.kernels, largest, scale.dtype)
        histograms, scale_orientations = binned_histograms(stack, region, scale, grains)
        histograms, sums = split_azimuthal(histograms, scale)
        mass = histograms.sum(axis=1)  # every block's votes: the magnitudes that count
        if scale.layout == "global" and scale.rotation_invariant and scale.alignment is None:
            histograms = make_invariant(histograms, scale.invariance, scale_orientations[:, 0])
        histograms = without_noise(histograms, mass, stack.shape[1] * stack.shape[2], grains)
        if sums is not None:  # sums of the same votes: the same noise floor
            n_pixels = stack.shape[1] * stack.shape[2]
            sums = without_noise(sums, mass, n_pixels, grains)
            floor = noise_floor(mass, max(n_pixels, sums.shape[1]), grains)
            azimuthal.append(columns_of_sums(sums, histograms, stack.shape[1:], region, scale,
                                             floor))
        blocks.append(normalized(histograms, stack.shape[1:], region, scale))
        scale_orientations[:, 0] *= options.period
        orientations.append(scale_orientations)
    histograms = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    histograms = histograms.astype(options.dtype, copy=False)
    if options.normalize == "sqrt":
        # The root first, at unit scale, then half the scale: restoring first
        # would round a tiny image's histogram in the subnormal range.
        histograms = restore_root_scale(histograms, exponents)
    elif options.normalize in (None, "pixels"):  # l1, l2, hellinger do not depend on it
        histograms = restore_scale(histograms, exponents)
    if options.azimuthal_harmonics:
        histograms = join_scales(histograms, azimuthal, exponents, options)
    return histograms, np.concatenate(orientations, axis=1)


def normalized(histograms, shape, region, options):
    """``histograms`` (of one scale) normalised as ``options.normalize`` says.

    ``'pixels'`` divides by the number of pixels that count (``'sqrt'``
    too: the caller takes the root as it restores the scale); ``'l1'`` and
    ``'l2'`` divide each spatial block by its norm; ``'hellinger'`` takes the
    square root of the l1-normalised block. A block with no gradient stays
    zero.
    """
    if options.normalize is None:
        return histograms
    if options.normalize in ("pixels", "sqrt"):
        # Rings of an image too thin to hold a pixel centre inside the
        # inscribed circle (one row of even length) count none: zeros stay.
        histograms /= max(1, counted_pixels(shape, region, options))
        return histograms
    blocks = histograms.reshape(len(histograms), -1, options.block_length)
    if options.normalize == "l2":
        norms = np.sqrt(np.sum(blocks * blocks, axis=-1, keepdims=True))
    else:
        norms = np.sum(blocks, axis=-1, keepdims=True)
    blocks = np.divide(blocks, norms, out=np.zeros_like(blocks), where=norms > 0)
    if options.normalize == "hellinger":
        np.sqrt(blocks, out=blocks)
    return blocks.reshape(histograms.shape)


def without_noise(histograms, mass, n_pixels, grains):
    """``histograms`` (of one scale, unnormalised) with every value that is
    rounding noise set to 0: at most
    :func:`~gradhist_sklearn._invariance.noise_floor` of its image's
    ``mass`` (the sum of the gradient magnitudes that count) and ``grains``
    (:func:`~gradhist_sklearn._invariance.gradient_grains`) for images of
    ``n_pixels`` pixels.

    Such a value is what rounding alone leaves where no gradient goes (a
    grid cell whose bilinear share is ``1 - 0.9999999999999999``, a bin of
    a symmetric histogram's DFT): one engine leaves it and the other
    does not, and ``'l1'``, ``'l2'`` would blow a block of them up to a
    unit vector, ``'hellinger'`` and ``'sqrt'`` a single one up to about
    ``1e-8``. A block all of whose values are noise is then zeros.
    """
    # The DFT's magnitudes are sums over the bins: as many terms, if more.
    floor = noise_floor(mass, max(n_pixels, histograms.shape[1]), grains)[:, None]
    return above_noise(histograms, floor)


def gradient_histogram(image, *, mask=None, **params):
    """Magnitude-weighted gradient-orientation histogram of one image.

    Each pixel's gradient magnitude is split between the two bins whose
    centres are nearest to its orientation, in proportion to how near it is
    (linear interpolation), so before normalisation the histogram sums to the
    sum of the magnitudes. Bin ``i`` is centred on ``i * 360 / angle_bins``
    degrees; orientations are measured from +x (right) toward +y (down).

    Parameters
    ----------
    image : array-like, shape (height, width) or (height, width, 3 or 4)
        Grey image, or colour image turned to grey with the BT.709 luma
        weights (alpha ignored). Intensities are used as given.
    angle_bins
        Number of bins over the full circle (360 gives one-degree bins).
    unidirectional
        If True, opposite directions (a dark-to-bright and a bright-to-dark
        edge along the same line) share a bin: the histogram has
        ``angle_bins // 2`` bins over 180 degrees. ``angle_bins`` must then be
        even.
    rotation_invariant
        If True, make the histogram independent of the image's rotation with
        the method named by ``invariance`` (by default, bin every angle
        relative to the direction of the gradients' dominant circular
        harmonic). Turning the image then leaves the output nearly
        unchanged, and exactly unchanged (up to rounding) for quarter turns
        when ``angle_bins`` is divisible by 4.
    normalize
        ``True`` (``'pixels'``) divides by the number of pixels that count
        (flat pixels included), so the histogram sums to the mean gradient
        magnitude and does not depend on the image size; ``'sqrt'`` takes
        the square root of that (a power normalisation: it keeps the
        gradient energy and evens out its range). ``'l1'``, ``'l2'`` and
        ``'hellinger'`` (the square root of the l1-normalised values, as in
        RootSIFT) divide each block (ring, cell, scale) by its own norm, so
        the intensity scale drops out; a block with no gradient stays 0.
        ``False`` leaves the sums of magnitudes.
    operator
        Derivative kernel; see :func:`image_gradients` for each one's scale.
        The default, a derivative of Gaussian of scale ``sigma``, is the most
        isotropic of them, which is what keeps the rotation-invariant output
        stable under arbitrary turns (see the ``rotation_invariance`` page of
        the documentation). Its gradients are in intensity units per pixel
        (a unit ramp gives 1), an eighth of those of ``'sobel'``, OpenCV's
        3x3 Sobel and :func:`image_gradients`'s default: the same image's
        histogram sums to 8 times less here than with ``operator='sobel'``.
    frame
        Places the region of interest: its origin is the rectangle's top-left
        corner and its x-axis runs along the rectangle's top edge, in pixel
        coordinates where pixel (row r, column c) has its centre at
        ``(c + 0.5, r + 0.5)``. A 3x3 matrix must be a rotation plus a
        translation. Gradient angles are measured from the frame's x-axis,
        so a rectangle turned with the object gives the same histogram. The
        angle applies even when ``size`` is None.
    size
        Size of the rectangle in frame coordinates. None, or a NaN in it,
        means the whole image. A pixel counts when its centre lies inside
        (``0 <= u < width``, ``0 <= v < height``). Gradients are always
        computed on the whole image, so the rectangle adds no edges.
    invariance
        How ``rotation_invariant=True`` removes the rotation (ignored when it
        is False). None gives negative values; the four that align the
        histogram keep its sum:

        - ``'dominant_harmonic'``: align on the strongest of the gradients'
          first four circular harmonics ``c_k = sum G exp(i k theta)``: the
          first (the centre of mass) when it is strong, else the one that
          is, its ``k`` possible angles told apart by the other harmonics;
          then bin every pixel again at ``theta - phi``. Stable on images
          whose edges show both polarities (brick walls, text, silhouettes),
          where the centre of mass is decided by noise. ``phi = 0`` when
          every harmonic vanishes (a flat image).
        - ``'centre_of_mass_rebin'``: take the centre of mass ``phi`` of the
          gradients themselves (their circular mean, which differs from the
          histogram's by hundredths of a bin), then bin every pixel again at
          ``theta - phi``: an exact fractional shift, with no interpolation
          of the histogram, so any uniform turn of the angles leaves the
          output unchanged.
        - ``'centre_of_mass'``: the contract's linear shift: shift the histogram
          by ``phi`` over the bin width, interpolating linearly between bins.
        - ``'peak'``: like ``'centre_of_mass_rebin'``, but ``phi`` is the
          highest bin refined by a parabola through its neighbours (SIFT).
        - ``'dft_magnitude'``: the magnitudes of the histogram's discrete
          Fourier transform, ``angle_bins // 2 + 1`` values (``n // 2 + 1``
          for the ``n`` bins of a unidirectional histogram); invariant to
          any circular shift without choosing an angle. Element 0 is the
          histogram's sum.
    sigma
        Standard deviation in pixels of the ``'gaussian'`` operator; ignored
        by the other operators. A sequence computes every scale and puts
        their blocks one after the other; the main orientation and its
        strength are then the first scale's.
    layout
        Where the gradients are pooled:

        - ``'global'``: one histogram of the whole region.
        - ``'rings'``: ``n_rings`` concentric rings of equal width about the
          region's centre, out to the circle inscribed in it (pixels on or
          outside that circle do not count, so the rings of a region one
          pixel high and an even number wide hold no pixel and are all
          zeros, whatever ``normalize``), each vote split linearly
          between the two nearest rings. With ``rotation_invariant=True``
          each gradient's angle is measured from the radial direction at
          its pixel (outward), so a turn about the centre leaves every ring
          unchanged without any alignment (``invariance`` is not used); the
          pixel exactly at the centre, which has no radial direction,
          spreads its vote evenly over the bins. With ``False``, angles are
          measured from the frame's x-axis.
        - ``'grid'``: ``grid_shape`` cells over the region, each vote split
          bilinearly between the four nearest cell centres as in HOG. With
          ``rotation_invariant=True`` the grid and the angles turn about the
          region's centre by the image's alignment angle (the direction of
          the gradients' dominant harmonic for
          ``invariance='dominant_harmonic'``, the peak for ``'peak'``, else
          the gradients' mean direction), as SIFT's descriptor does.

        The blocks of one scale come ring by ring (or cell by cell, row
        after row), each ``n_bins`` long.
    n_rings
        Number of rings of ``layout='rings'``.
    grid_shape
        ``(rows, cols)`` of ``layout='grid'``.
    azimuthal_harmonics
        With ``layout='rings'``, where around each ring its gradients are:
        per ring ``r`` and orientation bin ``b`` (of ``azimuthal_bins``, the
        same angle as the rings' bins), the votes, split between bins and
        rings as the rings split them, summed against ``exp(-i k phi)``
        (``phi`` the pixel's azimuth about the centre) for ``k = 1 ..
        azimuthal_harmonics``. A turn multiplies each sum by a phase, so
        the result keeps their moduli (``ring{r}_az{k}_angle_{b}_abs``) and,
        as ``azimuthal_invariants`` says, products between rings ``r < s``,
        each at the histogram's scale and normalised as its rings, the
        phase kept; they follow the rings of each scale. A mirror image
        reverses their bins, as the rings', and negates the ``imag``
        values. 0 (none) with any other layout; a positive value with
        another layout is a ValueError.
    azimuthal_bins
        Orientation bins of the azimuthal part over the full circle (half of
        them over 180 degrees when unidirectional, which needs it even).
    azimuthal_invariants
        Besides the moduli: ``'bin_pairs'``, the products ``F[r, b](k)
        conj(F[s, b](k))`` of each bin (``ring{r}_ring{s}_az{k}_angle_{b}_real``,
        ``_imag``); ``'ring_pairs'``, the products ``T[r](k) conj(T[s](k))``
        of the rings' totals ``T[r](k) = sum_b F[r, b](k)``
        (``ring{r}_ring{s}_az{k}_real``, ``_imag``); ``'magnitudes'``, none.
    mask : ndarray of bool, shape (height, width), default=None
        Only pixels where the mask is True count.

    Returns
    -------
    result : GradientHistogram
        Unpacks as ``histogram, main_orientation = result``: the histogram
        (or its DFT magnitudes, for ``invariance='dft_magnitude'``) as an
        array of type ``dtype``, and the main
        orientation in degrees as a float (``[0, 360)``, or ``[0, 180)`` when
        unidirectional), taken before the rotation-invariant step. Its
        attribute ``orientation_strength``, in ``[0, 1]``, says how well that
        orientation is defined (near 0: not at all).

    Raises
    ------
    ValueError
        If the image is empty, not 2-D grey or 3-D colour, or holds NaN or
        infinity; if its pixels are complex or too large for their float
        type (above the type's maximum / 1024); if ``angle_bins`` is below 1,
        above 65536, or odd with ``unidirectional=True``; if the operator is
        unknown; if two scales of ``sigma`` agree to six significant digits
        (their columns would share a name); or if the region of interest
        holds no pixel.
    TypeError
        If the pixels are not numbers (object, string, ...), the image is a
        masked array with masked pixels, ``angle_bins`` is not an int, or a
        flag is not a bool.

    See Also
    --------
    GradientHistogramTransformer : the same histogram for a batch of images.
    skimage.feature.hog : histograms of oriented gradients over a cell grid.

    Notes
    -----
    The main orientation is the circular centre of mass
    ``atan2(sum h_i sin a_i, sum h_i cos a_i)`` with ``a_i`` the centre of bin
    ``i``; for a unidirectional histogram the angles are doubled before and
    the result halved after. An all-zero histogram has main orientation 0.
    The orientation strength is the length of that sum over ``sum h_i``.

    Integers are converted to float64 before any difference is taken (no
    wrap-around), and an image whose pixels are as large as 1e300 or as
    small as 1e-310 is computed at unit scale (an exact power-of-two
    rescaling) and its histogram scaled back. The user guide's input
    validation page lists every accepted and refused input with its message.

    References
    ----------
    .. [1] D. G. Lowe, "Distinctive image features from scale-invariant
           keypoints", International Journal of Computer Vision 60(2), 2004,
           pp. 91-110: orientation histograms and the dominant orientation.
    .. [2] N. Dalal and B. Triggs, "Histograms of oriented gradients for
           human detection", CVPR 2005: magnitude-weighted, interpolated
           orientation votes.

    Examples
    --------
    A ramp that brightens to the right has every gradient at 0 degrees. Each
    row of 0..5 contributes 2 per inner pixel and 1 at each reflected border:

    >>> import numpy as np
    >>> from gradhist_sklearn import gradient_histogram
    >>> ramp = np.tile(np.arange(6, dtype=np.uint8), (4, 1))
    >>> result = gradient_histogram(ramp, angle_bins=8, rotation_invariant=False,
    ...                             normalize=False, operator="central")
    >>> result.histogram
    array([40.,  0.,  0.,  0.,  0.,  0.,  0.,  0.])
    >>> result.main_orientation
    0.0
    >>> result.orientation_strength  # every gradient points the same way
    1.0

    A bright stripe has two equal, opposite edges: no main orientation.

    >>> stripe = np.zeros((8, 8))
    >>> stripe[:, 3:5] = 1.0
    >>> round(gradient_histogram(stripe).orientation_strength, 6)
    0.0

    With the defaults (Gaussian derivative, aligned on the dominant
    harmonic), a quarter turn of a photograph leaves the histogram unchanged:

    >>> from skimage import data
    >>> camera = data.camera()[::4, ::4]
    >>> a = gradient_histogram(camera).histogram
    >>> b = gradient_histogram(np.rot90(camera)).histogram
    >>> bool(np.allclose(a, b))
    True
    """
    options = HistogramOptions(**_function_parameters(params))
    histograms, orientations = stack_histograms(as_gray_image(image)[np.newaxis], options, mask)
    return GradientHistogram(histograms[0], float(orientations[0, 0]), float(orientations[0, 1]))


def _function_parameters(params):
    """``params`` if :func:`gradient_histogram` takes each of them, else the
    ``TypeError`` Python gives for an unexpected keyword argument."""
    unknown = sorted(set(params) - set(FUNCTION_DEFAULTS))
    if unknown:
        raise TypeError(
            f"gradient_histogram() got an unexpected keyword argument {unknown[0]!r}")
    return params


def _function_signature():
    """``gradient_histogram(image, *, angle_bins=36, ..., mask=None)``: the
    table's parameters with the function's defaults, then ``mask``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [inspect.Parameter("image", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, keyword, default=default)
           for name, default in FUNCTION_DEFAULTS.items()]
        + [inspect.Parameter("mask", keyword, default=None)])


gradient_histogram.__signature__ = _function_signature()
gradient_histogram.__doc__ = document_parameters(gradient_histogram.__doc__, "function",
                                                 leading=1)


def orientation_mask(image, lower=175.0, upper=180.0, *, operator="sobel"):
    """Mask of the pixels whose gradient orientation lies in a range.

    The classic teaching example: keep the pixels whose orientation, folded
    to ``[0, 180)`` degrees, lies in ``[lower, upper]``. With the defaults
    (175 to 180 degrees, gradients pointing almost straight left or right)
    it picks out near-vertical edges, such as the left and right borders of
    the coins in scikit-image's ``coins`` image.

    Parameters
    ----------
    image : array-like, shape (height, width) or (height, width, 3 or 4)
        Grey or colour image (colour is turned to grey as in
        :func:`gradient_histogram`).
    lower, upper : float, default=175.0, 180.0
        Inclusive bounds in degrees, compared with ``theta mod 180``.
    operator : str, default='sobel'
        Derivative kernel; see :func:`image_gradients`.

    Returns
    -------
    mask : ndarray of uint8, shape (height, width)
        255 where the orientation is in range, 0 elsewhere. Flat pixels (zero
        gradient) have no orientation and are always 0.

    Examples
    --------
    >>> import numpy as np
    >>> from gradhist_sklearn import orientation_mask
    >>> image = np.zeros((5, 5), dtype=np.uint8)
    >>> image[:, 3:] = 200          # an edge running top to bottom
    >>> orientation_mask(image, 0, 5)[2]
    array([  0,   0, 255, 255,   0], dtype=uint8)
    """
    lower, upper = _degrees("lower", lower), _degrees("upper", upper)
    if lower > upper:
        raise ValueError(
            f"lower ({lower}) must not exceed upper ({upper}); both are degrees "
            f"compared with the orientation folded to [0, 180)."
        )
    gx, gy = image_gradients(image, operator=operator)
    folded = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    keep = (folded >= lower) & (folded <= upper) & ((gx != 0) | (gy != 0))
    return np.where(keep, np.uint8(255), np.uint8(0))


def _degrees(name, value):
    """A bound of :func:`orientation_mask` as a float: a finite real number
    (a string, a bool or an array is refused, naming ``name``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number of degrees, got {value!r} of type "
            f"{type(value).__name__}."
        )
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite angle in degrees, got {value!r}.")
    return value
