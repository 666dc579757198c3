"""Reading image files: formats, 16-bit depth, colour, and per-file errors."""

import os
import sys

import numpy as np
import pytest
import tifffile
from _images import (
    bomb_bytes,
    cmyk_jpeg_bytes,
    cut_images,
    multi_page_tiff_bytes,
    png_bytes,
    write_bad_files,
    write_images,
)
from skimage import io

from gradhist_sklearn import GradientHistogramTransformer, ImageReadError, read_image
from gradhist_sklearn._batch import features_of_paths
from gradhist_sklearn._cli._extract import features_of_paths_tolerant


@pytest.fixture(scope="module")
def deep():
    """16-bit grey values using the whole range (so no 8-bit reading could hold them)."""
    from skimage import data

    camera = data.camera()[100:140, 200:260].astype(np.uint16)
    return camera * 257 + np.arange(60, dtype=np.uint16)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_sixteen_bit_grey_is_kept(tmp_path, deep, suffix):
    path = tmp_path / f"deep{suffix}"
    io.imsave(path, deep, check_contrast=False)
    image = read_image(path)
    assert image.dtype == np.uint16
    np.testing.assert_array_equal(image, deep)
    # The transformer on the file gives the numbers of the array: no rescaling.
    transformer = GradientHistogramTransformer(normalize=False)
    np.testing.assert_array_equal(
        transformer.fit_transform([str(path)]), transformer.fit_transform(deep[np.newaxis])
    )


def test_sixteen_bit_colour_tiff(tmp_path, deep):
    colour = np.stack([deep, deep[::-1], 65535 - deep], axis=-1)
    path = tmp_path / "colour.tif"
    io.imsave(path, colour, check_contrast=False)
    image = read_image(path)
    assert image.dtype == np.uint16
    np.testing.assert_array_equal(image, colour)
    transformer = GradientHistogramTransformer()
    np.testing.assert_array_equal(
        transformer.fit_transform([str(path)]), transformer.fit_transform(colour[np.newaxis])
    )


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_sixteen_bit_colour_png_keeps_its_depth(tmp_path, deep, channels):
    pytest.importorskip("cv2")
    planes = [deep, deep[:, ::-1], 65535 - deep, np.full_like(deep, 40000)]
    image = np.stack(planes[:channels], axis=-1)
    path = tmp_path / "colour16.png"
    path.write_bytes(png_bytes(image))
    got = read_image(path)
    assert got.dtype == np.uint16
    # grey+alpha keeps its grey channel; colour stays in RGB(A) order
    np.testing.assert_array_equal(got, deep if channels == 2 else image)


def test_sixteen_bit_colour_png_without_opencv_says_what_to_install(tmp_path, deep,
                                                                   monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now fails
    path = tmp_path / "colour16.png"
    path.write_bytes(png_bytes(np.stack([deep] * 3, axis=-1)))
    with pytest.raises(ImageReadError, match="opencv-python-headless"):
        read_image(path)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_lossless_colour_files_give_the_numbers_of_the_array(tmp_path, suffix):
    colour = cut_images()["astronaut.png"]
    path = tmp_path / f"colour{suffix}"
    io.imsave(path, colour, check_contrast=False)
    np.testing.assert_array_equal(read_image(path), colour)
    transformer = GradientHistogramTransformer(include_orientation=True)
    np.testing.assert_array_equal(
        transformer.fit_transform([str(path)]), transformer.fit_transform(colour[np.newaxis])
    )


def test_jpeg_is_read_as_colour(tmp_path):
    path = tmp_path / "photo.jpg"
    io.imsave(path, cut_images()["astronaut.jpg"], check_contrast=False)
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (56, 48, 3)


@pytest.mark.parametrize("name, reason", [
    ("truncated.png", "truncated"),
    ("empty.png", "empty"),
    ("notes.png", None),  # the reason is the reader's own message
    ("bomb.png", "decompression bomb"),
])
def test_bad_files_raise_image_read_error_naming_the_path(tmp_path, name, reason):
    write_bad_files(tmp_path)
    with pytest.raises(ImageReadError, match=reason) as info:
        read_image(tmp_path / name)
    assert info.value.path == str(tmp_path / name)
    assert str(tmp_path / name) in str(info.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="needs a user whom file permissions apply to")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.png"
    io.imsave(path, cut_images()["coins.png"], check_contrast=False)
    path.chmod(0)
    try:
        with pytest.raises(ImageReadError, match="ermission"):
            read_image(path)
    finally:
        path.chmod(0o644)


@pytest.fixture
def mixed_paths(tmp_path):
    good = write_images(tmp_path)
    bad = write_bad_files(tmp_path)
    paths = [str(p) for p in good[:3] + bad[:2] + good[3:] + bad[2:]]
    return paths, [p for p in paths if p not in {str(b) for b in bad}]


@pytest.mark.parametrize("budget", [1, 3000, None])
def test_tolerant_worker_gives_the_transformers_rows_and_the_errors(mixed_paths, budget):
    paths, good = mixed_paths
    transformer = GradientHistogramTransformer(include_orientation=True)
    options = transformer._options()
    ok, histograms, orientations, errors = features_of_paths_tolerant(paths, options, budget)
    assert [paths[i] for i in ok] == good
    assert sorted(paths[i] for i, _ in errors) == sorted(set(paths) - set(good))
    assert all(isinstance(reason, str) and reason for _, reason in errors)
    rows = np.column_stack([histograms, orientations])
    np.testing.assert_array_equal(rows, transformer.fit_transform(good))
    strict = features_of_paths(good, 0, options)
    np.testing.assert_array_equal(histograms, strict[0])


def test_transformer_still_raises_on_the_first_bad_path(mixed_paths):
    paths, good = mixed_paths
    first_bad = next(p for p in paths if p not in good)
    assert first_bad.endswith("truncated.png")
    with pytest.raises(ImageReadError, match=r"truncated\.png") as info:
        GradientHistogramTransformer().fit_transform(paths)
    assert info.value.path == first_bad


# -- hostile files: refused from the header, converted as Pillow does ---------------


@pytest.fixture
def no_decoding(monkeypatch):
    """Reading pixels fails: what passes read only headers."""
    from PIL import ImageFile

    def refuse(*args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(io, "imread", refuse)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", refuse)
    monkeypatch.setattr(tifffile.TiffFile, "asarray", refuse)


@pytest.mark.parametrize("name", sorted(bomb_bytes()))
def test_every_format_s_bomb_is_refused_from_its_header(tmp_path, no_decoding, name):
    path = tmp_path / name
    path.write_bytes(bomb_bytes()[name])
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_image(path)


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("TIFF", ".tif"), ("JPEG", ".jpg"),
                                         ("BMP", ".bmp"), ("GIF", ".gif"), ("PPM", ".pgm"),
                                         ("WEBP", ".webp")])
def test_one_pixel_limit_for_every_format(tmp_path, monkeypatch, fmt, suffix):
    from PIL import Image

    path = tmp_path / f"image{suffix}"
    Image.fromarray(cut_images()["camera_a.png"]).save(path, format=fmt)  # 64 x 48
    assert read_image(path).shape[:2] == (64, 48)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 48 // 2 - 1)
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_image(path)


def test_a_multi_page_tiff_is_refused_not_blended(tmp_path):
    for pages in (2, 3, 4):
        path = tmp_path / f"pages{pages}.tif"
        path.write_bytes(multi_page_tiff_bytes(pages))
        with pytest.raises(ImageReadError, match=f"holds {pages} pages"):
            read_image(path)


def test_an_animated_gif_is_refused(tmp_path):
    from PIL import Image

    frames = [Image.fromarray(np.full((8, 8), 60 * k, np.uint8)) for k in range(3)]
    path = tmp_path / "moving.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(ImageReadError, match="holds 3 pages or frames"):
        read_image(path)


def test_cmyk_jpeg_is_read_as_pillow_converts_it_to_rgb(tmp_path):
    from PIL import Image

    path = tmp_path / "print.jpg"
    path.write_bytes(cmyk_jpeg_bytes(cut_images()["astronaut.png"]))
    image = read_image(path)
    assert image.shape == (60, 50, 3)
    with Image.open(path) as opened:
        np.testing.assert_array_equal(image, np.asarray(opened.convert("RGB")))


@pytest.mark.parametrize("mode, as_mode", [("P", "RGB"), ("LA", "L"), ("YCbCr", "RGB")])
def test_other_modes_are_read_as_pillow_converts_them(tmp_path, mode, as_mode):
    from PIL import Image

    rgb = Image.fromarray(cut_images()["astronaut.png"])
    path = tmp_path / ("image.jpg" if mode == "YCbCr" else "image.png")
    if mode == "YCbCr":
        rgb.convert("YCbCr").save(path, format="JPEG")
    else:
        rgb.convert(mode).save(path)
    with Image.open(path) as opened:
        expected = np.asarray(opened.convert(as_mode))
    np.testing.assert_array_equal(read_image(path), expected)


def test_links_that_cannot_be_followed_say_why(tmp_path):
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    with pytest.raises(ImageReadError, match="loop of symbolic links"):
        read_image(tmp_path / "loop.png")
    with pytest.raises(ImageReadError, match="dangling symbolic link"):
        read_image(tmp_path / "dangling.png")


def test_a_text_file_gives_one_clear_error_and_no_warning(tmp_path):
    import gc
    import warnings

    path = tmp_path / "notes.png"
    path.write_text("this is a text file, not an image\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            read_image(path)
        except ImageReadError as exc:  # kept by the caller: must not hold the file open
            error = exc
        gc.collect()
    assert "``" not in str(error) and "no reader recognises" in error.reason


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".gif"])
def test_ctrl_c_during_garbage_collection_prints_nothing(tmp_path, monkeypatch, suffix):
    # imageio's plugin objects close their file again in __del__, when the
    # garbage collector gets to them: a Ctrl-C landing then was printed as
    # "Exception ignored in: PluginV3.__del__" under the command's message.
    # Files of the common formats are read by Pillow within a ``with``.
    import gc

    from imageio.core.v3_plugin_api import PluginV3
    from PIL import Image

    path = tmp_path / f"photo{suffix}"
    Image.fromarray(cut_images()["astronaut.png"]).save(path)
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def interrupted(self):
        raise KeyboardInterrupt  # the signal, as the collector runs __del__

    monkeypatch.setattr(PluginV3, "__del__", interrupted)
    assert read_image(path).shape[:2] == (60, 50)
    gc.collect()
    assert unraisable == []


# -- one image per file: pages, volumes and samples, the same for every reader --------
#
# A file holding more than one image is refused with its reason, whatever its
# sample type and whichever reader decodes it: tifffile (TIFF) or Pillow (the
# other formats, and TIFF where tifffile is not installed). Blending pages
# into colour or keeping only the first page would give a row that is not the
# file's.

SAMPLE_TYPES = [np.uint8, np.uint16, np.int64, np.float32, np.float64]


def pixels(dtype, shape, seed=0):
    """Random values of ``dtype`` (integers up to 200, floats in [0, 1))."""
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.floating):
        return rng.random(shape).astype(dtype)
    return rng.integers(0, 200, shape).astype(dtype)


@pytest.fixture(params=["tifffile", "Pillow"])
def reader(request, monkeypatch):
    """Which reader takes TIFF files: tifffile, or Pillow where tifffile cannot
    be imported (it is scikit-image's dependency, not the library's)."""
    if request.param == "Pillow":
        monkeypatch.setitem(sys.modules, "tifffile", None)  # import tifffile now fails
    return request.param


def refused_or_read(path):
    try:
        return read_image(path)
    except ImageReadError as error:
        return error.reason


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
@pytest.mark.parametrize("pages", [2, 3, 4])
def test_tiff_pages_are_refused_never_blended_into_colour(tmp_path, dtype, pages):
    # A stack of 3 grey pages was read as one colour image (0.2125 p0 + 0.7154
    # p1 + 0.0721 p2), 4 pages as RGBA, wherever Pillow could not open it.
    path = tmp_path / "pages.tif"
    tifffile.imwrite(path, pixels(dtype, (pages, 32, 32)), photometric="minisblack")
    with pytest.raises(ImageReadError, match=f"holds {pages} pages"):
        read_image(path)
    with pytest.raises(ImageReadError, match=f"holds {pages} pages"):
        GradientHistogramTransformer().fit_transform([str(path)])


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
def test_tiff_pages_appended_one_by_one_are_refused_not_cut(tmp_path, dtype):
    # Pages written one at a time form one series each: the first one alone
    # was read, silently.
    path = tmp_path / "appended.tif"
    for k in range(3):
        tifffile.imwrite(path, pixels(dtype, (32, 32), seed=k), append=True)
    with pytest.raises(ImageReadError, match="holds 3 pages"):
        read_image(path)


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
@pytest.mark.parametrize("samples", [3, 4, 32])
def test_tiff_samples_that_are_not_colour_are_refused(tmp_path, dtype, samples):
    # One page of 3 or 4 grey samples per pixel (a small volume stored along
    # the samples) was read as RGB or RGBA; 32 samples printed a stray line.
    path = tmp_path / "samples.tif"
    tifffile.imwrite(path, pixels(dtype, (32, 32, samples)), photometric="minisblack",
                     planarconfig="contig", extrasamples=[0] * (samples - 1))
    with pytest.raises(ImageReadError, match=f"holds {samples} samples per pixel"):
        read_image(path)


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
@pytest.mark.parametrize("depth", [3, 4])
def test_tiff_volumes_are_refused(tmp_path, dtype, depth):
    path = tmp_path / "volume.tif"
    tifffile.imwrite(path, pixels(dtype, (depth, 32, 32)), photometric="minisblack",
                     volumetric=True, tile=(16, 16))
    with pytest.raises(ImageReadError, match=f"volume of {depth} planes"):
        read_image(path)


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
@pytest.mark.parametrize("planar", ["contig", "separate"])
@pytest.mark.parametrize("channels", [3, 4])
def test_tiff_colour_stays_colour(tmp_path, dtype, planar, channels):
    colour = pixels(dtype, (32, 40, channels))
    path = tmp_path / "colour.tif"
    tifffile.imwrite(path, colour if planar == "contig" else np.moveaxis(colour, -1, 0),
                     photometric="rgb", planarconfig=planar,
                     extrasamples=["unassalpha"] if channels == 4 else None)
    image = read_image(path)
    assert image.dtype == dtype
    np.testing.assert_array_equal(image, colour)
    # and its grey is the contract's 0.2125 R + 0.7154 G + 0.0721 B on the raw values
    transformer = GradientHistogramTransformer(normalize=False)
    np.testing.assert_array_equal(transformer.fit_transform([str(path)]),
                                  transformer.fit_transform(colour[np.newaxis]))


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
def test_tiff_grey_of_every_sample_type_is_read_as_stored(tmp_path, dtype):
    grey = pixels(dtype, (30, 20))
    path = tmp_path / "grey.tif"
    tifffile.imwrite(path, grey)
    image = read_image(path)
    assert image.dtype == dtype
    np.testing.assert_array_equal(image, grey)


def uint8_tiff_cases(folder):
    """8-bit TIFF files both tifffile and Pillow open: name -> (path, what a
    reader must give: an array, or words of the refusal)."""
    from PIL import Image

    grey, colour = pixels(np.uint8, (32, 32)), pixels(np.uint8, (32, 32, 4))
    cases = {}

    def case(name, expected, write):
        path = folder / name
        write(path)
        cases[name] = (path, expected)

    case("grey.tif", grey, lambda p: tifffile.imwrite(p, grey))
    case("rgb.tif", colour[..., :3], lambda p: tifffile.imwrite(p, colour[..., :3],
                                                                 photometric="rgb"))
    case("rgba.tif", colour, lambda p: tifffile.imwrite(p, colour, photometric="rgb",
                                                        extrasamples=["unassalpha"]))
    case("stack.tif", "holds 3 pages", lambda p: tifffile.imwrite(
        p, pixels(np.uint8, (3, 32, 32)), photometric="minisblack"))
    case("pillow_pages.tif", "holds 4 pages", lambda p: Image.fromarray(grey).save(
        p, save_all=True, append_images=[Image.fromarray(grey)] * 3))
    case("volume.tif", "volume of 4 planes", lambda p: tifffile.imwrite(
        p, pixels(np.uint8, (4, 32, 32)), photometric="minisblack", volumetric=True,
        tile=(16, 16)))
    case("samples.tif", "samples per pixel", lambda p: tifffile.imwrite(
        p, pixels(np.uint8, (32, 32, 3)), photometric="minisblack", planarconfig="contig",
        extrasamples=[0, 0]))
    return cases


def test_every_reader_makes_the_same_decision(tmp_path, reader):
    for name, (path, expected) in uint8_tiff_cases(tmp_path).items():
        got = refused_or_read(path)
        if isinstance(expected, str):  # refused: for its reason, or as Pillow cannot open it
            assert isinstance(got, str), (name, reader, got)
            assert expected in got or (reader == "Pillow" and "pip install tifffile" in got), (
                name, reader, got)
        else:
            assert isinstance(got, np.ndarray), (name, reader, got)
            np.testing.assert_array_equal(got, expected)


def test_without_tifffile_other_sample_types_are_refused_with_the_reason(tmp_path, reader):
    path = tmp_path / "deep.tif"
    tifffile_module = sys.modules.get("tifffile") or tifffile
    tifffile_module.imwrite(path, pixels(np.float64, (32, 32)))
    got = refused_or_read(path)
    if reader == "tifffile":
        assert isinstance(got, np.ndarray)
    else:
        assert "pip install tifffile" in got


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP", "TIFF"])
def test_every_pillow_format_refuses_frames(tmp_path, fmt):
    from PIL import Image

    frames = [Image.fromarray(np.full((8, 8), 60 * k, np.uint8)).convert("RGB")
              for k in range(3)]
    path = tmp_path / f"moving.{fmt.lower()}"
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:])
    with pytest.raises(ImageReadError, match="holds 3 pages or frames"):
        read_image(path)


@pytest.mark.parametrize("compression", ["tiff_lzw", "jpeg", "packbits"])
def test_compressions_tifffile_cannot_decode_alone_are_decoded_by_pillow(tmp_path,
                                                                        compression):
    # tifffile needs imagecodecs for LZW and JPEG, which nothing installs:
    # such files (the default of many programs) were refused.
    from PIL import Image

    colour = cut_images()["astronaut.png"]
    path = tmp_path / "compressed.tif"
    Image.fromarray(colour).save(path, compression=compression)
    with Image.open(path) as opened:
        expected = np.asarray(opened.convert("RGB"))
    np.testing.assert_array_equal(read_image(path), expected)


# -- the pixel limit, from the header, for every format and sample type --------------


def float_tiff_bomb_bytes(side=13568, tile=256):
    """A tiled float64 TIFF of about 25 kB declaring ``side`` x ``side``
    pixels (1.47 GB decoded): every tile points at one deflated tile of zeros."""
    import struct
    import zlib

    data = zlib.compress(bytes(tile * tile * 8), 9)
    n_tiles = (-(-side // tile)) ** 2
    offsets_at = 8 + len(data)
    counts_at = offsets_at + 4 * n_tiles
    ifd_at = counts_at + 4 * n_tiles
    entries = [  # (tag, type, count, value); type 3 SHORT, 4 LONG
        (256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 64), (259, 3, 1, 8),
        (262, 3, 1, 1), (277, 3, 1, 1), (322, 3, 1, tile), (323, 3, 1, tile),
        (324, 4, n_tiles, offsets_at), (325, 4, n_tiles, counts_at), (339, 3, 1, 3),
    ]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII" if kind == 4 else "<HHIHxx", tag, kind, count, value)
        for tag, kind, count, value in entries) + struct.pack("<I", 0)
    return (b"II*\x00" + struct.pack("<I", ifd_at) + data
            + struct.pack(f"<{n_tiles}I", *[8] * n_tiles)
            + struct.pack(f"<{n_tiles}I", *[len(data)] * n_tiles) + ifd)


def test_a_float_tiff_bomb_is_refused_from_its_header(tmp_path, no_decoding):
    # 1.5 GB of memory were taken to decode such a file of 1.5 MB.
    path = tmp_path / "bomb.tif"
    path.write_bytes(float_tiff_bomb_bytes())
    assert path.stat().st_size < 100_000
    with tifffile.TiffFile(path) as tif:  # what the header declares
        assert tif.pages[0].shape == (13568, 13568) and tif.pages[0].dtype == np.float64
    with pytest.raises(ImageReadError, match="13568 x 13568 pixels"):
        read_image(path)


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
@pytest.mark.parametrize("tiled", [False, True])
def test_one_pixel_limit_for_every_tiff_sample_type(tmp_path, monkeypatch, no_decoding,
                                                     dtype, tiled):
    from PIL import Image

    path = tmp_path / "image.tif"
    tifffile.imwrite(path, pixels(dtype, (64, 48)), tile=(16, 16) if tiled else None)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 48 // 2 - 1)
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_image(path)


# -- the readers never print ----------------------------------------------------------


#: How long a test waits at most for a child interpreter that reads one file:
#: only a guard against a hang (``subprocess.run`` returns the moment the
#: child exits), long enough for a loaded machine, as elsewhere in the suite.
READ_IN_CHILD_TIMEOUT = 600


def stderr_of_reading(path, *, hide_tifffile=False):
    """What reading ``path`` in a fresh interpreter writes on stderr (the
    error's reason is printed on stdout)."""
    import subprocess

    script = (
        "import sys\n"
        + ("sys.modules['tifffile'] = None\n" if hide_tifffile else "")
        + "from gradhist_sklearn import ImageReadError, read_image\n"
        "try:\n    read_image(sys.argv[1])\n"
        "except ImageReadError as error:\n    print(error.reason)\n")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            text=True, timeout=READ_IN_CHILD_TIMEOUT,
                            env={**os.environ, "PYTHONWARNINGS": "default"})
    return result.stdout, result.stderr


@pytest.mark.parametrize("hide_tifffile", [False, True])
def test_thirty_two_samples_per_pixel_print_nothing(tmp_path, hide_tifffile):
    # Pillow logged "More samples per pixel than can be decoded: 32" on stderr.
    path = tmp_path / "samples32.tif"
    tifffile.imwrite(path, pixels(np.uint8, (16, 16, 32)), photometric="minisblack",
                     planarconfig="contig", extrasamples=[0] * 31)
    reason, printed = stderr_of_reading(path, hide_tifffile=hide_tifffile)
    assert printed == ""
    if hide_tifffile:  # what Pillow said ends the reason
        assert "pip install tifffile" in reason
        assert "More samples per pixel than can be decoded: 32" in reason
    else:
        assert "holds 32 samples per pixel" in reason


def test_a_reader_s_warning_is_kept_not_printed(tmp_path):
    # Pillow warns of an image of more than PIL.Image.MAX_IMAGE_PIXELS (but
    # not twice as many): the image is read, and nothing printed.
    path = tmp_path / "large.png"
    path.write_bytes(png_bytes(cut_images()["coins.png"]))  # 60 x 80
    script = ("import sys, PIL.Image\n"
              "PIL.Image.MAX_IMAGE_PIXELS = 3000\n"
              "from gradhist_sklearn import read_image\n"
              "print(read_image(sys.argv[1]).shape)\n")
    import subprocess

    result = subprocess.run([sys.executable, "-W", "always", "-c", script, str(path)],
                            capture_output=True, text=True, timeout=READ_IN_CHILD_TIMEOUT)
    assert (result.stdout, result.stderr) == ("(60, 80)\n", "")
    unguarded = subprocess.run(  # the same read in Pillow alone warns
        [sys.executable, "-W", "always", "-c",
         script.replace("from gradhist_sklearn import read_image",
                        "read_image = lambda p: PIL.Image.open(p).size[::-1]"), str(path)],
        capture_output=True, text=True, timeout=READ_IN_CHILD_TIMEOUT)
    assert "DecompressionBombWarning" in unguarded.stderr


def test_warnings_of_other_threads_are_shown_as_usual(tmp_path):
    # Outside reads, and in threads that do not read, warnings are untouched.
    import threading
    import warnings

    from gradhist_sklearn._io import _READERS_QUIET

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with _READERS_QUIET.listening() as heard:
            warnings.warn("in the reading thread", UserWarning, stacklevel=1)
            other = threading.Thread(target=warnings.warn, args=("elsewhere", UserWarning))
            other.start()
            other.join()
        warnings.warn("after the read", UserWarning, stacklevel=1)
    assert heard == ["UserWarning: in the reading thread"]
    assert [str(w.message) for w in shown] == ["elsewhere", "after the read"]


def test_reads_in_threads_keep_their_warnings_and_leave_nothing_behind(tmp_path,
                                                                        monkeypatch):
    # The command reads in threads: each read's warnings are its own, and
    # the last read to end puts back what it found.
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image

    path = tmp_path / "large.png"
    path.write_bytes(png_bytes(cut_images()["coins.png"]))  # 60 x 80 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3000)  # each open warns
    before = warnings.showwarning
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with ThreadPoolExecutor(4) as pool:
            shapes = list(pool.map(lambda _: read_image(path).shape, range(200)))
        assert shown == []
    assert shapes == [(60, 80)] * 200
    assert warnings.showwarning is before


def test_the_readers_log_outside_reads_as_before(tmp_path):
    # The handler that keeps the readers' records during reads stays on their
    # loggers: outside reads, a record no other handler takes is printed by
    # Python's last resort, as without it.
    import subprocess

    path = tmp_path / "coins.png"
    path.write_bytes(png_bytes(cut_images()["coins.png"]))
    script = ("import logging, sys\n"
              "from gradhist_sklearn import read_image\n"
              "read_image(sys.argv[1])\n"
              "logging.getLogger('PIL.TiffImagePlugin').error('outside a read')\n"
              "logging.getLogger('tifffile').warning('also outside')\n")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            text=True, timeout=READ_IN_CHILD_TIMEOUT)
    assert result.stderr == "outside a read\nalso outside\n"


def tiff_seeds():
    """Small TIFF files of several layouts, for the mutations below."""
    import io as bytes_io

    seeds = []
    for data, kwargs in [
        (pixels(np.uint8, (12, 10)), {}),
        (pixels(np.float64, (12, 10)), {"tile": (16, 16), "compression": "zlib"}),
        (pixels(np.uint16, (3, 12, 10)), {"photometric": "rgb", "planarconfig": "separate"}),
        (pixels(np.uint8, (2, 12, 10)), {"photometric": "minisblack"}),
    ]:
        buffer = bytes_io.BytesIO()
        tifffile.imwrite(buffer, data, **kwargs)
        seeds.append(buffer.getvalue())
    return seeds


def test_mutated_tiffs_give_an_image_or_a_reason(tmp_path, monkeypatch):
    # Flipped bytes in a TIFF's header and tags: a read error naming the
    # file, or one grey or colour image of at most the pixel limit.
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2**16)
    rng = np.random.default_rng(21)
    seeds, path = tiff_seeds(), tmp_path / "mutated.tif"
    for _ in range(400):
        data = bytearray(seeds[rng.integers(len(seeds))])
        for position in rng.integers(0, len(data), rng.integers(1, 4)):
            data[position] = rng.integers(256)
        path.write_bytes(bytes(data))
        try:
            image = read_image(path)
        except ImageReadError as error:
            assert error.path == str(path)
            continue
        assert image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))
        assert image.shape[0] * image.shape[1] <= 2 * 2**16


def test_the_command_gives_a_row_per_image_and_a_reason_per_other_file(tmp_path):
    import csv
    import subprocess

    folder = tmp_path / "scans"
    folder.mkdir()
    grey = pixels(np.float64, (32, 32))
    tifffile.imwrite(folder / "grey.tif", grey)
    tifffile.imwrite(folder / "stack.tif", pixels(np.float64, (3, 32, 32)),
                     photometric="minisblack")
    tifffile.imwrite(folder / "samples.tif", pixels(np.uint8, (32, 32, 32)),
                     photometric="minisblack", planarconfig="contig", extrasamples=[0] * 31)
    result = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "scans", "-o", "out.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "More samples" not in result.stderr and "Traceback" not in result.stderr
    with open(tmp_path / "out.csv", newline="") as file:
        rows = list(csv.reader(file))[1:]
    with open(tmp_path / "out.csv.errors.csv", newline="") as file:
        errors = dict(list(csv.reader(file))[1:])
    assert [row[0] for row in rows] == [os.path.join("scans", "grey.tif")]
    np.testing.assert_array_equal(np.array([[float(v) for v in rows[0][1:]]]),
                                  GradientHistogramTransformer().fit_transform(grey[None]))
    assert "holds 3 pages" in errors[os.path.join("scans", "stack.tif")]
    assert "holds 32 samples" in errors[os.path.join("scans", "samples.tif")]


# -- grey stored with 0 as white (TIFF photometric miniswhite) ------------------------


@pytest.mark.parametrize("dtype, bits", [(np.bool_, 1), (np.uint8, 8), (np.uint16, 16)])
def test_miniswhite_grey_is_read_as_intensities_by_every_reader(tmp_path, reader, dtype,
                                                                  bits):
    stored = pixels(np.uint8, (12, 9)) > 100 if dtype is np.bool_ else pixels(dtype, (12, 9))
    stored.flat[0] = 0
    path = tmp_path / "white_is_zero.tif"
    tifffile.imwrite(path, stored, photometric="miniswhite")
    expected = ~stored if dtype is np.bool_ else (2 ** bits - 1) - stored
    image = read_image(path)
    assert image.dtype == stored.dtype
    np.testing.assert_array_equal(image, expected)
    assert image.flat[0] == (True if dtype is np.bool_ else 2 ** bits - 1)  # 0 was white


def test_miniswhite_file_gives_the_row_of_what_it_shows(tmp_path):
    shown = pixels(np.uint8, (24, 24))
    tifffile.imwrite(tmp_path / "black_is_zero.tif", shown, photometric="minisblack")
    tifffile.imwrite(tmp_path / "white_is_zero.tif", 255 - shown, photometric="miniswhite")
    rows = GradientHistogramTransformer().fit_transform(
        [str(tmp_path / "black_is_zero.tif"), str(tmp_path / "white_is_zero.tif")])
    np.testing.assert_array_equal(rows[0], rows[1])


@pytest.mark.parametrize("dtype", [np.float32, np.int16])
def test_miniswhite_without_a_largest_value_is_refused(tmp_path, dtype):
    path = tmp_path / "white_is_zero.tif"
    tifffile.imwrite(path, pixels(dtype, (8, 8)), photometric="miniswhite")
    with pytest.raises(ImageReadError, match="0 as white.*minisblack"):
        read_image(path)


# -- the Orientation tag: the picture as shown ----------------------------------------

#: The picture as shown for each EXIF/TIFF Orientation value, from stored
#: pixels ``a`` (EXIF 2.3: 6 is shown turned a quarter clockwise, 5 and 7
#: are the transpositions).
SHOWN = {
    1: lambda a: a, 2: np.fliplr, 3: lambda a: np.rot90(a, 2), 4: np.flipud,
    5: lambda a: np.swapaxes(a, 0, 1), 6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(np.swapaxes(a, 0, 1), 2), 8: lambda a: np.rot90(a, 1),
}


def _with_orientation(path, stored, orientation):
    from PIL import Image

    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[274] = orientation
    image.save(path, exif=exif)


@pytest.mark.parametrize("orientation", sorted(SHOWN))
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_a_photograph_is_read_as_shown(tmp_path, orientation, suffix):
    from PIL import Image, ImageOps

    stored = pixels(np.uint8, (12, 20, 3))
    path = tmp_path / f"photo{suffix}"
    _with_orientation(path, stored, orientation)
    decoded = read_image(path)
    with Image.open(path) as opened:
        as_stored = np.asarray(opened)  # lossy formats: compare with their own decode
        shown = np.asarray(ImageOps.exif_transpose(opened))
    np.testing.assert_array_equal(decoded, SHOWN[orientation](as_stored))
    np.testing.assert_array_equal(decoded, shown)  # as Pillow's viewers show it
    assert decoded.shape[:2] == ((20, 12) if orientation >= 5 else (12, 20))


@pytest.mark.parametrize("orientation", sorted(SHOWN))
def test_a_tiff_orientation_is_read_alike_by_every_reader(tmp_path, reader, orientation):
    stored = pixels(np.uint16, (6, 9))
    path = tmp_path / "turned.tif"
    tifffile.imwrite(path, stored, extratags=[(274, "H", 1, orientation, True)])
    np.testing.assert_array_equal(read_image(path), SHOWN[orientation](stored))


def test_a_turned_photograph_gives_the_row_of_the_upright_one(tmp_path):
    upright = pixels(np.uint8, (24, 32))
    io.imsave(tmp_path / "upright.png", upright, check_contrast=False)
    # stored a quarter turn anticlockwise, shown turned back clockwise
    _with_orientation(tmp_path / "turned.png", np.rot90(upright, 1), 6)
    rows = GradientHistogramTransformer(rotation_invariant=False).fit_transform(
        [str(tmp_path / "upright.png"), str(tmp_path / "turned.png")])
    np.testing.assert_array_equal(rows[0], rows[1])
