"""Extraction that never loses work: checkpoints that survive any stop, a
resume that keeps every row it is not asked to drop, damaged tables refused,
and rows in an order that does not depend on the working directory.

The reference for every resumed table is the table of one clean run of the
same command, compared row by row: the same paths in the same order, and the
same bytes of features (for a CSV, the same bytes of file).

Nothing here depends on timing. A command to be stopped runs a small
program around the real command (:data:`HELD_RUN`) that writes a checkpoint
part after every chunk of files and holds (sleeps) in the chunk after the
K-th: the test waits for the K parts on disk, stopping at once if the
command has ended, then signals it. Kills at random moments (seeded) let the
command run freely: whatever moment a kill lands at, the table the resume
ends with must be the clean one.
"""

import contextlib
import io
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from _images import png_bytes

from gradhist_sklearn._cli import _checkpoints, _extract, _tables, main
from gradhist_sklearn._cli._run import Progress

pytestmark = [pytest.mark.skipif(os.name != "posix", reason="POSIX signals"),
              pytest.mark.explicit_engines]  # about files and order, not the numbers

DEFAULT_ENGINE = "plain"  # nothing to compile, in this process or in a command's

FORMATS = [".csv", ".parquet", ".npz"]

#: Seconds a test waits for a command before it gives up: a guard against a
#: hang only (the wait ends as soon as the command ends).
PATIENCE = 600

#: ``python -c`` program: the real command, except that a checkpoint part is
#: written after every chunk of FILES_PER_CHUNK files (from the first), and, when HOLD_AFTER
#: is given, the command sleeps once it has written HOLD_AFTER parts, until
#: it is stopped. Arguments: FILES_PER_CHUNK HOLD_AFTER(-1: never) ARGS...
HELD_RUN = """\
import sys, time
from gradhist_sklearn._cli import _checkpoints, _extract, main

per_chunk, hold_after = int(sys.argv[1]), int(sys.argv[2])
_checkpoints.CHECKPOINT_SECONDS = 0.0
_checkpoints.CHECKPOINT_FIRST_ROWS = 0
_extract.FILES_PER_CHUNK = per_chunk
write, written = _checkpoints.Checkpoints.write_part, []

def write_then_hold(self):
    write(self)
    written.append(1)
    if len(written) == hold_after:
        while True:
            time.sleep(3600)

_checkpoints.Checkpoints.write_part = write_then_hold
sys.exit(main(sys.argv[3:]))
"""


def default_sigint():
    """For ``preexec_fn``: SIGINT at its default, as from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt here even when the tests run in the background."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def skip_without_pyarrow(suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")


def status_of(args):
    """The exit status of ``main(args)``, whether it returns or exits."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exit_info:
        return exit_info.code


def write_pngs(folder, n, seed=0, prefix="img"):
    """``n`` distinct 20x20 PNG files in ``folder``; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = []
    for i in range(n):
        name = f"{prefix}{i:03d}.png"
        (folder / name).write_bytes(png_bytes(rng.integers(0, 256, (20, 20), dtype=np.uint8)))
        names.append(name)
    return names


def rows_of(path):
    """``[(path, bytes of the row)]`` of a table, in order."""
    table_class = _tables.table_format(str(path))
    return [(name, np.asarray(row, dtype=np.float64).tobytes())
            for name, row in table_class.iter_rows(str(path))]


def same_table(path, reference):
    """Assert that the table ``path`` is the table ``reference``: rows, order,
    bytes of features; for a CSV, the bytes of the file."""
    assert rows_of(path) == rows_of(reference)
    if str(path).endswith(".csv"):
        assert path.read_bytes() == reference.read_bytes()


def parts_dir(output):
    return output.parent / f".{output.name}.parts"


def parts_on_disk(output):
    folder = parts_dir(output)
    with contextlib.suppress(FileNotFoundError):
        return sorted(name for name in os.listdir(folder) if name.endswith(".npz"))
    return []


def start(args, cwd, per_chunk=2, hold_after=-1, stderr=None):
    """The command in a subprocess, run by :data:`HELD_RUN`."""
    return subprocess.Popen(
        [sys.executable, "-c", HELD_RUN, str(per_chunk), str(hold_after),
         *[str(a) for a in args]],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr or subprocess.PIPE, text=True,
        preexec_fn=default_sigint)


def wait_until(condition, process, what):
    """Poll ``condition``; stop at once (False) when ``process`` has ended."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, f"the command never got to {what}"
        time.sleep(0.005)
    return True


def rows_in_parts(output):
    """The number of rows the checkpoint parts of ``output`` hold (read with numpy)."""
    total = 0
    for name in parts_on_disk(output):
        with np.load(parts_dir(output) / name) as archive:
            total += len(archive["features"])
    return total


def held_until_parts(args, cwd, output, parts, per_chunk=2):
    """Start the command, and return it once it has written ``parts``
    checkpoint parts (it then sleeps)."""
    process = start(args, cwd, per_chunk=per_chunk, hold_after=parts)
    try:
        reached = wait_until(lambda: len(parts_on_disk(output)) >= parts, process,
                             f"{parts} parts")
        assert reached, f"the command ended first:\n{process.communicate()[1]}"
    except BaseException:
        process.kill()
        process.communicate()
        raise
    assert len(parts_on_disk(output)) == parts  # it holds: no more parts come
    return process


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """30 images in ``tmp_path/images``; ``tmp_path`` the current directory."""
    write_pngs(tmp_path / "images", 30)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- stopped runs, then --resume ------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_sigkill_at_70_percent_then_resume_gives_the_clean_table(folder, suffix):
    skip_without_pyarrow(suffix)
    clean, output = folder / f"clean{suffix}", folder / f"out{suffix}"
    assert status_of(["extract", "images", "-o", clean, "-q"]) == 0
    # 15 chunks of 2 files: held after 10 (two thirds), killed with SIGKILL.
    process = held_until_parts(["extract", "images", "-o", output], folder, output, 10)
    process.kill()
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert not output.exists() and len(parts_on_disk(output)) == 10
    kept = rows_in_parts(output)
    assert 17 <= kept <= 22  # ten chunks of the 16 of one or two files
    resumed = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "images", "-o", output.name,
         "--resume"], cwd=folder, capture_output=True, text=True, timeout=PATIENCE)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {kept} of 30 files to add have rows in the checkpoints" in (
        resumed.stderr)
    assert f"30 rows in out{suffix}; 0 kept, 30 added ({kept} from checkpoints)" in (
        resumed.stderr)
    same_table(output, clean)
    assert not parts_dir(output).exists()  # removed once the table is committed


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_keeps_the_parts_and_says_so_output_untouched(folder, sig, status):
    """Ctrl-C (or SIGTERM) in a resumed run: OUTPUT stays as it was, the
    parts stay and the message says where; a resume then ends with the
    clean table."""
    clean, output = folder / "clean.csv", folder / "out.csv"
    assert status_of(["extract", "images", "-o", clean, "-q"]) == 0
    write_pngs(folder / "first", 6, seed=1)
    assert status_of(["extract", "first", "-o", output, "-q"]) == 0
    before = output.read_bytes()
    # The same six files under their own names, and all of images: 36 to add.
    process = held_until_parts(["extract", "images", "-o", output, "--resume"], folder,
                               output, 7)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=PATIENCE)
    assert process.returncode == status, stderr
    assert stderr.splitlines()[-1] == (
        f"gradhist: interrupted; {output} was not written or changed; "
        f"{rows_in_parts(output)} rows are kept in {parts_dir(output)}: run again with "
        "--resume to continue from them")
    assert output.read_bytes() == before and len(parts_on_disk(output)) == 7
    assert not [n for n in os.listdir(parts_dir(output)) if n.endswith(".tmp")]
    assert status_of(["extract", "images", "-o", output, "--resume", "--prune", "-q"]) == 0
    same_table(output, clean)  # first/'s rows pruned, the rest from parts and computed


def test_random_kills_then_resume_give_the_clean_table(tmp_path):
    """Seven runs killed with SIGKILL at random moments (seeded: after a
    random number of new parts, wherever the command then is: computing,
    writing a part, writing or committing the table), then a resume to the
    end: the clean table."""
    write_pngs(tmp_path / "images", 60)
    clean, output = tmp_path / "clean.npz", tmp_path / "out.npz"
    args = ["extract", "images", "-o"]
    assert subprocess.run([sys.executable, "-m", "gradhist_sklearn", *args, clean.name, "-q"],
                          cwd=tmp_path, timeout=PATIENCE).returncode == 0
    rng = np.random.default_rng(2026)
    for _ in range(7):
        target = len(parts_on_disk(output)) + int(rng.integers(1, 5))
        process = start([*args, output.name, "--resume", "-q"], tmp_path)
        try:
            wait_until(lambda target=target: len(parts_on_disk(output)) >= target, process,
                       "new parts")
        finally:
            process.kill()
            _, stderr = process.communicate()
        assert process.returncode in (0, -signal.SIGKILL), stderr
    final = start([*args, output.name, "--resume", "-q"], tmp_path)
    _, stderr = final.communicate(timeout=PATIENCE)
    assert final.returncode == 0, stderr
    same_table(output, clean)
    assert sorted(os.listdir(tmp_path)) == ["clean.npz", "images", "out.npz"]


def interrupt_after(monkeypatch, n_parts):
    """In this process: a part after every chunk of 2 files, and Ctrl-C just
    after the ``n_parts``-th part is written."""
    monkeypatch.setattr(_checkpoints, "CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(_checkpoints, "CHECKPOINT_FIRST_ROWS", 0)
    monkeypatch.setattr(_extract, "FILES_PER_CHUNK", 2)
    write, written = _checkpoints.Checkpoints.write_part, []

    def write_then_interrupt(self):
        write(self)
        written.append(1)
        if len(written) == n_parts:
            raise KeyboardInterrupt

    monkeypatch.setattr(_checkpoints.Checkpoints, "write_part", write_then_interrupt)


def test_the_resume_says_how_much_it_takes_from_checkpoints(folder, monkeypatch, capsys):
    assert status_of(["extract", "images", "-o", "clean.csv", "-q"]) == 0
    with monkeypatch.context() as patched:
        interrupt_after(patched, 4)
        assert status_of(["extract", "images", "-o", "out.csv"]) == 130
    kept = rows_in_parts(folder / "out.csv")
    assert 4 <= kept <= 8  # four chunks of one or two files
    assert capsys.readouterr().err.endswith(
        f"; {kept} rows are kept in {parts_dir(folder / 'out.csv')}: run again with "
        "--resume to continue from them\n")
    assert status_of(["extract", "images", "-o", "out.csv", "--resume"]) == 0
    assert capsys.readouterr().err == (
        f"gradhist: resuming: {kept} of 30 files to add have rows in the checkpoints of an "
        "interrupted run\n"
        f"gradhist: 30 rows in out.csv; 0 kept, 30 added ({kept} from checkpoints)\n")
    same_table(folder / "out.csv", folder / "clean.csv")


def test_the_progress_bar_starts_at_the_resumed_files():
    now = [0.0]
    stream = io.StringIO()
    bar = Progress(100, stream, done=60, clock=lambda: now[0])
    now[0] = 2.0
    bar.update(20)  # 20 files in 2 s this run: 10 img/s, 20 left -> 2 s
    assert bar.line() == f"[{'#' * 19}{'-' * 5}]  80% 80/100 10.0 img/s 00:02 left"
    assert stream.getvalue()


def test_checkpoints_are_taken_from_another_working_directory(folder, monkeypatch):
    """Parts name files by absolute path: a resume from another working
    directory takes them, and names the rows from there."""
    with monkeypatch.context() as patched:
        interrupt_after(patched, 6)
        assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 130
    (folder / "elsewhere").mkdir()
    monkeypatch.chdir(folder / "elsewhere")
    assert status_of(["extract", "../images", "-o", "../out.csv", "--resume", "-q"]) == 0
    assert status_of(["extract", "../images", "-o", "../clean.csv", "-q"]) == 0
    same_table(folder / "out.csv", folder / "clean.csv")


def test_parts_left_by_a_run_killed_after_its_commit_go_with_the_next_resume(folder,
                                                                           monkeypatch):
    assert status_of(["extract", "images", "-o", "clean.csv", "-q"]) == 0
    with monkeypatch.context() as patched:
        interrupt_after(patched, 3)
        assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 130
    with monkeypatch.context() as patched:  # killed between the commit and the removal
        patched.setattr(_checkpoints.Checkpoints, "remove", lambda self: None)
        assert status_of(["extract", "images", "-o", "out.csv", "--resume", "-q"]) == 0
    assert len(parts_on_disk(folder / "out.csv")) == 3
    assert status_of(["extract", "images", "-o", "out.csv", "--resume", "-q"]) == 0
    same_table(folder / "out.csv", folder / "clean.csv")
    assert not parts_dir(folder / "out.csv").exists()


def test_checkpoints_of_other_options_are_refused_never_mixed(folder, monkeypatch, capsys):
    with monkeypatch.context() as patched:
        interrupt_after(patched, 5)
        assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 130
    parts = parts_on_disk(folder / "out.csv")
    capsys.readouterr()
    assert status_of(["extract", "images", "-o", "out.csv", "--resume", "--angle-bins",
                      "18"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume: the checkpoints in" in err and "computed otherwise" in err
    # Rows of another engine differ in their last bits: refused as well.
    record_file = parts_dir(folder / "out.csv") / _checkpoints.RECORD
    record = record_file.read_text()
    record_file.write_text(record.replace('"engine": "plain"', '"engine": "numba"'))
    assert status_of(["extract", "images", "-o", "out.csv", "--resume", "-q"]) == 2
    assert "computed otherwise" in capsys.readouterr().err
    record_file.write_text(record)
    # A run without --resume does not discard hours of work unasked.
    assert status_of(["extract", "images", "-o", "out.csv"]) == 2
    assert "add --resume to continue from them, or remove that directory" in (
        capsys.readouterr().err)
    assert parts_on_disk(folder / "out.csv") == parts and not (folder / "out.csv").exists()


def test_stale_scratch_files_go_and_the_parts_stay(folder, monkeypatch):
    assert status_of(["extract", "images", "-o", "clean.csv", "-q"]) == 0
    with monkeypatch.context() as patched:
        interrupt_after(patched, 5)
        assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 130
    rows_in_parts_before = rows_in_parts(folder / "out.csv")
    assert len(parts_on_disk(folder / "out.csv")) == 5
    # What a SIGKILL leaves: scratch files of the table, of a part being written.
    (folder / ".out.csv.4242-0123abcd.x1y2.csv.tmp").write_text("killed")
    (parts_dir(folder / "out.csv") / _checkpoints.SCRATCH).write_text("killed mid-part")
    loaded = []
    with monkeypatch.context() as patched:
        load = _checkpoints.Checkpoints.load
        patched.setattr(_checkpoints.Checkpoints, "load",
                        lambda self: (load(self), loaded.append(self.rows)))
        assert status_of(["extract", "images", "-o", "out.csv", "--resume", "-q"]) == 0
    assert loaded == [rows_in_parts_before]  # every part is still there
    same_table(folder / "out.csv", folder / "clean.csv")
    assert sorted(os.listdir(folder)) == ["clean.csv", "clean.csv.options.json", "images",
                                          "out.csv", "out.csv.options.json"]


def test_an_unreadable_part_is_computed_again(folder, monkeypatch, capsys):
    assert status_of(["extract", "images", "-o", "clean.npz", "-q"]) == 0
    with monkeypatch.context() as patched:
        interrupt_after(patched, 5)
        assert status_of(["extract", "images", "-o", "out.npz", "-q"]) == 130
    first = parts_dir(folder / "out.npz") / parts_on_disk(folder / "out.npz")[0]
    with np.load(first) as archive:
        kept = rows_in_parts(folder / "out.npz") - len(archive["features"])
    first.write_bytes(first.read_bytes()[:100])
    capsys.readouterr()
    assert status_of(["extract", "images", "-o", "out.npz", "--resume"]) == 0
    err = capsys.readouterr().err
    assert "checkpoint part 00000001.npz cannot be read" in err
    assert f"resuming: {kept} of 30 files" in err
    same_table(folder / "out.npz", folder / "clean.npz")


# -- a resume never deletes without being asked ---------------------------------------


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_a_resume_whose_inputs_match_nothing_changes_nothing(tmp_path, monkeypatch, capsys,
                                                             quiet):
    pytest.importorskip("pyarrow")
    write_pngs(tmp_path / "big", 12)
    monkeypatch.chdir(tmp_path)
    assert status_of(["extract", "big", "-o", "w.parquet", "-q"]) == 0
    before = (tmp_path / "w.parquet").read_bytes()
    capsys.readouterr()
    assert status_of(["extract", "big/*.PNG", "-o", "w.parquet", "--resume", *quiet]) == 2
    err = capsys.readouterr().err
    assert "big/*.PNG: the pattern matched no file" in err and "nothing was" in err
    assert (tmp_path / "w.parquet").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["big", "w.parquet"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_resume_with_other_inputs_keeps_the_rows_and_adds(tmp_path, monkeypatch, capsys,
                                                            suffix):
    skip_without_pyarrow(suffix)
    write_pngs(tmp_path / "a", 5, seed=1)
    write_pngs(tmp_path / "b", 4, seed=2)
    monkeypatch.chdir(tmp_path)
    assert status_of(["extract", "a", "b", "-o", f"full{suffix}", "-q"]) == 0
    assert status_of(["extract", "a", "-o", f"out{suffix}", "-q"]) == 0
    capsys.readouterr()
    assert status_of(["extract", "b", "-o", f"out{suffix}", "--resume"]) == 0
    assert capsys.readouterr().err == (
        f"gradhist: 9 rows in out{suffix}; 5 kept (5 of files not among the inputs; --prune "
        "drops them), 4 added\n")
    same_table(tmp_path / f"out{suffix}", tmp_path / f"full{suffix}")


def test_forgetting_recursive_on_a_resume_keeps_the_sub_folders_rows(tmp_path, monkeypatch):
    write_pngs(tmp_path / "tree", 3, seed=1)
    write_pngs(tmp_path / "tree" / "sub", 3, seed=2)
    monkeypatch.chdir(tmp_path)
    assert status_of(["extract", "tree", "-r", "-o", "out.csv", "-q"]) == 0
    before = (tmp_path / "out.csv").read_bytes()
    write_pngs(tmp_path / "tree", 1, seed=3, prefix="new")
    assert status_of(["extract", "tree", "-o", "out.csv", "--resume", "-q"]) == 0
    assert status_of(["extract", "tree", "-r", "-o", "full.csv", "-q"]) == 0
    same_table(tmp_path / "out.csv", tmp_path / "full.csv")
    assert before != (tmp_path / "out.csv").read_bytes()


# -- damaged tables -------------------------------------------------------------------


def cut_mid_row(data):
    """A CSV table cut off in the middle of its last row (a full disk)."""
    return data[:data.rindex(b"\n", 0, len(data) - 1) + 40]


def cut_mid_number(data):
    """Cut inside the last value of a row: as many fields, a shorter number."""
    return data[:data.rindex(b"\n", 0, len(data) - 1) - 3]


@pytest.mark.parametrize("damage", [cut_mid_row, cut_mid_number])
def test_a_truncated_csv_is_refused_clearly(folder, capsys, damage):
    assert status_of(["extract", "images", "-o", "out.csv", "-q"]) == 0
    damaged = damage((folder / "out.csv").read_bytes())
    (folder / "out.csv").write_bytes(damaged)
    assert status_of(["extract", "images", "-o", "out.csv", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume from 'out.csv': the table is damaged" in err
    assert "Traceback" not in err and (folder / "out.csv").read_bytes() == damaged


@pytest.mark.parametrize("suffix", [".parquet", ".npz"])
@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_corrupt_binary_table_is_refused_clearly(folder, capsys, suffix, where):
    skip_without_pyarrow(suffix)
    output = folder / f"out{suffix}"
    assert status_of(["extract", "images", "-o", output, "-q"]) == 0
    data = bytearray(output.read_bytes())
    if where == "end":
        data = data[:len(data) * 2 // 3]
    else:  # bytes of the features overwritten
        middle = len(data) // 2
        data[middle:middle + 64] = b"\xff" * 64
    output.write_bytes(bytes(data))
    # 64 bytes of 0xff: a zip member's checksum fails; in parquet's float
    # columns they are NaN (refused as damaged), elsewhere a reader fails.
    assert status_of(["extract", "images", "-o", output, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"cannot resume from {str(output)!r}" in err and "Traceback" not in err
    assert output.read_bytes() == bytes(data)


# -- row order ------------------------------------------------------------------------


def test_row_order_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    write_pngs(tmp_path / "a", 3, seed=1)
    write_pngs(tmp_path / "b", 3, seed=2)
    monkeypatch.chdir(tmp_path)
    assert status_of(["extract", "a", "b", "-o", "full.csv", "-q"]) == 0
    assert status_of(["extract", "a", "-o", "out.csv", "-q"]) == 0
    monkeypatch.chdir(tmp_path / "a")
    assert status_of(["extract", ".", "../b", "-o", "../out.csv", "--resume", "-q"]) == 0
    assert status_of(["extract", ".", "../b", "-o", "../from_a.csv", "-q"]) == 0
    full, resumed = rows_of(tmp_path / "full.csv"), rows_of(tmp_path / "out.csv")
    from_a = rows_of(tmp_path / "from_a.csv")
    assert [p for p, _ in resumed] == [p for p, _ in from_a] == [
        *[f"img00{i}.png" for i in range(3)], *[f"../b/img00{i}.png" for i in range(3)]]
    assert [r for _, r in resumed] == [r for _, r in from_a] == [r for _, r in full]
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "from_a.csv").read_bytes()
