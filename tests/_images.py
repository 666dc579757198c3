"""Test images and the defaults the tests compare against.

Good images are cut from scikit-image's data; bad files are built by hand
(truncated, empty, text, and a PNG whose header claims more pixels than Pillow
accepts). ``png_bytes`` is a minimal PNG encoder, so that 16-bit colour PNG
files can be written whatever Pillow supports.

The transformer's defaults differ from ``gradient_histogram``'s (three scales,
the square root and a grid of cells, chosen for classification): ``FUNCTION_DEFAULTS`` gives
the transformer the function's, for tests that compare the two on something
else, and ``default_rows`` builds the default transformer's rows from the
function, by their definition.
"""

import struct
import zlib

import numpy as np

#: ``gradient_histogram``'s defaults where the transformer's differ: with
#: these the transformer's rows are the function's histograms.
FUNCTION_DEFAULTS = dict(sigma=1.25, normalize=True, layout="global")

#: The transformer's default scales: one block of columns each.
DEFAULT_SCALES = (0.5, 1.0, 2.0)

#: The transformer's default layout (``gradient_histogram``'s is ``'global'``).
DEFAULT_LAYOUT = "grid"


def default_rows(images, **params):
    """The rows of ``GradientHistogramTransformer(**params)`` (default sigma
    and normalize) by definition: per image, the function's square-rooted
    histogram at each default scale, one after the other."""
    from gradhist_sklearn import gradient_histogram

    params = {"layout": DEFAULT_LAYOUT, **params}
    return np.stack([
        np.concatenate([gradient_histogram(image, sigma=sigma, normalize="sqrt",
                                           **params).histogram
                        for sigma in DEFAULT_SCALES])
        for image in images])


def png_bytes(image, *, width=None, height=None, data=None):
    """Encode ``image`` (uint8 or uint16; grey, grey+alpha, RGB or RGBA) as PNG.

    ``width``, ``height`` and ``data`` override the header and the compressed
    pixel data, to build broken files.
    """
    image = np.asarray(image)
    h, w = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    depth = 16 if image.dtype == np.uint16 else 8
    raw = np.ascontiguousarray(image.astype(">u2" if depth == 16 else "u1"))
    rows = raw.view(np.uint8).reshape(h, -1)
    pixels = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, payload):
        crc = struct.pack(">I", zlib.crc32(kind + payload))
        return struct.pack(">I", len(payload)) + kind + payload + crc

    header = struct.pack(">IIBBBBB", width or w, height or h, depth, colour_type, 0, 0, 0)
    idat = zlib.compress(pixels) if data is None else data
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def bomb_png_bytes():
    """A tiny PNG whose header claims 20000 x 20000 pixels: Pillow refuses it."""
    return png_bytes(np.zeros((1, 1), np.uint8), width=20000, height=20000,
                     data=zlib.compress(b""))


def camera_crops(n_images, height, width, seed):
    """``n_images`` crops of scikit-image's camera at random places, as a stack."""
    from skimage import data

    camera = data.camera()
    starts = np.random.default_rng(seed).integers(0, 512 - height, size=(n_images, 2))
    return np.stack([camera[r:r + height, c:c + width] for r, c in starts])


def cut_images():
    """Real grey and colour patches of several sizes from scikit-image's data."""
    from skimage import data

    camera, astronaut, coins = data.camera(), data.astronaut(), data.coins()
    return {
        "camera_a.png": camera[100:164, 200:248],
        "camera_b.png": camera[300:340, 50:110],
        "camera_c.tif": camera[0:48, 0:48],
        "coins.png": coins[50:110, 60:140],
        "astronaut.png": astronaut[40:100, 180:230],
        "astronaut.bmp": astronaut[200:240, 100:164],
        "astronaut.jpg": astronaut[300:356, 300:348],
        "deep.tif": (camera[200:250, 250:300].astype(np.uint16) * 257),
    }


def write_images(folder, images=None):
    """Write ``images`` (name -> array) into ``folder``; return the paths."""
    from skimage import io

    folder.mkdir(parents=True, exist_ok=True)
    images = cut_images() if images is None else images
    paths = []
    for name, image in images.items():
        path = folder / name
        io.imsave(path, image, check_contrast=False)
        paths.append(path)
    return paths


def write_bad_files(folder):
    """A truncated PNG, an empty file, a text file and a decompression bomb,
    all with image extensions so that a directory listing takes them."""
    good = png_bytes(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 251)
    files = {
        "truncated.png": good[: len(good) // 2],
        "empty.png": b"",
        "notes.png": b"this is a text file, not an image\n",
        "bomb.png": bomb_png_bytes(),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in files]


def _patched(data, offset, fmt, *values):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, *values)
    return bytes(data)


def _pillow_bytes(image, fmt, **kwargs):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def tiff_bomb_bytes(width=16000, height=16000):
    """A small deflate TIFF whose header declares ``width`` x ``height`` grey
    pixels (one strip): a reader that trusts it allocates gigabytes."""
    pixels = zlib.compress(bytes(width), 9)  # one row of zeros: all the file holds
    entries = [  # (tag, type, count, value); type 3 SHORT, 4 LONG
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 8),
        (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height),
        (279, 4, 1, len(pixels)),
    ]
    ifd_offset = 8 + len(pixels)
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII" if kind == 4 else "<HHIHxx", tag, kind, count, value)
        for tag, kind, count, value in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + pixels + ifd


def bomb_bytes():
    """Small files of several formats whose headers declare more pixels than
    ``2 * PIL.Image.MAX_IMAGE_PIXELS``: name -> bytes."""
    small = np.zeros((8, 8), np.uint8)
    gif = _pillow_bytes(small, "GIF")
    descriptor = gif.index(b",", 13)  # the image descriptor after the palette
    jpeg = _pillow_bytes(small, "JPEG")
    sof = jpeg.index(b"\xff\xc0")
    return {
        "bomb.png": bomb_png_bytes(),
        "bomb.tif": tiff_bomb_bytes(),
        "bomb.gif": _patched(_patched(gif, 6, "<HH", 65535, 65535),
                             descriptor + 5, "<HH", 65535, 65535),
        "bomb.bmp": _patched(_pillow_bytes(small, "BMP"), 18, "<ii", 20000, 20000),
        "bomb.jpg": _patched(jpeg, sof + 5, ">HH", 65000, 65000),
        "bomb.pgm": b"P5\n20000 20000\n255\n" + bytes(64),
    }


def multi_page_tiff_bytes(pages=3):
    """A grey TIFF of ``pages`` 16 x 16 pages of different values."""
    import io

    from PIL import Image

    frames = [Image.fromarray(np.full((16, 16), 40 * k, np.uint8)) for k in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def cmyk_jpeg_bytes(rgb):
    """``rgb`` (uint8, h x w x 3) saved as a CMYK JPEG."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).convert("CMYK").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def write_hostile_corpus(folder):
    """A folder of files a hostile (or unlucky) user could give the command:
    decompression bombs of every format, multi-page and animated files, CMYK,
    palette and grey+alpha images, a link loop, a dangling link, text and
    empty files with image names, and good images under odd names (a newline,
    unicode, a leading dash, quotes and commas, bytes that are not UTF-8).

    Returns ``{name: None}`` for a file that must become a row and ``{name:
    words}`` for one that must be listed in the errors file with a reason
    holding ``words``.
    """
    import os

    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    coins, astronaut = cut_images()["coins.png"], cut_images()["astronaut.png"]
    expected = {}
    for name, content in bomb_bytes().items():
        (folder / name).write_bytes(content)
        expected[name] = "decompression bomb"
    (folder / "pages.tif").write_bytes(multi_page_tiff_bytes(3))
    frames = [Image.fromarray(np.full((8, 8), 60 * k, np.uint8)) for k in range(3)]
    frames[0].save(folder / "moving.gif", save_all=True, append_images=frames[1:])
    expected.update({"pages.tif": "3 pages", "moving.gif": "3 pages"})
    (folder / "cmyk.jpg").write_bytes(cmyk_jpeg_bytes(astronaut))
    Image.fromarray(astronaut).convert("P").save(folder / "palette.png")
    Image.fromarray(coins).convert("LA").save(folder / "grey_alpha.png")
    expected.update({"cmyk.jpg": None, "palette.png": None, "grey_alpha.png": None})
    os.symlink("loop.png", folder / "loop.png")
    os.symlink("nowhere.png", folder / "dangling.png")
    os.symlink(".", folder / "folder_loop")  # a folder linking to itself
    expected.update({"loop.png": "loop of symbolic links", "dangling.png": "dangling"})
    (folder / "notes.png").write_text("this is a text file, not an image\n")
    (folder / "empty.jpg").write_bytes(b"")
    expected.update({"notes.png": "not a readable image", "empty.jpg": "empty"})
    odd = ["new\nline.png", "ünïcødé ✓.png", " leading space.png", "-dash.png",
           'quote"s, comma.png', os.fsdecode(b"latin1-\xe9t\xe9.png")]
    for name in odd:
        (folder / name).write_bytes(png_bytes(coins))
        expected[name] = None
    return expected
