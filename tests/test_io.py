"""Reading image files: formats, 16-bit depth, colour, and per-file errors."""

import os
import sys

import numpy as np
import pytest
from _images import cut_images, png_bytes, write_bad_files, write_images
from skimage import io

from gradhist_sklearn import GradientHistogramTransformer, ImageReadError, read_image
from gradhist_sklearn._batch import features_of_paths, features_of_paths_tolerant


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
    params = transformer._options()
    ok, histograms, orientations, errors = features_of_paths_tolerant(paths, params, budget)
    assert [paths[i] for i in ok] == good
    assert sorted(paths[i] for i, _ in errors) == sorted(set(paths) - set(good))
    assert all(isinstance(reason, str) and reason for _, reason in errors)
    rows = np.column_stack([histograms, orientations])
    np.testing.assert_array_equal(rows, transformer.fit_transform(good))
    strict = features_of_paths(good, 0, params)
    np.testing.assert_array_equal(histograms, strict[0])


def test_transformer_still_raises_on_the_first_bad_path(mixed_paths):
    paths, good = mixed_paths
    first_bad = next(p for p in paths if p not in good)
    assert first_bad.endswith("truncated.png")
    with pytest.raises(ImageReadError, match=r"truncated\.png") as info:
        GradientHistogramTransformer().fit_transform(paths)
    assert info.value.path == first_bad
