"""Image gradients at a documented scale, for one image or a stack of them."""

import numpy as np
from scipy import ndimage as ndi

from ._validation import as_gray_image, check_operator

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


def stack_gradients(stack, operator="sobel"):
    """Gradients of every image in a stack.

    Parameters
    ----------
    stack : ndarray of float32 or float64, shape (..., height, width)
        Images, already validated and converted to floating point.
    operator : str
        A key of :data:`KERNELS`.

    Returns
    -------
    gx, gy : ndarray, same shape and dtype as ``stack``
        Change toward +x (east, columns) and toward +y (south, rows).
    """
    derivative, smoothing = KERNELS[operator]
    gx = ndi.correlate1d(stack, derivative, axis=-1, mode="reflect")
    gy = ndi.correlate1d(stack, derivative, axis=-2, mode="reflect")
    if smoothing is not None:
        ndi.correlate1d(gx, smoothing, axis=-2, mode="reflect", output=gx)
        ndi.correlate1d(gy, smoothing, axis=-1, mode="reflect", output=gy)
    return gx, gy


def image_gradients(image, *, operator="sobel"):
    """Horizontal and vertical intensity change of an image.

    Intensities are used as given (a uint8 255 stays 255.0) and borders are
    extended by reflection (``mode='reflect'``, as in scikit-image), so every
    pixel has a gradient and the output has the image's shape.

    Parameters
    ----------
    image : array-like, shape (height, width) or (height, width, 3 or 4)
        Grey image, or colour image turned to grey with the BT.709 luma weights
        (alpha ignored). Bool and integer images are read as their values.
    operator : {'sobel', 'scharr', 'prewitt', 'farid', 'central'}, default='sobel'
        The derivative kernel, applied as a correlation. Its scale is the
        response to a ramp that rises by 1 per pixel:

        ===========  ============================================  =====
        operator     kernel for ``gx`` (``gy`` is its transpose)   scale
        ===========  ============================================  =====
        ``central``  ``[-1, 0, 1]``                                2
        ``sobel``    ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``      8
        ``scharr``   ``[[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]``    32
        ``prewitt``  ``[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]``      6
        ``farid``    scikit-image's 5x5 Farid-Simoncelli kernel    0.992
        ===========  ============================================  =====

        Sobel and Scharr match OpenCV's ``cv2.Sobel(ksize=3)`` and
        ``cv2.Scharr``; they are scikit-image's filters without its division
        by the smoothing weights. Farid is scikit-image's kernel unchanged.

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
    check_operator(operator)
    return stack_gradients(as_gray_image(image), operator)
