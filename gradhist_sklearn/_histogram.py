"""Magnitude-weighted gradient-orientation histograms (SPEC sections 2 and 3).

The engine works on a stack of same-shaped images at once: one gradient pass
over the stack, one ``np.bincount`` per interpolation side with a per-image bin
offset, and vectorised centre-of-mass and shift steps. The one-image functions
are the same engine on a stack of one.
"""

from typing import NamedTuple

import numpy as np

from ._gradients import image_gradients, stack_gradients
from ._region import parse_frame, parse_size, region_mask
from ._validation import as_gray_image, check_angle_bins, check_operator


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
    ``(angle_bins // 2,)`` when unidirectional."""

    main_orientation: float
    """Circular centre of mass of the histogram in degrees, in ``[0, 360)``
    (``[0, 180)`` when unidirectional), measured before any rotation-invariant
    shift."""


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
    angle_offset : float
        Degrees subtracted from every gradient angle (the frame's angle).

    Returns
    -------
    histograms : ndarray of float64, shape (n_images, n_bins)
    """
    n_images = gx.shape[0]
    n_bins = n_histogram_bins(angle_bins, unidirectional)
    magnitude = np.sqrt(gx * gx + gy * gy)
    # Position on the circle measured in bins; bin centres are the integers.
    position = np.arctan2(gy, gx)
    position *= angle_bins / (2 * np.pi)
    if angle_offset:
        position -= angle_offset * angle_bins / 360.0
    np.mod(position, n_bins, out=position)
    lower = np.floor(position)
    upper_weight = position - lower
    upper_weight *= magnitude
    magnitude -= upper_weight  # what stays in the lower bin
    lower = lower.astype(np.intp)
    # np.mod of a tiny negative float can round up to exactly n_bins.
    lower[lower >= n_bins] -= n_bins
    upper = lower + 1
    upper[upper == n_bins] = 0
    offsets = (np.arange(n_images) * n_bins)[:, None]
    lower += offsets
    upper += offsets
    size = n_images * n_bins
    histograms = np.bincount(lower.ravel(), magnitude.ravel(), minlength=size)
    histograms += np.bincount(upper.ravel(), upper_weight.ravel(), minlength=size)
    return histograms.reshape(n_images, n_bins)


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


def shift_histograms(histograms, shift_bins):
    """Shift each histogram circularly toward lower bins by a fractional amount.

    Bin ``j`` of the result is bin ``j + shift`` of the input, interpolated
    linearly between its two neighbours, so the sum is unchanged.

    Parameters
    ----------
    histograms : ndarray, shape (n_images, n_bins)
    shift_bins : ndarray, shape (n_images,)
    """
    n_bins = histograms.shape[-1]
    whole = np.floor(shift_bins)
    frac = (shift_bins - whole)[:, None]
    index = (np.arange(n_bins) + whole.astype(np.intp)[:, None]) % n_bins
    lower = np.take_along_axis(histograms, index, axis=1)
    upper = np.take_along_axis(histograms, (index + 1) % n_bins, axis=1)
    return lower * (1.0 - frac) + upper * frac


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
):
    """Histograms and main orientations of a validated stack of images.

    Parameters
    ----------
    stack : ndarray of float32 or float64, shape (n_images, height, width)
    frame : (x, y, angle_degrees)
        As returned by :func:`parse_frame`.
    size : (width, height) or None
        As returned by :func:`parse_size`.
    mask : ndarray of bool, shape (height, width), optional

    Returns
    -------
    histograms : ndarray of ``stack.dtype``, shape (n_images, n_bins)
    main_orientations : ndarray of float64, shape (n_images,)
        Degrees in ``[0, 360)``, or ``[0, 180)`` when unidirectional.
    """
    n_images = stack.shape[0]
    region = region_mask(stack.shape[1:], frame, size, mask)
    gx, gy = stack_gradients(stack, operator)
    gx = gx.reshape(n_images, -1)
    gy = gy.reshape(n_images, -1)
    if region is not None:
        pixels = np.flatnonzero(region)
        gx, gy = gx[:, pixels], gy[:, pixels]
    histograms = bin_histograms(
        gx,
        gy,
        angle_bins=angle_bins,
        unidirectional=unidirectional,
        angle_offset=frame[2],
    )
    turns = centre_of_mass_turns(histograms)
    if rotation_invariant:
        histograms = shift_histograms(histograms, turns * histograms.shape[1])
    if normalize:
        histograms /= gx.shape[1]
    period = 180.0 if unidirectional else 360.0
    return histograms.astype(stack.dtype, copy=False), turns * period


def gradient_histogram(
    image,
    *,
    angle_bins=36,
    unidirectional=False,
    rotation_invariant=True,
    normalize=True,
    operator="sobel",
    frame=None,
    size=None,
    mask=None,
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
        If True, shift the histogram circularly (by a fractional number of
        bins, interpolated linearly) so that its centre of mass lies at bin 0.
        Turning the image then leaves the histogram nearly unchanged, and
        exactly unchanged for quarter turns when ``angle_bins`` is divisible
        by 4.
    normalize : bool, default=True
        If True, divide by the number of pixels in the region (flat pixels
        included), so the histogram sums to the mean gradient magnitude and
        does not depend on the image size.
    operator : {'sobel', 'scharr', 'prewitt', 'farid', 'central'}, default='sobel'
        Derivative kernel; see :func:`image_gradients` for each one's scale.
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

    Returns
    -------
    result : GradientHistogram
        Named tuple ``(histogram, main_orientation)``: the histogram as a
        float32 array for float32 input and float64 otherwise, and the main
        orientation in degrees as a float (``[0, 360)``, or ``[0, 180)`` when
        unidirectional), taken before the rotation-invariant shift.

    Raises
    ------
    ValueError
        If the image is empty or holds NaN or infinity, if ``angle_bins`` is
        odd with ``unidirectional=True``, if the operator is unknown, or if
        the region of interest holds no pixel.
    TypeError
        If the pixels are not real numbers or ``angle_bins`` is not an int.

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
    """
    angle_bins = check_angle_bins(angle_bins, unidirectional)
    check_operator(operator)
    gray = as_gray_image(image)
    histograms, orientations = stack_histograms(
        gray[np.newaxis],
        angle_bins=angle_bins,
        unidirectional=bool(unidirectional),
        rotation_invariant=bool(rotation_invariant),
        normalize=bool(normalize),
        operator=operator,
        frame=parse_frame(frame),
        size=parse_size(size),
        mask=mask,
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
