"""Reading image files (the only module that touches the file system)."""

import contextlib
import errno
import gc
import os
import stat
import traceback
import warnings

import numpy as np

#: Pillow modes that NumPy would read as something other than grey or colour
#: intensities (CMYK as four inverted channels, a palette's indices, ...):
#: such files are converted as Pillow converts them, to the mode given.
PILLOW_CONVERSIONS = {
    "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB", "RGBX": "RGB",
    "RGBa": "RGBA", "P": "RGB", "PA": "RGBA", "LA": "L", "La": "L",
}

#: Pillow modes whose pixels NumPy takes as they are (8-bit grey and colour).
PLAIN_MODES = frozenset({"L", "RGB", "RGBA"})


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
    than read at the wrong scale.

    Before anything is decoded, the header is read with Pillow: an image of
    more than twice ``PIL.Image.MAX_IMAGE_PIXELS`` pixels is refused as a
    decompression bomb, whatever its format, and so is a file of several
    pages or frames (a multi-page TIFF, an animated GIF), rather than read as
    one image. Modes whose values are not intensities are converted as
    Pillow converts them: CMYK, YCbCr, LAB, HSV and palette images to RGB
    (RGBA for a palette with transparency), grey+alpha to grey. Files Pillow
    does not recognise are left to imageio's other readers.

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
    path = os.fspath(path)
    _check_file(path)
    try:
        with _opened_with_pillow(path) as opened:
            conversion = None if opened is None else _pillow_precheck(path, opened)
            if _is_deep_colour_png(path):  # before Pillow, which would reduce it to 8 bits
                image = _read_deep_colour_png(path)
            elif conversion is not None:
                image = np.asarray(opened if opened.mode == conversion
                                   else opened.convert(conversion))
            else:
                image = _imageio_read(path)
    except ImageReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the reader's errors vary by plugin
        raise ImageReadError(path, f"not a readable image file ({_first_line(exc)})") from exc
    if image.ndim == 3 and image.shape[-1] == 2:
        image = image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4)):
        return image
    raise ImageReadError(
        path,
        f"expected a single grey or colour image, got an array of shape "
        f"{image.shape} (a multi-page file or a volume?)",
    )


def _first_line(exc):
    """``Type: first line`` of an exception: imageio appends advice on
    installing plugins, which does not help with a file that is not an image."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"


def _check_file(path):
    """An :class:`ImageReadError` saying why ``path`` is not a file to read:
    missing, a dangling or looping link, no permission, a directory, empty."""
    try:
        status = os.stat(path)
    except ValueError:  # a NUL in the name
        raise ImageReadError(path, "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "a loop of symbolic links"
        elif exc.errno == errno.ENOENT and os.path.islink(path):
            reason = f"a dangling symbolic link (to {os.readlink(path)!r}, which does not exist)"
        elif exc.errno == errno.ENOENT:
            reason = "no such file"
        else:
            reason = f"cannot access it: {exc.strerror or exc}"
        raise ImageReadError(path, reason) from None
    if stat.S_ISDIR(status.st_mode):
        raise ImageReadError(path, "it is a directory, not an image file")
    if status.st_size == 0:
        raise ImageReadError(path, "the file is empty")


@contextlib.contextmanager
def _opened_with_pillow(path):
    """The file opened by Pillow (its header read, nothing decoded yet), or
    None for a file Pillow does not recognise (imageio may know it); closed
    on leaving. A header that declares a decompression bomb is refused
    (:class:`ImageReadError`)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as exc:
            raise ImageReadError(path, f"refused as a decompression bomb: {exc}") from None
        except Exception:  # noqa: BLE001 - not Pillow's: imageio may know it
            image = None
    if image is None:
        yield None
        return
    with image:
        yield image


def _pillow_precheck(path, image):
    """Check what Pillow read of the header (``image``, opened by
    :func:`_opened_with_pillow`) before anything is decoded.

    Refuses (:class:`ImageReadError`) an image of more pixels than the limit
    (``2 * PIL.Image.MAX_IMAGE_PIXELS``, whatever its format: a small file can
    declare a huge image) and a file of several pages or frames, which would
    otherwise be blended into one image. Returns the mode to convert to for
    the modes of :data:`PILLOW_CONVERSIONS`, the mode itself for the
    :data:`PLAIN_MODES` of formats other than TIFF (decoded by Pillow from
    ``image``: imageio's plugin objects, once interrupted half-built by
    Ctrl-C, printed ``Exception ignored in: PluginV3.__del__``), else None:
    left to imageio (TIFF to tifffile, 16-bit and float modes).
    """
    from PIL import Image

    size, mode, kind = image.size, image.mode, image.format
    transparent = "transparency" in image.info
    try:
        frames = getattr(image, "n_frames", 1)
    except Exception:  # noqa: BLE001 - frames Pillow cannot count: left to imageio
        return None
    limit = 2 * Image.MAX_IMAGE_PIXELS if Image.MAX_IMAGE_PIXELS else None
    if limit and size[0] * size[1] > limit:  # Pillow checks some formats only
        raise ImageReadError(
            path, f"refused as a decompression bomb: {size[0]} x {size[1]} pixels, more "
            f"than {limit} (twice PIL.Image.MAX_IMAGE_PIXELS)")
    if frames > 1:
        raise ImageReadError(
            path, f"it holds {frames} pages or frames, not one image; save the page "
            "wanted as a file of its own")
    if mode == "P" and transparent:
        return "RGBA"
    if mode in PLAIN_MODES and kind != "TIFF":
        return mode
    return PILLOW_CONVERSIONS.get(mode)


def _imageio_read(path):
    """``skimage.io.imread(path)``, without the warnings imageio gives for a file it
    cannot read: its DICOM plugin's deprecation, and the file it leaves open
    (closed here, by dropping the failed attempt's frames at once)."""
    from skimage import io  # deferred: most files are decoded by Pillow

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"imageio")
        warnings.filterwarnings("ignore", message=".*legacy `DICOM` plugin",
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=ResourceWarning)
        try:
            return np.asarray(io.imread(path))
        except Exception as exc:  # noqa: BLE001 - the reader's errors vary by plugin
            reason = _first_line(exc)
            if "Could not find a backend" in reason:
                reason = "no reader recognises its content"
            traceback.clear_frames(exc.__traceback__)
            del exc
        # imageio leaves the file of each reader it tried open, in reference
        # cycles: close them now, where their ResourceWarning is expected.
        gc.collect()
    raise ImageReadError(path, f"not a readable image file ({reason})")


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
