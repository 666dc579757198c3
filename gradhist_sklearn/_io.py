"""Reading image files (the only module that touches the file system)."""

import os

import numpy as np


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` names it.

    A subclass of :class:`ValueError`, raised by :func:`read_image` and by
    :class:`GradientHistogramTransformer` when it is given file paths.

    Parameters
    ----------
    path : str or os.PathLike
        The file that could not be read.
    reason : str
        What went wrong, in words.

    Attributes
    ----------
    path : str
        The file that could not be read.
    reason : str
        What went wrong.

    Examples
    --------
    >>> from gradhist_sklearn import ImageReadError, read_image
    >>> try:
    ...     read_image("no-such-file.png")
    ... except ImageReadError as error:
    ...     print(error.reason)
    no such file
    """

    def __init__(self, path, reason):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"Cannot read image {self.path!r}: {reason}")


def is_path(item):
    """True for the things accepted as an image file name."""
    return isinstance(item, (str, os.PathLike))


def read_image(path):
    """Read an image file with scikit-image's reader (imageio underneath).

    PNG, JPEG, TIFF, BMP and every other format imageio reads are accepted.
    Values are returned as stored: 8-bit stays uint8, 16-bit stays uint16. A
    grey-plus-alpha image keeps its grey channel; colour stays colour (it is
    turned to grey later, by the same rule as arrays).

    Parameters
    ----------
    path : str or os.PathLike
        The image file to read.

    Returns
    -------
    image : ndarray, shape (height, width) or (height, width, 3 or 4)
        The pixels, in the file's own dtype and values.

    Raises
    ------
    ImageReadError
        A ``ValueError`` naming the path, for a missing, empty, truncated or
        unreadable file, or one that is not a single 2-D image.

    Examples
    --------
    >>> import os
    >>> from skimage import data
    >>> from gradhist_sklearn import read_image
    >>> image = read_image(os.path.join(data.data_dir, "coins.png"))
    >>> image.shape, image.dtype
    ((303, 384), dtype('uint8'))
    """
    from skimage import io  # deferred: keeps `import gradhist_sklearn` light

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ImageReadError(path, "no such file")
    if os.path.isdir(path):
        raise ImageReadError(path, "it is a directory, not an image file")
    if os.path.getsize(path) == 0:
        raise ImageReadError(path, "the file is empty")
    try:
        image = np.asarray(io.imread(path))
    except Exception as exc:  # noqa: BLE001 - the reader's errors vary by plugin
        raise ImageReadError(path, f"{type(exc).__name__}: {exc}") from exc
    if image.ndim == 3 and image.shape[-1] == 2:
        image = image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4)):
        return image
    raise ImageReadError(
        path,
        f"expected a single grey or colour image, got an array of shape "
        f"{image.shape} (a multi-page file or a volume?)",
    )
