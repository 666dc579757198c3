"""Reading image files (the only module that touches the file system)."""

import os
import stat

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
    turned to grey later, by the same rule as arrays:
    ``0.2125 R + 0.7154 G + 0.0721 B`` on the raw values).

    Pillow, which imageio uses for PNG, reduces 16-bit *colour* PNG files to
    8 bits; those files (and only those) are decoded with OpenCV instead,
    when ``opencv-python-headless`` is installed, so that their values stay
    16-bit. Without OpenCV they are refused with a message saying so, rather
    than read at the wrong scale. Files that Pillow refuses as decompression
    bombs (more than twice ``PIL.Image.MAX_IMAGE_PIXELS`` pixels) are refused
    here too.

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
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skimage import io
    >>> from gradhist_sklearn import read_image
    >>> image = np.array([[0, 1000], [40000, 65535]], dtype=np.uint16)
    >>> path = os.path.join(tempfile.mkdtemp(), "deep.png")
    >>> io.imsave(path, image, check_contrast=False)
    >>> read_image(path)
    array([[    0,  1000],
           [40000, 65535]], dtype=uint16)
    """
    from skimage import io  # deferred: keeps `import gradhist_sklearn` light

    path = os.fspath(path)
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # what os.path.exists reads as "does not exist"
        raise ImageReadError(path, "no such file") from None
    if stat.S_ISDIR(status.st_mode):
        raise ImageReadError(path, "it is a directory, not an image file")
    if status.st_size == 0:
        raise ImageReadError(path, "the file is empty")
    try:
        if _is_deep_colour_png(path):
            image = _read_deep_colour_png(path)
        else:
            image = np.asarray(io.imread(path))
    except ImageReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the reader's errors vary by plugin
        # Only the first line: imageio appends advice on installing plugins,
        # which does not help with a file that is not an image.
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise ImageReadError(
            path, f"not a readable image file ({type(exc).__name__}: {first_line})"
        ) from exc
    if image.ndim == 3 and image.shape[-1] == 2:
        image = image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4)):
        return image
    raise ImageReadError(
        path,
        f"expected a single grey or colour image, got an array of shape "
        f"{image.shape} (a multi-page file or a volume?)",
    )


#: PNG colour types that carry more than one channel (grey+alpha, RGB, RGBA).
_PNG_COLOUR_TYPES = {4: "grey+alpha", 2: "RGB", 6: "RGBA"}


def _is_deep_colour_png(path):
    """True for a PNG whose header says 16 bits per channel and colour."""
    with open(path, "rb") as file:
        head = file.read(26)
    return (
        len(head) == 26
        and head[:8] == b"\x89PNG\r\n\x1a\n"
        and head[12:16] == b"IHDR"
        and head[24] == 16
        and head[25] in _PNG_COLOUR_TYPES
    )


def _read_deep_colour_png(path):
    """Decode a 16-bit colour PNG with OpenCV, keeping 16-bit values."""
    try:
        import cv2
    except ImportError:
        raise ImageReadError(
            path,
            "16-bit colour PNG: Pillow would reduce it to 8 bits; install "
            "opencv-python-headless (pip install opencv-python-headless) to read "
            "it at full depth, or convert it to 16-bit TIFF",
        ) from None
    with open(path, "rb") as file:
        data = np.frombuffer(file.read(), dtype=np.uint8)
    colour_type = int(data[25])
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageReadError(path, "OpenCV could not decode this 16-bit colour PNG")
    if colour_type == 4:  # OpenCV expands grey+alpha to BGRA; keep the grey
        return image[..., 0]
    if image.ndim == 3:  # OpenCV orders channels BGR(A)
        image = image[..., [2, 1, 0, 3][: image.shape[-1]]]
    return image
