"""Running the ``gradhist`` command: exit status, messages and progress.

Exit status: 0 when every input became a row, 1 when some file could not be
read (the others are written), 2 for bad usage (a missing INPUT among them),
3 when OUTPUT could not be written (a full disk, no permission), 130 when
interrupted (143 for SIGTERM).

Every message goes through :func:`~._usage.printable`: a file name holding a
newline or an escape sequence is shown escaped, and can never print a line
of its own.

The extraction (numpy, joblib, scikit-learn: most of a second to import) is
imported only once a run starts, inside the handling of Ctrl-C: ``--help``
and ``--version`` need only argparse, and a Ctrl-C during the imports is an
interruption like any other, one line and status 130.
"""

import contextlib
import os
import sys
import time
import warnings

from ._parser import build_parser, check_run_options, dash_hint, histogram_options
from ._signals import Terminated, sigterm_raises
from ._usage import InterruptedAfterCommit, OutputError, UsageError, printable

#: Exit status when OUTPUT could not be written.
OUTPUT_FAILED = 3


def main(argv=None):
    """Run the command; return its exit status."""
    try:
        parser = build_parser()
        parser.extract_parser.hint = dash_hint(sys.argv[1:] if argv is None else argv)
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            # Said by the sub-command's parser, so that its usage line is shown.
            (parser.extract_parser if args.command == "extract" else parser).error(
                f"unrecognized arguments: {printable(' '.join(unknown))}")
        if args.command != "extract":
            parser.print_help(sys.stderr)
            return 2
        return run_extract(args, parser.extract_parser)
    except KeyboardInterrupt:
        # Before the run or between its steps: nothing has been written.
        sys.stderr.write("gradhist: interrupted\n")
        return 130


def run_extract(args, usage):
    """Run ``gradhist extract`` for parsed ``args``; ``usage.error`` exits with 2."""
    try:
        check_run_options(args)
        options = histogram_options(args)
    except (TypeError, ValueError) as exc:
        usage.error(printable(exc))
    console = Console(sys.stderr, show_progress=not args.quiet and sys.stderr.isatty())
    try:
        with sigterm_raises(), _workers(options, args.n_jobs):
            from ._extract import extract

            summary = extract(
                args.inputs, args.output, options, recursive=args.recursive,
                n_jobs=args.n_jobs, resume=args.resume, prune=args.prune,
                report=console.report, progress=console.progress,
                note=None if args.quiet else console.say,
            )
    except UsageError as exc:
        usage.error(printable(exc))
    except OutputError as exc:
        console.say(f"gradhist: {exc}")
        return OUTPUT_FAILED
    except (KeyboardInterrupt, Terminated, InterruptedAfterCommit) as exc:
        return console.interrupted(args.output, exc)
    if not args.quiet:
        console.say(summary_line(summary, args.output))
    for note in summary.get("notes", ()):
        console.say(f"gradhist: {note}")
    return 1 if summary["errors"] else 0


@contextlib.contextmanager
def _workers(options, n_jobs):
    """joblib's configuration for the run's ``--n-jobs``: threads when the
    compiled engine runs (it releases the GIL, and a thread starts at once,
    where each worker process imports numpy, joblib and numba and loads the
    compiled kernels again: over a second of CPU time, more than the whole
    computation of 2000 small images; docs/performance.rst), else joblib's
    processes. Nothing for one job, which runs without joblib."""
    if n_jobs == 1:
        yield
        return
    import joblib

    prefer = "threads" if options.engine == "numba" else None
    with warnings.catch_warnings(), joblib.parallel_config(prefer=prefer):
        # joblib's warning that an interrupted run cancelled its tasks (the
        # point of Ctrl-C) is hidden for the whole run, set before any worker
        # thread starts: a thread's own catch_warnings (the image readers
        # have some) puts back the filters it found, and would drop a filter
        # that the main thread added in the meantime.
        warnings.filterwarnings("ignore", message=r".*You could benefit from adjusting",
                                category=UserWarning, module=r"joblib\.")
        yield


def summary_line(summary, output):
    """The last line of a run, e.g. ``gradhist: 8 rows in out.csv; 1 unreadable, ...``.

    A resumed run (an OUTPUT whose rows are kept, or checkpoints whose rows
    are taken) says how many rows were kept, added and dropped.
    """
    rows = summary["rows"]
    parts = [f"{rows} row{'' if rows == 1 else 's'} in {output}"]
    if os.path.islink(output):  # written through (_tables.output_to_write)
        parts[0] += f" (a link: written to {os.path.realpath(output)})"
    if summary["kept"] or summary.get("dropped") or summary.get("resumed"):
        parts.append(_changes(summary))
    if summary["skipped"]:
        parts.append(f"{summary['skipped']} files already there")
    if summary.get("unsearched"):
        parts.append(f"{summary['unsearched']} sub-directories not searched (-r searches "
                     "them)")
    if summary["errors"]:
        parts.append(f"{summary['errors']} unreadable, listed in {summary['errors_file']}")
    return "gradhist: " + "; ".join(parts)


def _changes(summary):
    """``3 kept, 5 added`` (``, 1 dropped`` when ``--prune`` dropped some),
    with what the numbers hold."""
    kept = f"{summary['kept']} kept"
    if summary.get("outside"):
        kept += (f" ({summary['outside']} of files not among the inputs; --prune drops "
                 "them)")
    added = f"{summary['new']} added"
    if summary.get("resumed"):
        added += f" ({summary['resumed']} from checkpoints)"
    if not summary.get("dropped"):
        return f"{kept}, {added}"
    dropped = f"{summary['dropped']} dropped (--prune: their files are not among the inputs)"
    return f"{kept}, {added}, {dropped}"


class Console:
    """Standard error of a run: its messages, and the progress bar (only when
    ``show_progress``: not ``--quiet``, and standard error is a terminal)."""

    def __init__(self, stream, *, show_progress):
        self.stream = stream
        self.show_progress = show_progress
        self.bar = None

    def progress(self, total, done=0):
        """A progress display for ``total`` files of which ``done`` are done
        already (resumed from checkpoints): tqdm's bar when tqdm is
        installed, else :class:`Progress`; nothing to draw when not shown."""
        from ._extract import NoProgress

        if not (self.show_progress and total):
            return NoProgress()
        try:
            self.bar = _TqdmBar(total, self.stream, done)
        except ImportError:  # the [progress] extra is not installed
            self.bar = Progress(total, self.stream, done=done)
        return self.bar

    def say(self, text):
        """One line of text, above the bar while there is one, with what does
        not print escaped (:func:`~._usage.printable`)."""
        text = printable(text)
        if self.bar is not None:
            self.bar.write(text)
        else:
            # One write of the whole line: print() writes the newline apart,
            # and a signal that interrupts a blocked write can lose it, gluing
            # the next message to this one.
            self.stream.write(text + "\n")
            self.stream.flush()

    def report(self, path, reason):
        self.say(f"gradhist: cannot read {printable(path)}: {printable(reason)}")

    def interrupted(self, output, exc):
        """Say what an interruption left behind; return the exit status."""
        if self.bar is not None:
            self.bar.discard()
            self.bar = None
        if isinstance(exc, InterruptedAfterCommit):
            self.say(f"gradhist: interrupted just after {output} was written")
            exc = exc.interruption
        else:
            line = f"gradhist: interrupted; {output} was not written or changed"
            kept = getattr(exc, "checkpoints", None)
            if kept:
                line += (f"; {kept[0]} rows are kept in {kept[1]}: run again with --resume "
                         "to continue from them")
            self.say(line)
        return 130 if isinstance(exc, KeyboardInterrupt) else 143


class _TqdmBar:
    """tqdm's bar behind the interface of :class:`Progress` (ImportError
    without tqdm; it is imported only when a bar is drawn)."""

    def __init__(self, total, stream, done=0):
        from tqdm import tqdm

        self.stream = stream
        self.bar = tqdm(total=total, initial=done, file=stream, unit="img",
                        mininterval=Progress.interval, dynamic_ncols=True)

    def update(self, n):
        self.bar.update(n)

    def write(self, text):
        self.bar.write(text, file=self.stream)  # clears the bar, writes, redraws it

    def close(self):
        self.bar.close()

    def discard(self):
        """Remove the bar from the terminal (after an interruption)."""
        self.bar.leave = False
        self.bar.close()


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class Progress:
    """A plain progress bar, used when tqdm is not installed: images done
    (``done`` of them before this run: resumed), rate and time left, redrawn
    in place. Lines written with :meth:`write`
    clear the bar first, so error lines are never mixed with it."""

    width = 24
    #: Seconds between two redraws, so a fast run is not slowed by the bar.
    interval = 0.1

    def __init__(self, total, stream, *, done=0, clock=time.monotonic):
        self.total, self.done, self.initial = total, done, done
        self.stream, self.clock = stream, clock
        self.start = clock()
        self._last_draw = None
        self._shown = False

    def update(self, n):
        self.done += n
        now = self.clock()
        if self._last_draw is None or now - self._last_draw >= self.interval or (
            self.done >= self.total
        ):
            self._draw(now)

    def line(self, now=None):
        """The text of the bar, e.g. ``[######----]  40% 400/1000 88.1 img/s 00:06 left``."""
        now = self.clock() if now is None else now
        fraction = min(1.0, self.done / self.total)
        filled = int(round(fraction * self.width))
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.initial) / elapsed  # of this run: resumed files aside
        if self.done >= self.total:
            tail = f"{_duration(elapsed)} total"
        elif rate > 0:
            tail = f"{_duration((self.total - self.done) / rate)} left"
        else:
            tail = "--:-- left"
        return (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} "
            f"{self.done}/{self.total} {rate:.1f} img/s {tail}"
        )

    def _draw(self, now):
        self._last_draw = now
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def discard(self):
        """Remove the bar from the terminal line."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def write(self, text):
        """Write one line of text (an error, a note) above the bar."""
        self.discard()
        self.stream.write(text + "\n")
        if self._last_draw is not None:
            self._draw(self.clock())
        self.stream.flush()

    def close(self):
        if self._shown:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
        self._last_draw = None  # lines written after this one are not followed by a bar
