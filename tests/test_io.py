"""Reading image files: formats, 16-bit depth, colour, and per-file errors."""

import os
import sys

import numpy as np
import pytest
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
