"""Running the command: interruptions and signals, exit statuses, and the
progress bar."""

import contextlib
import fcntl
import importlib.util
import io
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import numpy as np
import pytest
from _images import cut_images, png_bytes, write_images

from gradhist_sklearn._cli import _extract, _tables, main
from gradhist_sklearn._cli._run import Console, Progress
from gradhist_sklearn._cli._signals import Terminated, deferred_signals, sigterm_raises
from gradhist_sklearn._engines import ENV_VAR, numba_available

# The command's handling of signals, outputs and the progress display is the
# same whichever engine computes the rows, so the numpy engine runs (it has
# nothing to compile, in this process or in a command's); the compiled one
# runs where it decides the mechanism: --n-jobs as threads.
pytestmark = [pytest.mark.skipif(os.name != "posix", reason="POSIX signals and pipes"),
              pytest.mark.explicit_engines]

DEFAULT_ENGINE = "plain"

#: pyarrow is optional: without it (as at the declared floors) skip, not fail.
needs_pyarrow = pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                                   reason="pyarrow is not installed (the [parquet] extra)")


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt here, as in a terminal, even when the
    tests run in the background (a shell starts background jobs with SIGINT
    ignored, and Python then leaves it ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def default_sigint():
    """For ``preexec_fn``: the command starts with SIGINT at its default, as
    from a terminal, whatever the tests inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def bytes_waiting(pipe):
    """Bytes written into ``pipe`` that nobody has read yet."""
    return int.from_bytes(fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0" * 4), "little")


def pipe_capacity(pipe):
    """Bytes ``pipe`` holds before a writer blocks (Linux tells; 64 KiB elsewhere)."""
    if hasattr(fcntl, "F_GETPIPE_SZ"):
        return fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
    return 1 << 16


def blocked_writing(process, pipe):
    """True once ``process``'s main thread waits for room in ``pipe``: the
    pipe is more than half full and (on Linux) the thread's kernel wait
    channel is the pipe write; without /proc, once the pipe is all but full."""
    if bytes_waiting(pipe) <= pipe_capacity(pipe) // 2:
        return False
    try:
        with open(f"/proc/{process.pid}/wchan") as file:
            channel = file.read()
    except OSError:
        channel = "0"  # no /proc
    if channel in ("", "0"):  # no wait channel shown
        return bytes_waiting(pipe) >= pipe_capacity(pipe) - 4096
    return "pipe_write" in channel


#: Seconds a test waits for a command before it gives up: only a guard
#: against a hang, as no verdict rests on it; it leaves time for numba to
#: compile the kernels with an empty cache on a busy machine (about a minute
#: per kernel here).
PATIENCE = 600


def wait_for(condition, what, process=None):
    """Poll ``condition`` until it holds; fail at once if ``process`` (a
    ``Popen`` that must still run) has exited, with its standard error, and
    after PATIENCE seconds in any case."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the run ended (status {process.returncode}) before "
                                 f"{what}:\n{_stderr_of(process)}")
        assert time.monotonic() < deadline, f"the run never got to {what}"
        time.sleep(0.005)


def _stderr_of(process):
    """What an ended ``process`` wrote on its standard error (a pipe or a file)."""
    stream = process.stderr
    if stream is None:
        return "(standard error not captured)"
    with contextlib.suppress(Exception):
        stream.seek(0)
    text = stream.read()
    return text[-3000:] if isinstance(text, str) else text[-3000:].decode(errors="replace")


@pytest.mark.parametrize(
    "sig, status, n_jobs, whole_group, command_engine",
    [(signal.SIGINT, 130, 1, False, "plain"), (signal.SIGTERM, 143, 1, False, "plain"),
     (signal.SIGINT, 130, 2, True, "numba"), (signal.SIGINT, 130, 2, True, "plain")],
)
@needs_pyarrow
def test_interrupted_run_leaves_nothing_behind(tmp_path, sig, status, n_jobs, whole_group,
                                               command_engine):
    """Stop a run mid-way: the old OUTPUT stays as it was, byte for byte, and
    no temporary file remains. ``whole_group`` signals the command and its
    workers together, as Ctrl-C in a terminal does.

    The engine matters with two jobs, run as threads with the compiled one
    and as worker processes with numpy's: both are signalled. With one job
    the signal lands in the command's own thread, blocked writing, whichever
    engine computed the rows: the numpy engine runs.

    Nothing here depends on timing. The run cannot finish before the signal:
    it has more to say on standard error (a line per unreadable file) than
    the pipe holds, and the test reads nothing until it has signalled, so
    the command blocks writing. The signal is sent only once the run has
    provably started and is blocked there: its scratch files exist, and its
    main thread waits for room in the full pipe.
    """
    if command_engine == "numba" and not numba_available():
        pytest.skip("numba cannot be imported (a dependency: pip install numba)")
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    blobs = [png_bytes(rng.integers(0, 256, (24, 24), dtype=np.uint8)) for _ in range(16)]
    # 1000 lines of over 200 bytes: several times what a pipe holds (asserted below).
    n_files, empty_name = 1000, "an empty file " * 10
    for i in range(n_files):
        (folder / f"{i:05d}.png").write_bytes(blobs[i % len(blobs)])
        (folder / f"{i:05d}-{empty_name}.png").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    (out / "features.parquet").write_bytes(b"an earlier, complete table")
    # Sobel without re-binning: what the rows hold is not the subject, and of
    # the compiled kernels it is the quickest to compile (the command
    # compiles what it runs when numba's cache is empty).
    process = subprocess.Popen(
        [sys.executable, "-m", "gradhist_sklearn", "extract", str(folder), "-o",
         str(out / "features.parquet"), "--n-jobs", str(n_jobs), "--operator", "sobel",
         "--no-rotation-invariant"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=whole_group, preexec_fn=default_sigint,
        env={**os.environ, ENV_VAR: command_engine},
    )
    try:
        line = f"gradhist: cannot read {folder}/00000-{empty_name}.png: the file is empty"
        assert n_files * len(line) > pipe_capacity(process.stderr)  # so the run must block
        wait_for(lambda: len(os.listdir(out)) >= 2, "its scratch files", process)
        wait_for(lambda: blocked_writing(process, process.stderr), "a full standard error",
                 process)
        assert process.poll() is None
        if whole_group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        _, stderr = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, stderr[-2000:]
    lines = stderr.splitlines()
    expected = f"gradhist: interrupted; {out / 'features.parquet'} was not written or changed"
    # Rows computed before the signal may have been committed as checkpoint
    # parts (a part is cut once a second of work has passed): then they stay,
    # and the line says where.
    parts = out / ".features.parquet.parts"
    if parts.exists():
        assert not [name for name in os.listdir(parts) if name.endswith(".tmp")]
        kept = [line for line in lines if line.startswith(expected + "; ")]
        assert len(kept) == 1 and kept[0].endswith(
            f" rows are kept in {parts}: run again with --resume to continue from them")
        expected = kept[0]
    assert expected in lines, stderr[-2000:]
    others = [line for line in lines
              if line != expected and not line.startswith("gradhist: cannot read ")]
    if whole_group:
        # Workers signalled with the command may print their own traceback
        # anywhere in the shared standard error; the command adds nothing
        # (no joblib warning about the tasks it cancelled).
        assert not any("Warning" in line for line in others), others
    else:
        assert others == [] and lines[-1] == expected  # no traceback, nothing after
    left = ["features.parquet", *([parts.name] if parts.exists() else [])]
    assert sorted(os.listdir(out)) == sorted(left)
    assert (out / "features.parquet").read_bytes() == b"an earlier, complete table"


@pytest.fixture
def one_image_run(tmp_path, monkeypatch):
    """A folder of two images and one unreadable file, as the current directory."""
    images = cut_images()
    write_images(tmp_path / "images", {k: images[k] for k in ["camera_a.png", "coins.png"]})
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("suffix", [".csv", pytest.param(".parquet", marks=needs_pyarrow),
                                    ".npz"])
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_writing_keeps_the_old_output(one_image_run, monkeypatch, capsys, suffix,
                                                   sig, status):
    output = one_image_run / f"out{suffix}"
    output.write_bytes(b"an earlier table")
    table_class = _tables.table_format(output.name)
    monkeypatch.setattr(table_class, "write", lambda *args: signal.raise_signal(sig))
    assert main(["extract", "images", "-o", output.name]) == status
    err = capsys.readouterr().err
    assert err.endswith(f"gradhist: interrupted; {output.name} was not written or changed\n")
    assert output.read_bytes() == b"an earlier table"
    assert sorted(os.listdir(one_image_run)) == ["images", output.name]


@pytest.mark.parametrize("engine", ["plain", "numba"], indirect=True)
def test_n_jobs_runs_threads_with_the_compiled_engine(one_image_run, monkeypatch, engine):
    # Worker processes each import numpy, joblib and numba and load the
    # compiled kernels again; the compiled engine releases the GIL, so the
    # command runs its --n-jobs as threads of this process with it.
    calls = []
    compute = _extract.histograms_of_files

    def recorded(*args, **kwargs):
        calls.append((os.getpid(), threading.current_thread() is threading.main_thread()))
        return compute(*args, **kwargs)

    monkeypatch.setattr(_extract, "histograms_of_files", recorded)
    # Sobel without re-binning: the kernel the interrupted-run test compiles.
    assert main(["extract", "images", "-o", "out.csv", "--n-jobs", "2", "--quiet",
                 "--operator", "sobel", "--no-rotation-invariant"]) == 1
    if engine == "numba":
        assert calls and all(call == (os.getpid(), False) for call in calls)
    else:  # processes: the calls happened in other processes, unrecorded here
        assert calls == []


def test_the_command_s_computation_imports_no_scikit_learn():
    code = ("import sys, gradhist_sklearn._cli._extract\n"
            "print([m for m in ('sklearn', 'pandas', 'pyarrow') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=PATIENCE)
    assert result.stdout.strip() == "[]", result.stderr


def test_one_job_imports_neither_joblib_nor_tifffile(one_image_run):
    # One job runs its tasks in the command's own thread, and PNG files need
    # no TIFF reader: neither import is paid for before the work starts.
    code = ("import sys\n"
            "from gradhist_sklearn._cli import main\n"
            "status = main(['extract', 'images', '-o', 'out.csv', '--quiet'])\n"
            "print(status, [m for m in ('joblib', 'tifffile') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=one_image_run, timeout=PATIENCE)
    assert result.stdout.strip() == "1 []", result.stderr  # 1: the empty file
    assert len(_tables.CsvTable.read_paths("out.csv")[2]) == 2


class _InterruptingFinder:
    """An import finder that raises KeyboardInterrupt for one module: a Ctrl-C
    that lands while the command imports the extraction (numpy, scikit-learn)."""

    def __init__(self, name):
        self.name = name

    def find_spec(self, name, path=None, target=None):
        if name == self.name:
            raise KeyboardInterrupt
        return None


def test_ctrl_c_during_the_imports_is_one_line(one_image_run, monkeypatch, capsys):
    name = "gradhist_sklearn._cli._extract"
    monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_InterruptingFinder(name), *sys.meta_path])
    assert main(["extract", "images", "-o", "out.csv"]) == 130
    assert capsys.readouterr().err == (
        "gradhist: interrupted; out.csv was not written or changed\n")
    assert sorted(os.listdir(one_image_run)) == ["images"]


def test_ctrl_c_before_the_run_is_one_line(one_image_run, monkeypatch, capsys):
    def interrupted_parser():
        raise KeyboardInterrupt

    monkeypatch.setattr("gradhist_sklearn._cli._run.build_parser", interrupted_parser)
    assert main(["extract", "images", "-o", "out.csv"]) == 130
    assert capsys.readouterr().err == "gradhist: interrupted\n"
    assert sorted(os.listdir(one_image_run)) == ["images"]


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_the_commit_takes_effect_after_it(one_image_run, monkeypatch, capsys,
                                                        sig, status):
    assert main(["extract", "images", "-o", "whole.csv"]) == 1
    commit = _tables.TempFiles.commit

    def commit_and_signal(self, name, target):
        signal.raise_signal(sig)  # held until both files are in place
        commit(self, name, target)

    monkeypatch.setattr(_tables.TempFiles, "commit", commit_and_signal)
    capsys.readouterr()
    assert main(["extract", "images", "-o", "out.csv"]) == status
    assert capsys.readouterr().err.endswith(
        "gradhist: interrupted just after out.csv was written\n")
    assert (one_image_run / "out.csv").read_bytes() == (one_image_run / "whole.csv").read_bytes()
    assert (one_image_run / "out.csv.errors.csv").exists()
    assert sorted(os.listdir(one_image_run)) == [
        "images", "out.csv", "out.csv.errors.csv", "out.csv.options.json", "whole.csv",
        "whole.csv.errors.csv", "whole.csv.options.json"]


def test_deferred_signals_hold_signals_until_the_body_ends():
    steps = []
    with pytest.raises(KeyboardInterrupt), deferred_signals():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        steps.append("the body went on")
    assert steps == ["the body went on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with pytest.raises(Terminated), sigterm_raises(), deferred_signals():
        signal.raise_signal(signal.SIGTERM)
        steps.append("and on")
    assert steps[-1] == "and on"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    with deferred_signals():  # nothing arrives: nothing raised
        steps.append("quietly")
    assert steps[-1] == "quietly"


def test_deferred_signals_outside_the_main_thread_just_run_the_body():
    done = []

    def body():
        with deferred_signals():
            done.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert done == [signal.default_int_handler]


def test_plain_progress_bar_shows_count_rate_and_time_left():
    now = [100.0]
    stream = io.StringIO()
    bar = Progress(200, stream, clock=lambda: now[0])
    now[0] += 2.0
    bar.update(50)  # 50 images in 2 s: 25 img/s, 150 left -> 6 s
    assert bar.line() == f"[{'#' * 6}{'-' * 18}]  25% 50/200 25.0 img/s 00:06 left"
    bar.write("gradhist: cannot read x.png: the file is empty")
    now[0] += 6.0
    bar.update(150)
    bar.close()
    text = stream.getvalue()
    assert "\r\x1b[Kgradhist: cannot read x.png: the file is empty\n" in text
    assert text.endswith("100% 200/200 25.0 img/s 00:08 total\x1b[K\n")


def console_run(console, total=3):
    """What ``extract`` does with a console: a bar, a message, updates, close."""
    bar = console.progress(total)
    bar.update(1)
    console.report("x.png", "the file is empty")
    bar.update(total - 1)
    bar.close()
    console.say("gradhist: done")


def test_console_draws_tqdms_bar_when_tqdm_is_installed():
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    console_run(Console(stream, show_progress=True))
    text = stream.getvalue()
    assert "gradhist: cannot read x.png: the file is empty\n" in text
    assert "3/3" in text and "img" in text and text.endswith("gradhist: done\n")


def test_console_falls_back_to_its_own_bar_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    stream = io.StringIO()
    console = Console(stream, show_progress=True)
    console_run(console)
    assert isinstance(console.bar, Progress)
    text = stream.getvalue()
    assert "\r\x1b[Kgradhist: cannot read x.png: the file is empty\n" in text
    assert "100% 3/3" in text and text.endswith("gradhist: done\n")


def test_console_without_a_bar_writes_only_the_messages():
    stream = io.StringIO()
    console_run(Console(stream, show_progress=False))
    assert stream.getvalue() == "gradhist: cannot read x.png: the file is empty\ngradhist: done\n"
    stream = io.StringIO()
    console = Console(stream, show_progress=True)
    console.progress(0).close()  # nothing to do: no bar
    assert console.bar is None and stream.getvalue() == ""


@pytest.mark.parametrize("bar", ["tqdm", "plain"])
def test_progress_bar_on_a_terminal(tmp_path, bar):
    """With standard error a terminal the bar is drawn (tqdm's, or without
    tqdm the plain one), error lines and the summary stay whole; --quiet
    draws none."""
    import pty

    if bar == "tqdm":
        pytest.importorskip("tqdm")
    write_images(tmp_path / "images")
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    env = dict(os.environ)  # with the numpy engine: DEFAULT_ENGINE above
    if bar == "plain":  # a tqdm module that cannot be imported comes first on the path
        (tmp_path / "hide").mkdir()
        (tmp_path / "hide" / "tqdm.py").write_text("raise ImportError('hidden by the test')\n")
        env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "hide"), *sys.path])

    def terminal_stderr(*extra):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        process = subprocess.Popen(
            [sys.executable, "-m", "gradhist_sklearn", "extract", "images", "-o", "out.csv",
             *extra], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=follower, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is gone: the command has ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert process.wait(timeout=PATIENCE) == 1
        return b"".join(chunks).decode().replace("\r\n", "\n")

    shown = terminal_stderr()
    assert "\r" in shown and "9/9" in shown  # eight images and the empty file
    assert ("100% 9/9" in shown and "img/s" in shown) if bar == "plain" else "9/9 [" in shown
    # the lines as a terminal shows them (\x1b[K: erase to the end of the line)
    visible = [line.rsplit("\r", 1)[-1].replace("\x1b[K", "") for line in shown.split("\n")]
    assert "gradhist: cannot read images/empty.png: the file is empty" in visible
    assert visible[-2:] == [
        "gradhist: 8 rows in out.csv; 1 unreadable, listed in out.csv.errors.csv", ""]
    quiet = terminal_stderr("--quiet")
    assert quiet == "gradhist: cannot read images/empty.png: the file is empty\n"


def test_extract_is_callable_without_the_command(tmp_path):
    """``extract`` takes a HistogramOptions and needs no console."""
    from gradhist_sklearn._options import HistogramOptions

    write_images(tmp_path / "images")
    options = HistogramOptions(angle_bins=12, include_orientation=False)
    summary = _extract.extract([str(tmp_path / "images")], tmp_path / "out.npz", options)
    assert summary == {"rows": 8, "new": 8, "resumed": 0, "kept": 0, "outside": 0,
                       "skipped": 0, "dropped": 0, "unsearched": 0, "errors": 0,
                       "errors_file": None}
    with np.load(tmp_path / "out.npz") as data:
        assert list(data["columns"]) == options.feature_names()


def _children(pid):
    """Process ids whose parent is ``pid`` (from /proc)."""
    children = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def _descendants(pid):
    """Process ids below ``pid``: its children, theirs, and so on."""
    found, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += _children(child)
    return found


def _watching(pid):
    """True when process ``pid`` runs the thread that watches its parent."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as file:
                if file.read().strip() == "gradhist-parent":
                    return True
        except OSError:
            pass
    return False


_PR_SET_CHILD_SUBREAPER = 36


@contextlib.contextmanager
def adopting_orphans():
    """While the body runs, the processes orphaned below this one are
    re-parented to it (Linux's child subreaper) rather than to init: the
    test can then wait for them (``os.waitpid``) and leaves no zombie
    behind, whatever init does with the orphans it inherits."""
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    if prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(error)}")
    try:
        yield
    finally:
        prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


class Orphans:
    """Processes adopted by this one (:func:`adopting_orphans`), reaped as they end."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.status = {}  # pid -> wait status, once reaped

    def ended(self, pids=None):
        """True once every one of ``pids`` (default: all) has ended; reaps them."""
        for pid in self.pids if pids is None else pids:
            if pid not in self.status:
                try:
                    reaped, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # reaped by its parent before it died
                    reaped, status = pid, None
                if reaped == pid:
                    self.status[pid] = status
        return all(pid in self.status for pid in (self.pids if pids is None else pids))

    def kill_the_rest(self):
        """SIGKILL and reap those still running (after a failure)."""
        for pid in self.pids:
            if pid not in self.status:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    self.status[pid] = os.waitpid(pid, 0)[1]


#: ``python -c`` program: the command, ``main(sys.argv[1:])``, except that
#: each task, once it has done its work in a worker, never returns. The run
#: then holds its workers until it is killed, on any machine: no number of
#: images is needed to keep it going long enough. The task is defined in
#: ``__main__``, so joblib's workers receive it by value (cloudpickle); the
#: real task it calls starts the worker's watch of its parent.
HELD_RUN = """\
import sys, threading
from gradhist_sklearn._cli import _extract, main

def task_that_never_returns(*args, **kwargs):
    from gradhist_sklearn._cli._extract import features_of_paths_tolerant
    features_of_paths_tolerant(*args, **kwargs)
    threading.Event().wait()

_extract.features_of_paths_tolerant = task_that_never_returns
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_command_is_killed(tmp_path):
    """Kill the command with SIGKILL: its worker processes, busy in a task
    (which never returns), end by themselves.

    Nothing here depends on timing. Each worker holds the first task it
    takes, so the two workers take one task each and start watching their
    parent, and the run cannot end before the kill; the test waits for both
    watches to exist, kills the command, then waits for (and reaps) every
    process the command left behind: this process adopts them.
    """
    write_images(tmp_path / "images", {name: cut_images()[name] for name in
                                       ["camera_a.png", "camera_b.png", "coins.png"]})
    # Worker processes run with the numpy engine (DEFAULT_ENGINE above; the
    # compiled one runs threads, which end with the process anyway).
    command = [sys.executable, "-c", HELD_RUN, "extract", "images", "-o", "out.csv",
               "-j", "2", "-q"]
    with adopting_orphans(), open(tmp_path / "stderr.txt", "w+") as stderr:
        process = subprocess.Popen(command, cwd=tmp_path, stderr=stderr)
        try:

            def two_watching():
                assert process.poll() is None, stderr.read()  # the run cannot end
                return sum(map(_watching, _children(process.pid))) == 2

            wait_for(two_watching, "two workers watching their parent", process)
            workers = [pid for pid in _children(process.pid) if _watching(pid)]
            # The workers, and the resource trackers of joblib and multiprocessing.
            left = Orphans(_descendants(process.pid))
        finally:
            process.kill()  # SIGKILL: no clean-up of any kind in the parent
            process.wait()
        try:
            assert process.returncode == -signal.SIGKILL
            wait_for(lambda: left.ended(workers), "the workers' end")
            # The trackers end once the last holder of their pipe has.
            wait_for(left.ended, "the end of every process the command started")
        finally:
            left.kill_the_rest()
