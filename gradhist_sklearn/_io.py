"""Reading image files (the only module of the library that opens them).

A file is read if it holds one 2-D image, grey or colour; what its header
declares is checked before any pixel is decoded (:func:`read_image` says the
rule). TIFF files are read with tifffile, every other format with Pillow.
"""

import contextlib
import errno
import logging
import os
import stat
import threading
import warnings
from dataclasses import dataclass

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

#: TIFF photometric interpretations: (name, samples of grey or colour per
#: pixel). Grey and RGB are decoded by tifffile, the others converted by Pillow
#: as for the modes of :data:`PILLOW_CONVERSIONS`.
TIFF_PHOTOMETRIC = {
    0: ("miniswhite", 1), 1: ("minisblack", 1), 2: ("rgb", 3), 3: ("palette", 1),
    5: ("separated (CMYK)", 4), 6: ("ycbcr", 3), 8: ("cielab", 3), 9: ("icclab", 3),
    10: ("itulab", 3),
}

#: TIFF photometric interpretations whose samples tifffile returns as grey or
#: RGB intensities.
_TIFF_DIRECT = frozenset({0, 1, 2})

#: TIFF ExtraSamples values that mean alpha (associated, unassociated).
_TIFF_ALPHA = frozenset({1, 2})

#: The TIFF photometric interpretation of grey stored with 0 as white.
_MINISWHITE = 0

#: The EXIF and TIFF Orientation tag.
_ORIENTATION_TAG = 274

#: How to turn the stored pixels into the picture as shown, for each value of
#: the Orientation tag (EXIF 2.3, TIFF 6.0): flips, quarter turns, and their
#: transpositions (1, and any unknown value: as stored).
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}

#: Loggers of the readers: what they log while a file is read is kept for
#: the error's reason, never printed.
_READER_LOGGERS = ("PIL", "tifffile")


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
    """Read an image file that holds one grey or colour image.

    TIFF files are read with tifffile (every sample type: 8, 16, 32 and 64-bit
    integers, 32 and 64-bit floats); PNG, JPEG, BMP, GIF, WebP, PNM and every
    other format Pillow knows are read with Pillow. Values are returned as
    stored: 8-bit stays uint8, 16-bit stays uint16. A grey-plus-alpha image
    keeps its grey channel; colour stays colour (it is turned to grey later,
    by the same rule as arrays: ``0.2125 R + 0.7154 G + 0.0721 B`` on the raw
    values).

    What the header declares is checked before any pixel is decoded, and a
    file that is not one 2-D grey or colour image is refused with its reason,
    never blended into one image nor cut to its first page:

    * more pixels than twice ``PIL.Image.MAX_IMAGE_PIXELS``: refused as a
      decompression bomb, whatever the format and the sample type;
    * several pages or frames (a multi-page TIFF, an animated GIF, PNG or
      WebP), a volume (a TIFF with an image depth): refused;
    * samples per pixel: grey (one) or colour (three, RGB), each with at most
      one alpha sample. Any other sample (a TIFF of three grey planes, or with
      32 samples per pixel) is refused.

    A grey TIFF that stores 0 as white (photometric ``miniswhite``) is
    turned into intensities, 0 as black, by either reader: ``2**bits - 1 -
    value`` for unsigned samples of ``bits`` bits, ``not value`` for one-bit
    samples. Float and signed samples stored that way have no maximum to
    count from, and are refused.

    A file whose Orientation tag (EXIF, as cameras and phones write it, or
    TIFF's) says it is shown turned or mirrored is returned as shown, as
    image viewers and OpenCV show it: a photograph taken upright gives the
    row of the upright picture.

    Modes whose values are not intensities are converted as Pillow converts
    them: CMYK, YCbCr, LAB, HSV and palette images to RGB (RGBA for a palette
    with transparency), grey+alpha to grey. Pillow reduces 16-bit *colour*
    PNG files to 8 bits; those files (and only those) are decoded with OpenCV
    instead, when ``opencv-python-headless`` is installed, so that their
    values stay 16-bit. Without OpenCV they are refused with a message saying
    so, rather than read at the wrong scale. Files neither Pillow nor tifffile
    recognises are refused. What the readers log or warn about while reading
    is never printed: it ends the reason of the error, when there is one.

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
        unreadable file, or one that is not a single 2-D grey or colour image.

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
    with _READERS_QUIET.listening() as heard:
        try:
            image = _read(path)
        except ImageReadError as exc:
            raise ImageReadError(path, exc.reason + _said(heard)) from None
        except Exception as exc:  # noqa: BLE001 - the readers' errors vary by format
            raise ImageReadError(
                path, f"not a readable image file ({_first_line(exc)}){_said(heard)}") from None
    if image.ndim == 3 and image.shape[-1] == 2:
        image = image[..., 0]
    return image


def _first_line(exc):
    """``Type: first line`` of an exception."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"


def _said(heard):
    """What the readers logged or warned while reading, for an error's reason."""
    if not heard:
        return ""
    return "; the reader said: " + "; ".join(dict.fromkeys(heard))


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


# -- what a header declares, and the one rule for every reader ----------------------


@dataclass(frozen=True)
class Layout:
    """What a file's header declares, read before any pixel is decoded.

    ``photometric``, ``samples`` and ``extras`` (the TIFF ExtraSamples
    values) are TIFF's; other formats leave them at None, 1 and ``()``: their
    Pillow mode is converted to grey or colour.
    """

    width: int
    height: int
    pages: int = 1
    depth: int = 1
    photometric: int | None = None
    samples: int = 1
    extras: tuple = ()


def pixel_limit():
    """The most pixels an image may have: twice ``PIL.Image.MAX_IMAGE_PIXELS``
    (where Pillow itself refuses a decompression bomb), None without a limit."""
    from PIL import Image

    return 2 * Image.MAX_IMAGE_PIXELS if Image.MAX_IMAGE_PIXELS else None


def refusal(layout):
    """Why a file of this :class:`Layout` is not read, or None: more pixels
    than :func:`pixel_limit`, several pages, a volume, or samples other than
    grey or colour with at most one alpha."""
    limit = pixel_limit()
    if limit and layout.width * layout.height > limit:
        return (f"refused as a decompression bomb: {layout.width} x {layout.height} pixels, "
                f"more than {limit} (twice PIL.Image.MAX_IMAGE_PIXELS)")
    if layout.pages > 1:
        return (f"it holds {layout.pages} pages or frames, not one image; save each page "
                "as an image file of its own")
    if layout.depth > 1:
        return (f"it holds a volume of {layout.depth} planes, not one 2-D image; save each "
                "plane as an image file of its own")
    if layout.photometric is not None:
        return _samples_refusal(layout)
    return None


def _samples_refusal(layout):
    """Why a TIFF's samples per pixel are not one grey or colour image, or None."""
    if layout.photometric not in TIFF_PHOTOMETRIC:
        return (f"its photometric interpretation ({layout.photometric}) is neither grey "
                "nor colour")
    name, colour = TIFF_PHOTOMETRIC[layout.photometric]
    extra = layout.samples - colour
    alpha = extra == 1 and len(layout.extras) == 1 and layout.extras[0] in _TIFF_ALPHA
    if extra == 0 or alpha:
        return None
    kind = "grey" if colour == 1 else "colour"
    return (f"it holds {layout.samples} samples per pixel where a {name} image has {colour} "
            f"({kind}) and at most one alpha: not one grey or colour image; save each "
            "sample as an image file of its own")


def _refuse_unless_one_image(path, layout):
    reason = refusal(layout)
    if reason is not None:
        raise ImageReadError(path, reason)


def _check_decoded(path, image, layout):
    """The decoded pixels are the image the header declared: never a part of
    it. Returned in C order (a TIFF's separate sample planes are not): the
    grey of a colour image depends on its memory layout in the last bit."""
    image = np.ascontiguousarray(image)
    if image.shape[:2] != (layout.height, layout.width) or not (
            image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (2, 3, 4))):
        raise ImageReadError(
            path, f"decoded to an array of shape {image.shape}, where its header declares "
            f"{layout.width} x {layout.height} pixels: not a single grey or colour image")
    return image


def _black_as_zero(path, grey, bits):
    """The grey of a MinIsWhite TIFF (0 is white, the largest value of
    ``bits`` bits black) as intensities, 0 as black: the gradients would
    otherwise point the other way, and the file's row would be that of its
    negative. An alpha sample beside the grey (``grey[..., 1]``) stays."""
    if grey.ndim == 3:
        return np.stack([_black_as_zero(path, grey[..., 0], bits), grey[..., 1]], axis=-1)
    if grey.dtype == np.bool_:
        return ~grey
    if not np.issubdtype(grey.dtype, np.unsignedinteger):
        raise ImageReadError(
            path, f"its grey is stored as {grey.dtype} with 0 as white (photometric "
            "miniswhite), which has no largest value to count black from; save it with 0 "
            "as black (minisblack)")
    white = grey.dtype.type(2 ** min(bits, 8 * grey.dtype.itemsize) - 1)
    return white - np.minimum(grey, white)


# -- the readers ---------------------------------------------------------------------


def _read(path):
    """The pixels of ``path``: tifffile for TIFF (when it is installed; it is
    a dependency of scikit-image), Pillow for everything else."""
    with open(path, "rb") as file:
        head = file.read(26)  # enough for the signatures and a PNG's header
        is_tiff = head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # BigTIFF too
        # tifffile imported only when a TIFF comes: a folder of PNGs need not pay for it
        tifffile = _tifffile() if is_tiff else None
        if tifffile is not None:
            return _read_tiff(path, tifffile)
        # Pillow reads the file already open: opening it a second time was a
        # visible part of reading a small PNG (docs/performance.rst)
        file.seek(0)
        return _read_opened(path, file, head, is_tiff)


def _read_opened(path, file, head, is_tiff):
    """The pixels of ``path`` (open as ``file``, whose first bytes are
    ``head``), read by Pillow."""
    with _opened_with_pillow(path, file) as opened:
        if opened is None and is_tiff:
            raise ImageReadError(
                path, "not a readable image file (Pillow does not read this TIFF's sample "
                "type or layout; tifffile reads them all: pip install tifffile)")
        if opened is None:
            raise ImageReadError(
                path, "not a readable image file (no reader recognises its content: "
                "Pillow reads PNG, JPEG, BMP, GIF, WebP and more, tifffile reads TIFF)")
        return _read_with_pillow(path, opened, head)


def _tifffile():
    """tifffile, or None where it is not installed."""
    try:
        import tifffile
    except ImportError:
        return None
    return tifffile


def _read_tiff(path, tifffile):
    """Read a TIFF with tifffile: its header checked by :func:`refusal`, then
    the one page decoded (by Pillow for the photometric interpretations it
    converts, and for compressions tifffile cannot decode without
    imagecodecs)."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        layout = Layout(
            width=int(page.imagewidth), height=int(page.imagelength),
            pages=max(len(tif.pages), _imagej_images(tif)), depth=int(page.imagedepth),
            photometric=int(page.photometric), samples=int(page.samplesperpixel),
            extras=tuple(int(e) for e in page.extrasamples))
        _refuse_unless_one_image(path, layout)
        if (layout.photometric in _TIFF_DIRECT
                and page.compression in tifffile.TIFF.DECOMPRESSORS):
            pixels = page.asarray()
            # separate sample planes, depth, rows, columns, contiguous samples
            pixels = np.moveaxis(pixels.reshape(page.shaped)[:, 0], 0, -1)
            pixels = pixels.reshape(layout.height, layout.width, -1)
            pixels = pixels[..., 0] if pixels.shape[-1] == 1 else pixels
            if layout.photometric == _MINISWHITE:
                pixels = _black_as_zero(path, pixels, int(page.bitspersample))
            orientation = page.tags.get(_ORIENTATION_TAG)
            return _upright(_check_decoded(path, pixels, layout),
                            None if orientation is None else orientation.value)
    with _opened_with_pillow(path) as opened:
        if opened is None:
            name = TIFF_PHOTOMETRIC.get(layout.photometric, (layout.photometric,))[0]
            raise ImageReadError(
                path, f"neither tifffile nor Pillow decodes this TIFF (photometric {name}, "
                f"compression {getattr(page.compression, 'name', page.compression)}; "
                "installing imagecodecs may help)")
        return _upright(_check_decoded(path, _pillow_pixels(opened), layout),
                        _pillow_orientation(opened))


def _imagej_images(tif):
    """The images an ImageJ file says it holds (it may declare more than its
    pages: ImageJ stores some stacks behind one page)."""
    try:
        return int((tif.imagej_metadata or {}).get("images", 1))
    except (TypeError, ValueError):
        return 1


@contextlib.contextmanager
def _opened_with_pillow(path, file=None):
    """The file opened by Pillow (its header read, nothing decoded yet), or
    None for a file Pillow does not recognise; closed on leaving. A header that
    declares a decompression bomb is refused (:class:`ImageReadError`).
    ``file``: ``path`` already open in binary mode, at its start, read from
    there (and left open: its opener closes it)."""
    from PIL import Image

    try:
        image = Image.open(path if file is None else file)
    except Image.DecompressionBombError as exc:
        raise ImageReadError(path, f"refused as a decompression bomb: {exc}") from None
    except Exception:  # noqa: BLE001 - not Pillow's: the caller says so
        image = None
    if image is None:
        yield None
        return
    with image:
        yield image


def _pillow_layout(image):
    """The :class:`Layout` of a file Pillow opened; a TIFF's from its tags."""
    width, height = image.size
    pages = getattr(image, "n_frames", 1)
    if image.format != "TIFF":
        return Layout(width, height, pages)
    tags = image.tag_v2
    extras = tags.get(338, ())
    return Layout(width, height, pages, depth=int(tags.get(32997, 1)),
                  photometric=int(tags.get(262, 1)), samples=int(tags.get(277, 1)),
                  extras=tuple(extras) if isinstance(extras, tuple) else (int(extras),))


def _read_with_pillow(path, opened, head):
    """Read a file Pillow opened (``opened``; ``head``: its first bytes), its
    header checked first."""
    layout = _pillow_layout(opened)
    _refuse_unless_one_image(path, layout)
    if _is_deep_colour_png(head):  # Pillow would reduce it to 8 bits
        return _upright(_read_deep_colour_png(path), _pillow_orientation(opened))
    pixels = _pillow_pixels(opened)
    # Pillow turns one- and eight-bit MinIsWhite grey into intensities itself
    if layout.photometric == _MINISWHITE and opened.mode not in ("1", "L"):
        pixels = _black_as_zero(path, pixels, int(_first(opened.tag_v2.get(258, 1))))
    return _upright(_check_decoded(path, pixels, layout), _pillow_orientation(opened))


def _pillow_orientation(image):
    """The Orientation tag of a file Pillow opened (EXIF, or TIFF's own), or None."""
    try:
        return image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - a damaged EXIF block: the pixels as stored
        return None


def _upright(pixels, orientation):
    """The picture as shown: ``pixels`` turned or flipped as the file's
    Orientation tag says (:data:`_UPRIGHT`), as image viewers and OpenCV
    show it; a contiguous copy when anything was done."""
    turn = _UPRIGHT.get(_first(orientation) if orientation is not None else 1)
    return pixels if turn is None else np.ascontiguousarray(turn(pixels))


def _first(value):
    """A TIFF tag's first value (Pillow gives some tags as tuples)."""
    return value[0] if isinstance(value, tuple) else value


def _pillow_pixels(image):
    """Decode ``image``: the modes of :data:`PILLOW_CONVERSIONS` converted as
    Pillow converts them, a palette with transparency to RGBA, others as
    stored (16-bit grey PNG as uint16, as imageio reads it)."""
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        return np.asarray(image.convert("RGBA"))
    if mode in PILLOW_CONVERSIONS:
        return np.asarray(image.convert(PILLOW_CONVERSIONS[mode]))
    if mode == "I" and image.format == "PNG":
        return np.asarray(image.convert("I;16"))
    return np.asarray(image)


# -- the readers' messages: kept, never printed ---------------------------------------


class _Collector(logging.Handler):
    """A logging handler that keeps each reading thread's records for it."""

    def __init__(self, local):
        super().__init__(logging.WARNING)
        self.local = local

    def emit(self, record):
        heard = getattr(self.local, "heard", None)
        if heard is not None:
            heard.append(_first_line_of(record.getMessage()))
        elif not self._handled_elsewhere(logging.getLogger(record.name)):
            # outside reads, as if this handler were not there: Python prints a
            # record no handler takes (its "last resort")
            last_resort = logging.lastResort
            if last_resort is not None and record.levelno >= last_resort.level:
                last_resort.handle(record)

    def _handled_elsewhere(self, logger):
        """Whether a handler other than this one takes ``logger``'s records."""
        while logger is not None:
            if any(handler is not self for handler in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False


def _first_line_of(text):
    return (str(text).strip().splitlines() or [""])[0]


class _Quiet:
    """While a file is read: the readers' log records (at WARNING and above)
    and Python warnings raised in the reading thread go to that read's list,
    not to stderr.

    The log handler is added to the readers' loggers at the first read and
    stays (adding and removing it took a third of the time of reading a small
    PNG); outside reads it passes records on as if it were not there. The
    warnings hook is set when the first of the concurrent reads starts and
    put back when the last one ends (a lock keeps the two in order across
    threads). The warning filters are never touched: a thread's own
    ``warnings.catch_warnings`` puts back the filters it found, and would drop
    those another thread set meanwhile.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._local = threading.local()
        self._handler = _Collector(self._local)
        self._readers = 0
        self._handler_added = False
        self._showwarning = None
        self._shown_here = self._show  # one bound method, to know it again

    @contextlib.contextmanager
    def listening(self):
        heard = []
        outer = getattr(self._local, "heard", None)
        self._local.heard = heard
        with self._lock:
            if self._readers == 0:
                self._install()
            self._readers += 1
        try:
            yield heard
        finally:
            with self._lock:
                self._readers -= 1
                if self._readers == 0:
                    self._remove()
            self._local.heard = outer

    def _install(self):
        if not self._handler_added:
            for name in _READER_LOGGERS:
                logging.getLogger(name).addHandler(self._handler)
            self._handler_added = True
        self._showwarning = warnings.showwarning
        warnings.showwarning = self._shown_here

    def _remove(self):
        if warnings.showwarning is self._shown_here:
            warnings.showwarning = self._showwarning
        self._showwarning = None

    def _show(self, message, category, filename, lineno, file=None, line=None):
        heard = getattr(self._local, "heard", None)
        if heard is not None:
            heard.append(f"{category.__name__}: {_first_line_of(message)}")
        elif self._showwarning is not None:  # another thread's warning: as usual
            self._showwarning(message, category, filename, lineno, file, line)


_READERS_QUIET = _Quiet()


#: PNG colour types that carry more than one channel (grey+alpha, RGB, RGBA).
_PNG_COLOUR_TYPES = {4: "grey+alpha", 2: "RGB", 6: "RGBA"}


def _is_deep_colour_png(head):
    """True for a PNG whose header (``head``, its first 26 bytes) says 16 bits
    per channel and colour."""
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
