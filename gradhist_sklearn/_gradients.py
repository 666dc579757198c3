"""Image gradients at a documented scale, for one image or a stack of them."""

import numpy as np

from ._params import BY_NAME, OPERATOR_NAMES
from ._validation import as_gray_image, check_choice, check_sigma

# Each operator is separable: a derivative along the axis of the gradient and a
# smoothing across it. These are scikit-image's kernels (``skimage.filters``
# ``sobel``, ``scharr``, ``prewitt``, ``farid``) without its division by the
# smoothing weight sum, so Sobel and Scharr have OpenCV's scale. The tests check
# every operator against ``skimage.filters`` times the scale below.
#
# Applying the two 1-D passes along the image axes only (rather than a 3x3
# convolution over the array) lets a whole stack of images be filtered in one
# call without smoothing across neighbouring images.
_DIFF3 = np.array([-1.0, 0.0, 1.0])
_FARID_DIFF = np.array(
    [-0.109603762960254, -0.276690988455557, 0.0, 0.276690988455557, 0.109603762960254]
)
_FARID_SMOOTH = np.array(
    [0.0376593171958126, 0.249153396177344, 0.426374573253687, 0.249153396177344,
     0.0376593171958126]
)

#: operator name -> (derivative kernel, smoothing kernel or None), as correlations.
KERNELS = {
    "sobel": (_DIFF3, np.array([1.0, 2.0, 1.0])),
    "scharr": (_DIFF3, np.array([3.0, 10.0, 3.0])),
    "prewitt": (_DIFF3, np.array([1.0, 1.0, 1.0])),
    "farid": (_FARID_DIFF, _FARID_SMOOTH),
    "central": (_DIFF3, None),
}

# The names accepted by ``operator`` (KERNELS's, then "gaussian") live in
# _params, which the command's parser reads without importing scipy.

#: Default scale (standard deviation in pixels) of the ``gaussian`` operator:
#: :func:`gradient_histogram`'s, from the parameter table.
DEFAULT_SIGMA = BY_NAME["sigma"].function_default


def gaussian_kernels(sigma):
    """Derivative-of-Gaussian kernels, as correlations, for ``operator='gaussian'``.

    Both kernels are sampled Gaussians truncated at ``4 * sigma`` (as
    :func:`scipy.ndimage.gaussian_filter1d`), with a radius of at least one
    pixel. The smoothing kernel sums to 1; the derivative kernel ``x g(x)`` is
    scaled so that its response to a ramp rising by 1 per pixel is exactly 1,
    whatever ``sigma``: the gradient is in intensity units per pixel.

    Parameters
    ----------
    sigma : float
        Standard deviation of the Gaussian in pixels, > 0.

    Returns
    -------
    derivative, smoothing : ndarray of float64, shape (2 * radius + 1,)
    """
    radius = max(1, int(4.0 * sigma + 0.5))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    # Written relative to the weight at |x| = 1, so that a tiny sigma does not
    # underflow to 0 / 0: it tends to the central difference divided by 2.
    derivative = np.zeros_like(x)
    side = x != 0  # x = 0 weighs nothing, and its exponent could overflow
    derivative[side] = x[side] * np.exp(-(x[side] ** 2 - 1.0) / (2.0 * sigma * sigma))
    derivative /= np.dot(x, derivative)
    smoothing = np.exp(-(x * x) / (2.0 * sigma * sigma))
    smoothing /= smoothing.sum()
    return derivative, smoothing


def operator_kernels(operator, sigma=DEFAULT_SIGMA):
    """``(derivative, smoothing)`` correlation kernels of an operator.

    ``smoothing`` is None for ``'central'``; ``sigma`` only matters for
    ``'gaussian'``.
    """
    if operator == "gaussian":
        return gaussian_kernels(sigma)
    return KERNELS[operator]


def stack_gradients(stack, operator="sobel", sigma=DEFAULT_SIGMA):
    """Gradients of every image in a stack.

    Parameters
    ----------
    stack : ndarray of float32 or float64, shape (..., height, width)
        Images, already validated and converted to floating point.
    operator : str
        A key of :data:`KERNELS`, or ``'gaussian'``.
    sigma : float
        Scale of the ``'gaussian'`` operator; ignored by the others.

    Returns
    -------
    gx, gy : ndarray, same shape and dtype as ``stack``
        Change toward +x (east, columns) and toward +y (south, rows).
    """
    derivative, smoothing = operator_kernels(operator, sigma)
    if len(derivative) == 3 and (smoothing is None or len(smoothing) == 3):
        return _three_tap_gradients(stack, derivative, smoothing)
    # Imported here: scipy.ndimage takes about half a second to import, which
    # the compiled engine, the command's start and its workers do not need.
    from scipy import ndimage as ndi

    gx = ndi.correlate1d(stack, derivative, axis=-1, mode="reflect")
    gy = ndi.correlate1d(stack, derivative, axis=-2, mode="reflect")
    if smoothing is not None:
        ndi.correlate1d(gx, smoothing, axis=-2, mode="reflect", output=gx)
        ndi.correlate1d(gy, smoothing, axis=-1, mode="reflect", output=gy)
    return gx, gy


def _weighted_sum(taps, views):
    """``sum(t * v)`` over the non-zero taps, without multiplying by +-1."""
    total = None
    for tap, view in zip(taps, views, strict=True):
        tap = float(tap)  # a Python float keeps float32 arrays float32
        if tap == 0.0:
            continue
        if total is None:
            total = view * tap if tap != 1.0 else view.copy()
        elif tap == 1.0:
            total += view
        elif tap == -1.0:
            total -= view
        else:
            total += view * tap
    return total


def _three_tap_gradients(stack, derivative, smoothing):
    """Separable 3-tap correlation by shifted views of one reflect-padded copy.

    A one-pixel ``np.pad(mode='symmetric')`` border is scipy's ``'reflect'``
    (the edge pixel repeated), and slicing avoids ``ndimage``'s per-line
    buffering, which costs several times more for kernels this short.
    """
    height, width = stack.shape[-2:]
    pad = [(0, 0)] * (stack.ndim - 2) + [(1, 1), (1, 1)]
    padded = np.pad(stack, pad, mode="symmetric")
    rows = [padded[..., k:k + height, :] for k in range(3)]
    if smoothing is None:
        gx = _weighted_sum(derivative, [rows[1][..., k:k + width] for k in range(3)])
        gy = _weighted_sum(derivative, [row[..., 1:width + 1] for row in rows])
        return gx, gy
    across = _weighted_sum(smoothing, rows)  # smoothed down the columns, for gx
    along = _weighted_sum(derivative, rows)  # differentiated down the columns, for gy
    gx = _weighted_sum(derivative, [across[..., k:k + width] for k in range(3)])
    gy = _weighted_sum(smoothing, [along[..., k:k + width] for k in range(3)])
    return gx, gy


def image_gradients(image, *, operator="sobel", sigma=DEFAULT_SIGMA):
    """Horizontal and vertical intensity change of an image.

    Intensities are used as given (a uint8 255 stays 255.0) and borders are
    extended by reflection (``mode='reflect'``, as in scikit-image), so every
    pixel has a gradient and the output has the image's shape.

    Parameters
    ----------
    image : array-like, shape (height, width) or (height, width, 3 or 4)
        Grey image, or colour image turned to grey with the BT.709 luma weights
        (alpha ignored). Bool and integer images are read as their values.
    operator : {'sobel', 'scharr', 'prewitt', 'farid', 'central', 'gaussian'}, \
default='sobel'
        The derivative kernel, applied as a correlation. Its scale is the
        response to a ramp that rises by 1 per pixel:

        ============  ============================================  =====
        operator      kernel for ``gx`` (``gy`` is its transpose)   scale
        ============  ============================================  =====
        ``central``   ``[-1, 0, 1]``                                2
        ``sobel``     ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``      8
        ``scharr``    ``[[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]``    32
        ``prewitt``   ``[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]``      6
        ``farid``     scikit-image's 5x5 Farid-Simoncelli kernel    0.992
        ``gaussian``  derivative of a Gaussian of std ``sigma``     1
        ============  ============================================  =====

        Sobel and Scharr match OpenCV's ``cv2.Sobel(ksize=3)`` and
        ``cv2.Scharr``; they are scikit-image's filters without its division
        by the smoothing weights. Farid is scikit-image's kernel unchanged.
        ``gaussian`` correlates with ``x g(x)`` along the gradient's axis and
        with ``g(x)`` across it, ``g`` a Gaussian of standard deviation
        ``sigma`` truncated at ``4 * sigma`` (``2 * round(4 sigma) + 1``
        taps, at least 3; 11 for the default ``sigma=1.25``), the derivative kernel
        scaled to give exactly 1 on the unit ramp, so the gradient is in
        intensity units per pixel for every ``sigma``. It is the most
        isotropic of the operators; its two 1-D passes cost more than
        Sobel's, a small part of a whole histogram's cost (the performance
        page of the documentation).
    sigma : float, default=1.25
        Scale of the ``'gaussian'`` operator in pixels; ignored by the others.

    Returns
    -------
    gx : ndarray, shape (height, width)
        Change toward +x (to the right).
    gy : ndarray, shape (height, width)
        Change toward +y (downward, rows grow downward). float32 input gives
        float32 output; every other dtype gives float64.

    See Also
    --------
    gradient_histogram : magnitude-weighted histogram of these gradients.
    skimage.filters.sobel : the same Sobel filter, at scikit-image's scale.

    References
    ----------
    .. [1] H. Farid and E. P. Simoncelli, "Differentiation of discrete
           multidimensional signals", IEEE Transactions on Image Processing
           13(4), 2004, pp. 496-508. doi:10.1109/TIP.2004.823819
    .. [2] H. Scharr, "Optimal operators in digital image processing",
           PhD thesis, University of Heidelberg, 2000.
    .. [3] J. J. Koenderink, "The structure of images", Biological
           Cybernetics 50, 1984, pp. 363-370: derivatives of Gaussians as
           the rotation-invariant measurement of image structure.

    Examples
    --------
    >>> import numpy as np
    >>> from gradhist_sklearn import image_gradients
    >>> image = np.array([[255, 255, 255],
    ...                   [0, 0, 0],
    ...                   [0, 0, 0]], dtype=np.uint8)
    >>> gx, gy = image_gradients(image, operator="central")
    >>> float(gx[1, 1]), float(gy[1, 1])
    (0.0, -255.0)
    """
    check_choice("operator", operator, OPERATOR_NAMES)
    sigma = check_sigma(sigma)
    return stack_gradients(as_gray_image(image), operator, sigma)
