"""What ``gradhist extract`` refuses so that nothing is lost or silently wrong:
``--resume`` of a table made otherwise, two runs on one output, an output
that is an input, a missing input, an output that cannot be written; and
the files a killed run leaves, cleaned by the next one.

Run in-process (``main``) where the test needs to step in (a lock held, a
write that fails), in a subprocess where the real command matters.
"""

import os
import resource
import subprocess
import sys

import numpy as np
import pytest
from _images import cut_images, png_bytes, write_images

from gradhist_sklearn._cli import _tables, main

pytestmark = pytest.mark.explicit_engines  # about files and statuses, not the numbers

FORMATS = [".csv", ".parquet", ".npz"]


def status_of(args):
    """The exit status of ``main(args)``, whether it returns or exits."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exit_info:
        return exit_info.code


def table_paths(path):
    table_class = _tables.table_format(str(path))
    return table_class.read_paths(str(path))[2]


@pytest.fixture
def images(tmp_path, monkeypatch):
    """Three small images in ``tmp_path/images``, ``tmp_path`` the current directory."""
    cut = cut_images()
    write_images(tmp_path / "images", {name: cut[name] for name in
                                       ["camera_a.png", "camera_b.png", "coins.png"]})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def skip_without_pyarrow(suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")


@pytest.mark.parametrize("suffix", FORMATS)
def test_resume_refuses_other_options_in_every_format(images, capsys, suffix):
    skip_without_pyarrow(suffix)
    output = images / f"out{suffix}"
    assert status_of(["extract", "images", "-o", output, "-q"]) == 0
    before = output.read_bytes()
    # The same columns, other numbers: only the record of the options tells.
    assert status_of(["extract", "images", "-o", output, "--resume", "--normalize", "l1"]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert output.read_bytes() == before


@pytest.mark.parametrize("suffix", FORMATS)
def test_resume_refuses_a_table_of_another_version(images, monkeypatch, capsys, suffix):
    skip_without_pyarrow(suffix)
    output = images / f"out{suffix}"
    monkeypatch.setattr(_tables, "__version__", "0.0.old")
    assert status_of(["extract", "images", "-o", output, "-q"]) == 0
    monkeypatch.undo()
    os.chdir(images)  # undone with the version
    assert status_of(["extract", "images", "-o", output, "--resume"]) == 2
    assert "written by gradhist-sklearn 0.0.old" in capsys.readouterr().err


def test_resume_refuses_a_csv_without_its_record(images, capsys):
    assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 0
    os.remove("out.csv.options.json")
    assert status_of(["extract", "images", "-o", "out.csv", "--resume"]) == 2
    assert "does not record the options" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", FORMATS)
def test_resume_matches_files_by_resolved_path(images, monkeypatch, capsys, suffix):
    skip_without_pyarrow(suffix)
    output = images / f"out{suffix}"
    assert status_of(["extract", "images", "-o", output, "-q"]) == 0
    rows = table_paths(output)
    # The same files named by an absolute path: nothing to compute.
    assert status_of(["extract", images / "images", "-o", output, "--resume"]) == 0
    assert "3 files already there" in capsys.readouterr().err
    assert table_paths(output) == rows
    # From another working directory: still the same files, named from there.
    (images / "elsewhere").mkdir()
    monkeypatch.chdir(images / "elsewhere")
    assert status_of(["extract", "../images", "-o", output, "--resume"]) == 0
    assert "3 files already there" in capsys.readouterr().err
    assert table_paths(output) == [os.path.join("..", p) for p in rows]


@pytest.mark.parametrize("suffix", FORMATS)
def test_resume_keeps_the_rows_of_files_gone_unless_pruned(images, capsys, suffix):
    skip_without_pyarrow(suffix)
    output = images / f"out{suffix}"
    assert status_of(["extract", "images", "-o", output, "-q"]) == 0
    rows = table_paths(output)
    os.remove(images / "images" / "coins.png")
    assert status_of(["extract", "images", "-o", output, "--resume"]) == 0
    err = capsys.readouterr().err
    assert "3 kept (1 of files not among the inputs; --prune drops them), 0 added;" in err
    assert table_paths(output) == rows
    assert status_of(["extract", "images", "-o", output, "--resume", "--prune"]) == 0
    assert "2 kept, 0 added, 1 dropped" in capsys.readouterr().err
    assert table_paths(output) == [os.path.join("images", n)
                                   for n in ["camera_a.png", "camera_b.png"]]


def test_a_second_run_on_a_locked_output_is_refused(images, capsys):
    with _tables.OutputLock("out.csv"):
        assert status_of(["extract", "images", "-o", "out.csv"]) == 2
        assert "another gradhist run" in capsys.readouterr().err
        assert not os.path.exists("out.csv")
    assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 0
    assert sorted(os.listdir(images)) == ["images", "out.csv", "out.csv.options.json"]


def test_the_lock_is_held_by_another_process_too(images):
    # flock locks belong to the open file: a lock of another process refuses as well.
    script = ("import sys; from gradhist_sklearn._cli._tables import OutputLock\n"
              "with OutputLock('out.npz'):\n    print('locked', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=images,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert holder.stdout.readline() == "locked\n"
        assert status_of(["extract", "images", "-o", "out.npz"]) == 2
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    assert status_of(["extract", "images", "-o", "out.npz", "-q"]) == 0


@pytest.mark.parametrize("named", ["img.npz", "*.npz"])
def test_an_output_that_is_an_input_is_refused_before_reading(images, capsys, named):
    # A PNG under an npz name: the run would replace the image with a table.
    content = png_bytes(np.arange(64, dtype=np.uint8).reshape(8, 8))
    (images / "img.npz").write_bytes(content)
    assert status_of(["extract", named, "-o", "img.npz"]) == 2
    assert "is also an INPUT" in capsys.readouterr().err
    assert (images / "img.npz").read_bytes() == content


def test_an_output_found_through_a_link_in_a_folder_is_refused(images, capsys):
    # The folder's listing holds a link to OUTPUT under an image's name: the
    # run would replace the file the link reads.
    content = png_bytes(np.arange(64, dtype=np.uint8).reshape(8, 8))
    (images / "out.npz").write_bytes(content)
    (images / "images" / "alias.png").symlink_to(images / "out.npz")
    assert status_of(["extract", "images", "-o", "out.npz"]) == 2
    assert "is also an INPUT ('images/alias.png')" in capsys.readouterr().err
    assert (images / "out.npz").read_bytes() == content


def test_stale_scratch_files_of_a_killed_run_are_removed(images):
    stale = [".out.csv.4242-0123abcd.x1y2.csv.tmp", ".out.csv.4242-0123abcd.q.errors.csv.tmp"]
    others = [".out.csv.x.csv.4242-0123abcd.z.csv.tmp", ".other.csv.4242-0123abcd.z.csv.tmp"]
    for name in stale + others:
        (images / name).write_text("left by a run killed with SIGKILL")
    assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 0
    assert sorted(os.listdir(images)) == sorted(
        ["images", "out.csv", "out.csv.options.json", *others])


def test_a_missing_input_is_bad_usage_and_writes_nothing(images, capsys):
    assert status_of(["extract", "images", "no_such_folder", "-o", "e.csv"]) == 2
    err = capsys.readouterr().err
    assert "no_such_folder" in err and "Traceback" not in err
    assert sorted(os.listdir(images)) == ["images"]


def test_a_failed_write_has_its_own_status_and_one_line(images, monkeypatch, capsys):
    (images / "out.csv").write_text("an earlier table")

    def disk_full(self, paths, features):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_tables.CsvTable, "write", disk_full)
    assert status_of(["extract", "images", "-o", "out.csv"]) == 3
    err = capsys.readouterr().err
    assert err == "gradhist: cannot write out.csv: No space left on device\n"
    assert sorted(os.listdir(images)) == ["images", "out.csv"]
    assert (images / "out.csv").read_text() == "an earlier table"


def test_an_unwritable_output_folder_has_the_same_status(images, monkeypatch, capsys):
    def no_permission(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(images))

    monkeypatch.setattr(_tables.os, "open", no_permission)  # the lock file, first written
    assert status_of(["extract", "images", "-o", "out.npz"]) == 3
    assert capsys.readouterr().err.startswith("gradhist: cannot lock out.npz: Permission denied")


def test_a_full_disk_in_the_real_command(images):
    # A file-size limit makes writes fail as a full disk does (EFBIG; Python
    # ignores SIGXFSZ), in a real process, whoever runs the tests.
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    result = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "images", "-o", "out.csv"],
        cwd=images, capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("gradhist: cannot write out.csv: File too large")
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(images)) == ["images"]


def test_an_unknown_option_shows_the_usage_of_extract(images, capsys):
    assert status_of(["extract", "images", "-o", "x.csv", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "usage: gradhist extract" in err and "unrecognized arguments: --bogus" in err


def test_help_gives_every_exit_status(capsys):
    assert status_of(["extract", "--help"]) == 0
    out = capsys.readouterr().out
    for line in ["0  every input", "1  some inputs", "2  bad usage", "3  OUTPUT could not",
                 "130  interrupted"]:
        assert line in out, line



# -- what the INPUTs name ---------------------------------------------------------------


def test_sigma_takes_commas_and_cannot_swallow_an_input(images, capsys):
    assert status_of(["extract", "--sigma", "1,2", "images", "-o", "two.csv", "-q"]) == 0
    with open("two.csv", encoding="utf-8") as file:
        header = file.readline()
    assert "sigma1_" in header and "sigma2_" in header
    # The former spelling: "2" is an INPUT, which does not exist; said so.
    assert status_of(["extract", "--sigma", "1", "2", "images", "-o", "f.csv"]) == 2
    err = capsys.readouterr().err
    assert "'2' does not exist" in err and "--sigma 1,2" in err
    assert not os.path.exists("f.csv")
    assert status_of(["extract", "images", "-o", "f.csv", "--sigma", "1,x"]) == 2
    assert "separated by commas" in capsys.readouterr().err


def errors_of(path):
    import csv

    with open(path, newline="", encoding="utf-8") as file:
        return {row["path"]: row["reason"] for row in csv.DictReader(file)}


@pytest.mark.parametrize("recursive", [[], ["-r"]])
def test_links_that_cannot_be_followed_are_listed_not_a_traceback(images, capsys, recursive):
    os.symlink("loop.png", "images/loop.png")
    os.symlink("gone.png", "images/dangling.png")
    os.symlink(".", "images/again")  # a folder link loop: not followed
    assert status_of(["extract", "images", "-o", "out.csv", *recursive]) == 1
    assert "Traceback" not in capsys.readouterr().err
    errors = errors_of("out.csv.errors.csv")
    assert "loop of symbolic links" in errors[os.path.join("images", "loop.png")]
    assert "dangling symbolic link" in errors[os.path.join("images", "dangling.png")]
    assert len(table_paths("out.csv")) == 3


@pytest.mark.parametrize("recursive", [[], ["-r"]])
def test_a_folder_that_cannot_be_listed_is_in_the_errors_file(images, monkeypatch, capsys,
                                                              recursive):
    # Permissions do not stop root, who may run the tests: the listing fails instead.
    os.mkdir("images/locked")
    write_images(images / "images" / "locked", {"x.png": cut_images()["coins.png"]})
    locked = "images/locked" if recursive else "images"
    scandir = os.scandir

    def refusing(path="."):
        if os.path.normpath(os.fspath(path)) == os.path.normpath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    if not recursive:  # then the only INPUT gives no file: bad usage, nothing written
        assert status_of(["extract", "images", "-o", "out.csv"]) == 2
        err = capsys.readouterr().err
        assert "images: cannot list this folder: Permission denied" in err
        assert "Traceback" not in err and sorted(os.listdir(images)) == ["images"]
        return
    assert status_of(["extract", "images", "-o", "out.csv", *recursive]) == 1
    assert "Traceback" not in capsys.readouterr().err
    errors = errors_of("out.csv.errors.csv")
    assert errors[locked] == "cannot list this folder: Permission denied"


def test_without_recursive_the_skipped_folders_are_counted(images, capsys):
    os.mkdir("images/sub")
    write_images(images / "images" / "sub", {"x.png": cut_images()["coins.png"]})
    assert status_of(["extract", "images", "-o", "out.csv"]) == 0
    assert "1 sub-directories not searched (-r searches them)" in capsys.readouterr().err
    assert status_of(["extract", "images", "-o", "out.csv", "-r"]) == 0
    assert "not searched" not in capsys.readouterr().err


def test_a_double_star_pattern_without_recursive_hints_at_it(images, capsys):
    # It matches nothing, and nothing else is named: bad usage, with the hint.
    assert status_of(["extract", "nothing/**/*.png", "-o", "out.csv"]) == 2
    assert "only with -r/--recursive" in capsys.readouterr().err
    assert status_of(["extract", "nothing/**/*.png", "images", "-o", "out.csv"]) == 1
    assert "only with -r/--recursive" in capsys.readouterr().err


# -- a hostile corpus through the real command --------------------------------------


def test_hostile_corpus_every_file_a_row_or_a_reason(tmp_path):
    import csv

    from _images import write_hostile_corpus

    from gradhist_sklearn import GradientHistogramTransformer

    expected = write_hostile_corpus(tmp_path / "corpus")
    result = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "corpus", "-r", "-j", "2",
         "-o", "out.csv"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        errors="surrogateescape")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr

    def table(name):
        # Strict UTF-8: a name that is not is stored escaped, and path_of_text
        # gives it back (docs/extraction.rst).
        from gradhist_sklearn._cli._tables import path_of_text

        with open(tmp_path / name, newline="", encoding="utf-8") as file:
            return [[path_of_text(row[0]), *row[1:]] for row in list(csv.reader(file))[1:]]

    rows = {os.path.relpath(row[0], "corpus"): row[1:] for row in table("out.csv")}
    errors = {os.path.relpath(row[0], "corpus"): row[1] for row in table("out.csv.errors.csv")}
    assert not set(rows) & set(errors)
    assert sorted([*rows, *errors]) == sorted(expected)  # each file once, none lost
    for name, words in expected.items():
        if words is None:
            assert name in rows, (name, errors.get(name))
        else:
            assert words in errors[name], (name, errors[name])
    good = sorted(rows)
    reference = GradientHistogramTransformer().fit_transform(
        [str(tmp_path / "corpus" / name) for name in good])
    np.testing.assert_array_equal(np.array([[float(v) for v in rows[n]] for n in good]),
                                  reference)
