"""Reading image files (the only module that touches the file system)."""

import os

import numpy as np


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` names it."""

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

    Returns
    -------
    image : ndarray, shape (height, width) or (height, width, 3 or 4)

    Raises
    ------
    ImageReadError
        A ``ValueError`` naming the path, for a missing, empty, truncated or
        unreadable file, or one that is not a single 2-D image.
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
