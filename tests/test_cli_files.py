"""Finding the files the command's INPUT arguments name: each file once, links
to directories followed, link loops walked once, and an order that does not
depend on the working directory."""

import os
import subprocess
import sys

import numpy as np
import pytest
from _images import cut_images, png_bytes

from gradhist_sklearn._cli._files import find_images

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt",
                                reason="needs symbolic links")


def touch_images(root, *names):
    """Small PNG files at ``root/name`` for each name (folders made)."""
    image = png_bytes(cut_images()["coins.png"])
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image)


@pytest.fixture
def looped(tmp_path, monkeypatch):
    """``tree`` of 4 images whose sub-folder links back up (``tree/sub/up -> ..``);
    the working directory is ``tmp_path``."""
    touch_images(tmp_path, "tree/a.png", "tree/b.png", "tree/sub/c.png", "tree/sub/d.png")
    os.symlink("..", tmp_path / "tree" / "sub" / "up")
    monkeypatch.chdir(tmp_path)
    return [os.path.join("tree", *n) for n in [("a.png",), ("b.png",), ("sub", "c.png"),
                                                ("sub", "d.png")]]


@pytest.mark.parametrize("inputs", [["tree"], ["tree/**/*.png"], ["tree/**"],
                                    ["tree", "tree/sub", "tree/**/*.png"]])
def test_a_link_loop_gives_each_file_once(looped, inputs):
    # 'tree/**/*.png' -r gave 163 rows for these 4 files: glob follows the
    # loop until the path is too long.
    found = find_images(inputs, recursive=True)
    assert found.paths == looped and found.problems == []


def test_two_loops_in_one_folder_end_at_once(looped):
    # Two links back up make glob's walk grow as 2 to the power of the depth.
    os.symlink("..", os.path.join("tree", "sub", "up2"))
    os.symlink(".", os.path.join("tree", "here"))
    for inputs in (["tree"], ["tree/**/*.png"]):
        assert find_images(inputs, recursive=True).paths == looped


def test_recursive_follows_a_linked_directory(tmp_path, monkeypatch):
    # A linked directory was skipped without a word: its images never
    # became rows.
    touch_images(tmp_path, "tree/a.png", "elsewhere/b.png", "elsewhere/deeper/c.png")
    os.symlink(os.path.join("..", "elsewhere"), tmp_path / "tree" / "linked")
    monkeypatch.chdir(tmp_path)
    expected = [os.path.join("tree", "a.png"), os.path.join("tree", "linked", "b.png"),
                os.path.join("tree", "linked", "deeper", "c.png")]
    assert find_images(["tree"], recursive=True).paths == expected
    assert find_images(["tree/**/*.png"], recursive=True).paths == expected
    # without -r the linked folder is one more sub-directory not searched
    flat = find_images(["tree"])
    assert flat.paths == expected[:1] and flat.unsearched == 1


def test_a_directory_reached_by_two_paths_is_walked_once(tmp_path, monkeypatch):
    touch_images(tmp_path, "tree/real/x.png", "tree/real/y.png")
    os.symlink("real", tmp_path / "tree" / "alias")  # sorts first: its names are kept
    monkeypatch.chdir(tmp_path)
    expected = [os.path.join("tree", "alias", n) for n in ("x.png", "y.png")]
    assert find_images(["tree"], recursive=True).paths == expected
    assert find_images(["tree/**/*.png"], recursive=True).paths == expected


def test_a_file_named_through_a_link_is_one_file(tmp_path, monkeypatch):
    touch_images(tmp_path, "dir/x.png", "dir/y.png")
    os.symlink("dir", tmp_path / "link")
    os.symlink("y.png", tmp_path / "dir" / "y_again.png")
    monkeypatch.chdir(tmp_path)
    found = find_images(["link/x.png", "dir", str(tmp_path / "dir" / "x.png"), "link/*.png"])
    assert found.paths == [os.path.join("dir", "x.png"), os.path.join("dir", "y.png")]


def test_the_order_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    # From inside 'a', '../b' sorted before 'x.png' as a string: the rows of
    # a resume run from there came out of a full run's order.
    touch_images(tmp_path, "a/x.png", "a/y.png", "a-b/z.png", "b/m.png", "b/sub/n.png")
    monkeypatch.chdir(tmp_path)
    from_top = find_images(["b", "a", "a-b"], recursive=True).paths
    monkeypatch.chdir(tmp_path / "a")
    from_a = find_images([os.path.join("..", "b"), ".", os.path.join("..", "a-b")],
                         recursive=True).paths
    monkeypatch.chdir(tmp_path / "b" / "sub")
    from_sub = find_images([str(tmp_path / "a-b"), os.path.join("..", "..", "a"), ".."],
                           recursive=True).paths
    located = [[os.path.join(where, p) for p in paths] for where, paths in
               [(tmp_path, from_top), (tmp_path / "a", from_a),
                (tmp_path / "b" / "sub", from_sub)]]
    absolute = [[os.path.normpath(p) for p in paths] for paths in located]
    assert absolute[0] == absolute[1] == absolute[2] == sorted(absolute[0])
    assert len(absolute[0]) == 5
    # names stay as reached from the inputs; from one folder, that is their order
    assert from_top == sorted(from_top) and from_top[1] == os.path.join("a", "x.png")
    assert from_a[1:3] == ["x.png", "y.png"]


def test_the_output_is_excluded_through_a_link(tmp_path, monkeypatch):
    touch_images(tmp_path, "dir/x.png", "dir/out.png")
    os.symlink("dir", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    assert find_images(["dir"], exclude=[os.path.join("link", "out.png")]).paths == [
        os.path.join("dir", "x.png")]


def test_the_command_on_a_link_loop_gives_one_row_per_file(looped, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "tree/**/*.png", "-r",
         "-o", "out.csv", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = (tmp_path / "out.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == looped
    from gradhist_sklearn import GradientHistogramTransformer

    np.testing.assert_array_equal(
        np.array([[float(v) for v in row.split(",")[1:]] for row in rows]),
        GradientHistogramTransformer().fit_transform([str(tmp_path / p) for p in looped]))
