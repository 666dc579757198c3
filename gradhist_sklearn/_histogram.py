"""Magnitude-weighted gradient-orientation histograms (SPEC sections 2 and 3).

The engine works on a stack of same-shaped images at once: one gradient pass
over the stack, one ``np.bincount`` per interpolation side with a per-image bin
offset, and vectorised centre-of-mass and shift steps. The one-image functions
are the same engine on a stack of one.
"""

from typing import NamedTuple

import numpy as np

from ._engine import resolve_engine
from ._gradients import DEFAULT_SIGMA, image_gradients, operator_kernels, stack_gradients
from ._invariance import make_invariant, peak_positions, pixel_centre_turns
from ._region import parse_frame, parse_size, region_mask
from ._validation import (
    as_gray_image,
    check_angle_bins,
    check_flag,
    check_invariance,
    check_operator,
    check_sigma,
    compute_dtype,
    restore_scale,
    scale_to_safe_range,
)


class GradientHistogram(NamedTuple):
    """Result of :func:`gradient_histogram`: a histogram and its main orientation.

    A named tuple, so it unpacks as ``histogram, main_orientation = result``.

    Parameters
    ----------
    histogram : ndarray of shape (n_bins,)
        Magnitude per orientation bin.
    main_orientation : float
        Circular centre of mass of the histogram, in degrees.

    Examples
    --------
    >>> import numpy as np
    >>> from gradhist_sklearn import gradient_histogram
    >>> image = np.zeros((6, 6))
    >>> image[:, 3:] = 1.0
    >>> histogram, main_orientation = gradient_histogram(image, angle_bins=4)
    >>> histogram.shape, main_orientation
    ((4,), 0.0)
    """

    histogram: np.ndarray
    """Magnitude per orientation bin, shape ``(angle_bins,)`` or
    ``(angle_bins // 2,)`` when unidirectional; for
    ``invariance='dft_magnitude'``, the ``n // 2 + 1`` magnitudes of the DFT
    of that ``n``-bin histogram."""

    main_orientation: float
    """Circular centre of mass of the histogram in degrees, in ``[0, 360)``
    (``[0, 180)`` when unidirectional), measured before any rotation-invariant
    shift."""


#: Pixels the plain engine bins per round of numpy passes. Its ten or so
#: temporaries then stay in the CPU cache and in the allocator's free lists,
#: rather than being fresh multi-megabyte arrays (on this project's test
#: machine, the page faults of fresh arrays cost more than the arithmetic).
#: Each image is binned from its own pixels in the same blocks whatever the
#: chunk it arrives in, so the numbers do not depend on the chunking.
BLOCK_PIXELS = 2**14

#: Pixels of a stack of small images the plain engine takes at a time. Its
#: float64 gradients, angles and weights (about 80 bytes per pixel) then stay
#: in the cache: whole stacks of 2**20 pixels ran 1.7 times slower with Sobel
#: on 256x256 images. Larger images go one at a time. The compiled engine
#: streams rows through small buffers and takes a stack whole.
PLAIN_PIXELS_PER_PASS = 2**16


def n_histogram_bins(angle_bins, unidirectional):
    """Length of the histogram for ``angle_bins`` over the full circle."""
    return angle_bins // 2 if unidirectional else angle_bins


def bin_histograms(gx, gy, *, angle_bins, unidirectional=False, angle_offset=0.0):
    """Linearly interpolated orientation histograms of flattened gradients.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
        Gradients of the pixels that count.
    angle_bins : int
        Number of bins over 360 degrees; bin ``i`` is centred on
        ``i * 360 / angle_bins`` degrees.
    unidirectional : bool
        Fold opposite directions together: ``angle_bins // 2`` bins over 180
        degrees.
    angle_offset : float or ndarray of shape (n_images,)
        Degrees subtracted from every gradient angle (the frame's angle), one
        value for all images or one per image.

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_bins)
    """
    n_images, n_pixels = gx.shape
    n_bins = n_histogram_bins(angle_bins, unidirectional)
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), (n_images,))
    offsets = offsets * (angle_bins / 360.0) if offsets.any() else None
    options = (angle_bins, n_bins)
    if n_pixels >= BLOCK_PIXELS:
        # Large images: one image at a time, in blocks of its pixels, each
        # block's histogram added to the image's.
        histograms = np.zeros((n_images, n_bins))
        for i in range(n_images):
            for start in range(0, n_pixels, BLOCK_PIXELS):
                block = slice(start, start + BLOCK_PIXELS)
                histograms[i] += _bin_block(gx[i:i + 1, block], gy[i:i + 1, block], *options,
                                            None if offsets is None else offsets[i:i + 1])[0]
        return histograms
    # Small images: whole images per block, each binned from its own pixels.
    per_block = BLOCK_PIXELS // n_pixels
    return np.concatenate([
        _bin_block(gx[start:start + per_block], gy[start:start + per_block], *options,
                   None if offsets is None else offsets[start:start + per_block])
        for start in range(0, n_images, per_block)
    ])


def _bin_block(gx, gy, angle_bins, n_bins, offsets):
    """:func:`bin_histograms` of one block of pixels, in a few numpy passes.

    ``offsets``: None, or per-image angles to subtract, in bins."""
    n_images = gx.shape[0]
    magnitude = np.sqrt(gx * gx + gy * gy)
    # Position on the circle measured in bins; bin centres are the integers.
    position = np.arctan2(gy, gx)
    position *= angle_bins / (2 * np.pi)
    if offsets is not None:
        position -= offsets.astype(position.dtype)[:, None]
    # position mod n_bins, as x - n * floor(x / n): several times cheaper
    # than np.mod, and rounding can only leave it a hair outside [0, n_bins),
    # which the integer wrap below puts back.
    wraps = np.multiply(position, 1.0 / n_bins, dtype=position.dtype)
    np.floor(wraps, out=wraps)
    wraps *= n_bins
    position -= wraps
    lower = np.floor(position, out=wraps)
    upper_weight = position - lower
    upper_weight *= magnitude
    magnitude -= upper_weight  # what stays in the lower bin
    lower = lower.astype(np.intp)
    lower += n_bins * (lower < 0)
    lower -= n_bins * (lower >= n_bins)
    upper = lower + 1
    upper[upper == n_bins] = 0
    offsets = (np.arange(n_images) * n_bins)[:, None]
    lower += offsets
    upper += offsets
    size = n_images * n_bins
    histograms = np.bincount(lower.ravel(), magnitude.ravel(), minlength=size)
    histograms += np.bincount(upper.ravel(), upper_weight.ravel(), minlength=size)
    return histograms.reshape(n_images, n_bins)


def region_gradients(stack, operator, region, sigma=DEFAULT_SIGMA):
    """Flattened gradients ``(gx, gy)``, shape (n_images, n_pixels), of the
    pixels that count (all of them when ``region`` is None), by numpy."""
    n_images = stack.shape[0]
    stack = stack.astype(compute_dtype(stack.dtype), copy=False)
    gx, gy = stack_gradients(stack, operator, sigma)
    gx = gx.reshape(n_images, -1)
    gy = gy.reshape(n_images, -1)
    if region is not None:
        pixels = np.flatnonzero(region)
        gx, gy = gx[:, pixels], gy[:, pixels]
    return gx, gy


#: The invariance methods that bin every pixel again, and the ``alignment`` of
#: :func:`rebinned_histograms` each uses.
REBINNING_METHODS = {"centre_of_mass_rebin": "pixels", "peak": "peak"}


def _in_passes(compute, stack, angle_offset):
    """``compute(sub_stack, sub_offset)``, a tuple of per-image arrays, over
    consecutive sub-stacks of about :data:`PLAIN_PIXELS_PER_PASS` pixels,
    joined. Every image's rows come from its own pixels, so they do not depend
    on the passes."""
    per_pass = max(1, PLAIN_PIXELS_PER_PASS // max(1, stack.shape[1] * stack.shape[2]))
    if len(stack) <= per_pass:
        return compute(stack, angle_offset)
    offsets = np.broadcast_to(np.asarray(angle_offset, dtype=np.float64), stack.shape[:1])
    parts = [compute(stack[start:start + per_pass], offsets[start:start + per_pass])
             for start in range(0, len(stack), per_pass)]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _compiled_engine(operator, sigma, engine):
    """``(module, kernels)`` when the numba engine is selected and can run the
    operator, else None (the numpy route then gives the same numbers)."""
    if resolve_engine(engine) != "numba":
        return None
    from . import _numba_engine

    kernels = operator_kernels(operator, sigma)
    return (_numba_engine, kernels) if _numba_engine.supports(*kernels) else None


def raw_histograms(stack, operator, region, *, angle_bins, unidirectional, angle_offset,
                   sigma=DEFAULT_SIGMA, engine=None):
    """Unnormalised histograms of a stack, by the engine ``engine`` selects.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width)
        Finite grey images of any real dtype; integers and bool are read as
        float64.
    operator : str
        Gradient operator. Operators the compiled kernel does not know are
        always computed by numpy.
    region : ndarray of bool, shape (height, width), or None
        Pixels that count; None means all of them.
    angle_offset : float or ndarray of shape (n_images,)
        Degrees subtracted from every gradient angle, one value or one per image.

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_bins)
    """
    options = dict(angle_bins=angle_bins, unidirectional=unidirectional,
                   angle_offset=angle_offset)
    compiled = _compiled_engine(operator, sigma, engine)
    if compiled is not None:
        numba_engine, kernels = compiled
        return numba_engine.raw_histograms(stack, kernels, region, **options)

    def by_numpy(part, offset):
        gx, gy = region_gradients(part, operator, region, sigma)
        return (bin_histograms(gx, gy, angle_bins=angle_bins, unidirectional=unidirectional,
                               angle_offset=offset),)

    return _in_passes(by_numpy, stack, angle_offset)[0]


def rebinned_histograms(stack, operator, region, *, angle_bins, unidirectional, angle_offset,
                        sigma=DEFAULT_SIGMA, engine=None, with_orientation=True,
                        alignment="pixels"):
    """Each image binned again at ``theta - phi``, ``phi`` its own alignment angle.

    ``alignment='pixels'`` is the ``centre_of_mass_rebin`` method: ``phi`` is
    the mean direction of the image's gradients. ``alignment='peak'`` is the
    ``peak`` method: ``phi`` is the refined highest bin of its plain
    histogram (:func:`~gradhist_sklearn._invariance.peak_positions`).

    For ``'pixels'`` the compiled kernel does it in one pass over the
    gradients and one over the angles; for ``'peak'`` it bins twice. The numpy
    route computes the gradients once and bins them twice (plain, for the
    main orientation or the peak, and turned).

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_bins)
        Unnormalised, re-binned.
    turns : ndarray of float64, shape (n_images,)
        The centre of mass of each plain histogram, as
        :func:`centre_of_mass_turns` gives it; zeros (not computed) when
        neither ``with_orientation`` nor ``'peak'`` needs the plain histogram.
    """
    options = dict(angle_bins=angle_bins, unidirectional=unidirectional)
    with_plain = with_orientation or alignment == "peak"
    compiled = _compiled_engine(operator, sigma, engine)
    if compiled is not None:
        numba_engine, kernels = compiled
        if alignment == "pixels":
            histograms, plain = numba_engine.rebinned_histograms(
                stack, kernels, region, angle_offset=angle_offset, with_plain=with_plain,
                **options)
        else:
            plain = numba_engine.raw_histograms(stack, kernels, region,
                                                angle_offset=angle_offset, **options)
            turned = angle_offset + peak_positions(plain) * (360.0 / angle_bins)
            histograms = numba_engine.raw_histograms(stack, kernels, region,
                                                     angle_offset=turned, **options)
        turns = centre_of_mass_turns(plain) if with_plain else np.zeros(len(stack))
        return histograms, turns

    def by_numpy(part, offset):
        gx, gy = region_gradients(part, operator, region, sigma)
        turns = np.zeros(len(part))
        if with_plain:
            plain = bin_histograms(gx, gy, angle_offset=offset, **options)
            turns = centre_of_mass_turns(plain)
        if alignment == "pixels":
            shift_bins = n_histogram_bins(angle_bins, unidirectional) * pixel_centre_turns(
                gx, gy, unidirectional=unidirectional, angle_offset=offset)
        else:
            shift_bins = peak_positions(plain)
        turned = offset + shift_bins * (360.0 / angle_bins)
        return bin_histograms(gx, gy, angle_offset=turned, **options), turns

    return _in_passes(by_numpy, stack, angle_offset)


def centre_of_mass_turns(histograms):
    """Circular centre of mass of each histogram, as a fraction of the circle.

    Returns values in ``[0, 1)``; an all-zero histogram gives 0. Multiply by
    360 (or 180 for a unidirectional histogram) for degrees, or by the number
    of bins for a position in bins.
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    n_bins = histograms.shape[-1]
    phases = 2 * np.pi * np.arange(n_bins) / n_bins
    # Row-wise sums rather than a matrix product: BLAS may group the terms
    # differently with the number of rows, and each row must not depend on its
    # batch.
    turns = np.arctan2((histograms * np.sin(phases)).sum(axis=-1),
                       (histograms * np.cos(phases)).sum(axis=-1))
    turns /= 2 * np.pi
    turns[turns < 0] += 1.0
    turns[turns >= 1.0] = 0.0  # -tiny + 1 can round to exactly 1
    return turns


def stack_histograms(
    stack,
    *,
    angle_bins,
    unidirectional,
    rotation_invariant,
    normalize,
    operator,
    frame=(0.0, 0.0, 0.0),
    size=None,
    mask=None,
    invariance="centre_of_mass",
    sigma=DEFAULT_SIGMA,
    engine=None,
    with_orientation=True,
):
    """Histograms and main orientations of a validated stack of images.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width)
        Finite grey images of any real dtype.
    frame : (x, y, angle_degrees)
        As returned by :func:`parse_frame`.
    size : (width, height) or None
        As returned by :func:`parse_size`.
    mask : ndarray of bool, shape (height, width), optional
    invariance : str
        Method applied when ``rotation_invariant``; see :mod:`._invariance`.
    sigma : float
        Scale of the ``'gaussian'`` operator.
    engine : {'plain', 'numba', 'auto'} or None
        See :mod:`gradhist_sklearn._engine`; None reads ``$GRADHIST_ENGINE``.
    with_orientation : bool
        Whether the caller uses the main orientations. When False, the
        re-binning method skips the plain histogram they come from, and the
        orientations returned may be zeros.

    Returns
    -------
    histograms : ndarray of float32 (float32 stack) or float64, shape (n_images, n_values)
        ``n_bins // 2 + 1`` values for ``invariance='dft_magnitude'``.
    main_orientations : ndarray of float64, shape (n_images,)
        Degrees in ``[0, 360)``, or ``[0, 180)`` when unidirectional.
    """
    region = region_mask(stack.shape[1:], frame, size, mask)
    # Pixels near 1e300 or 1e-300: computed at unit scale, scaled back below.
    stack, exponents = scale_to_safe_range(stack)
    binning = dict(angle_bins=angle_bins, unidirectional=unidirectional, sigma=sigma,
                   engine=engine)
    if rotation_invariant and invariance in REBINNING_METHODS:
        histograms, turns = rebinned_histograms(
            stack, operator, region, angle_offset=frame[2], with_orientation=with_orientation,
            alignment=REBINNING_METHODS[invariance], **binning)
    else:
        histograms = raw_histograms(stack, operator, region, angle_offset=frame[2], **binning)
        turns = centre_of_mass_turns(histograms)
        if rotation_invariant:
            histograms = make_invariant(histograms, invariance, turns)
    if normalize:
        n_pixels = stack.shape[1] * stack.shape[2] if region is None else np.count_nonzero(region)
        histograms /= n_pixels
    period = 180.0 if unidirectional else 360.0
    histograms = histograms.astype(compute_dtype(stack.dtype), copy=False)
    return restore_scale(histograms, exponents), turns * period


def gradient_histogram(
    image,
    *,
    angle_bins=36,
    unidirectional=False,
    rotation_invariant=True,
    normalize=True,
    operator="gaussian",
    frame=None,
    size=None,
    mask=None,
    invariance="centre_of_mass_rebin",
    sigma=1.0,
):
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
    angle_bins : int, default=36
        Number of bins over the full circle (360 gives one-degree bins).
    unidirectional : bool, default=False
        If True, opposite directions (a dark-to-bright and a bright-to-dark
        edge along the same line) share a bin: the histogram has
        ``angle_bins // 2`` bins over 180 degrees. ``angle_bins`` must then be
        even.
    rotation_invariant : bool, default=True
        If True, make the histogram independent of the image's rotation with
        the method named by ``invariance`` (by default, turn it so that its
        centre of mass lies at bin 0). Turning the image then leaves the
        output nearly unchanged, and exactly unchanged (up to rounding) for
        quarter turns when ``angle_bins`` is divisible by 4.
    normalize : bool, default=True
        If True, divide by the number of pixels in the region (flat pixels
        included), so the histogram sums to the mean gradient magnitude and
        does not depend on the image size.
    operator : {'gaussian', 'sobel', 'scharr', 'prewitt', 'farid', 'central'}, \
default='gaussian'
        Derivative kernel; see :func:`image_gradients` for each one's scale.
        The default, a derivative of Gaussian of scale ``sigma``, is the most
        isotropic of them, which is what keeps the rotation-invariant output
        stable under arbitrary turns (see the ``rotation_invariance`` page of
        the documentation). ``'sobel'`` is OpenCV's 3x3 Sobel, as in SPEC.
    frame : None, (x, y), (x, y, angle_degrees) or ndarray of shape (3, 3), default=None
        Places the region of interest: its origin is the rectangle's top-left
        corner and its x-axis runs along the rectangle's top edge, in pixel
        coordinates where pixel (row r, column c) has its centre at
        ``(c + 0.5, r + 0.5)``. A 3x3 matrix must be a rotation plus a
        translation. Gradient angles are measured from the frame's x-axis,
        so a rectangle turned with the object gives the same histogram. The
        angle applies even when ``size`` is None.
    size : None or (width, height), default=None
        Size of the rectangle in frame coordinates. None, or a NaN in it,
        means the whole image. A pixel counts when its centre lies inside
        (``0 <= u < width``, ``0 <= v < height``). Gradients are always
        computed on the whole image, so the rectangle adds no edges.
    mask : ndarray of bool, shape (height, width), default=None
        Only pixels where the mask is True count.
    invariance : {'centre_of_mass_rebin', 'centre_of_mass', 'peak', \
'dft_magnitude'}, default='centre_of_mass_rebin'
        How ``rotation_invariant=True`` removes the rotation (ignored when it
        is False). None gives negative values; the three that align the
        histogram keep its sum:

        - ``'centre_of_mass_rebin'``: take the centre of mass ``phi`` of the
          gradients themselves (their circular mean, which differs from the
          histogram's by hundredths of a bin), then bin every pixel again at
          ``theta - phi``: an exact fractional shift, with no interpolation
          of the histogram, so any uniform turn of the angles leaves the
          output unchanged.
        - ``'centre_of_mass'``: SPEC section 3 as written: shift the histogram
          by ``phi`` over the bin width, interpolating linearly between bins.
        - ``'peak'``: like ``'centre_of_mass_rebin'``, but ``phi`` is the
          highest bin refined by a parabola through its neighbours (SIFT).
        - ``'dft_magnitude'``: the magnitudes of the histogram's discrete
          Fourier transform, ``angle_bins // 2 + 1`` values (``n // 2 + 1``
          for the ``n`` bins of a unidirectional histogram); invariant to
          any circular shift without choosing an angle. Element 0 is the
          histogram's sum.
    sigma : float, default=1.0
        Standard deviation in pixels of the ``'gaussian'`` operator; ignored
        by the other operators.

    Returns
    -------
    result : GradientHistogram
        Named tuple ``(histogram, main_orientation)``: the histogram (or its
        DFT magnitudes, for ``invariance='dft_magnitude'``) as a
        float32 array for float32 input and float64 otherwise, and the main
        orientation in degrees as a float (``[0, 360)``, or ``[0, 180)`` when
        unidirectional), taken before the rotation-invariant shift.

    Raises
    ------
    ValueError
        If the image is empty, not 2-D grey or 3-D colour, or holds NaN or
        infinity; if its pixels are complex or too large for their float
        type (above the type's maximum / 1024); if ``angle_bins`` is below 1
        or odd with ``unidirectional=True``; if the operator is unknown; or if
        the region of interest holds no pixel.
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

    With the defaults (Gaussian derivative, centre of mass re-binned), a
    quarter turn of a photograph leaves the histogram unchanged:

    >>> from skimage import data
    >>> camera = data.camera()[::4, ::4]
    >>> a = gradient_histogram(camera).histogram
    >>> b = gradient_histogram(np.rot90(camera)).histogram
    >>> bool(np.allclose(a, b))
    True
    """
    unidirectional = check_flag("unidirectional", unidirectional)
    angle_bins = check_angle_bins(angle_bins, unidirectional)
    check_operator(operator)
    check_invariance(invariance)
    sigma = check_sigma(sigma)
    gray = as_gray_image(image)
    histograms, orientations = stack_histograms(
        gray[np.newaxis],
        angle_bins=angle_bins,
        unidirectional=unidirectional,
        rotation_invariant=check_flag("rotation_invariant", rotation_invariant),
        normalize=check_flag("normalize", normalize),
        operator=operator,
        frame=parse_frame(frame),
        size=parse_size(size),
        mask=mask,
        invariance=invariance,
        sigma=sigma,
    )
    return GradientHistogram(histograms[0], float(orientations[0]))


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
    for name, value in (("lower", lower), ("upper", upper)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite angle in degrees, got {value!r}.")
    if lower > upper:
        raise ValueError(
            f"lower ({lower}) must not exceed upper ({upper}); both are degrees "
            f"compared with the orientation folded to [0, 180)."
        )
    gx, gy = image_gradients(image, operator=operator)
    folded = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    keep = (folded >= lower) & (folded <= upper) & ((gx != 0) | (gy != 0))
    return np.where(keep, np.uint8(255), np.uint8(0))
