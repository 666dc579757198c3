"""``gradhist extract`` as a function: image files in, one feature table out.

:func:`extract` runs in named steps: :func:`_plan` checks OUTPUT, reads what
``--resume`` keeps and lists the files to do; :func:`_write` streams the
rows, computed by joblib workers (:func:`features_of_paths_tolerant`: the
transformer's own reader and engine, tolerant of bad files) and merged in
sorted path order with any kept rows, into a table and an errors file
written as scratch files beside the output; :func:`_commit` renames them
into place, so OUTPUT is whole or as it was. Only the list of file names
grows with the number of files; images and rows are held a chunk at a time.

The rows computed are also kept, as the run goes, in checkpoint parts beside
the output (:mod:`._checkpoints`), so that a run stopped in any way loses
little: ``--resume`` takes their rows. Rows are ordered by absolute path
(:func:`order_key`), whatever the working directory, so that a resumed
table and a full run's are the same table.
"""

import contextlib
import heapq
import json
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .. import __version__
from .._batch import FILES_PER_CHUNK, gray_of_path, histograms_of_files, plan_slices
from .._io import ImageReadError
from ._checkpoints import Checkpoints, checkpoint_record
from ._files import find_images, path_order
from ._signals import Terminated, deferred_signals
from ._tables import (
    CSV_RECORD_SUFFIX,
    IMPLIED_OPTIONS,
    CsvTable,
    ErrorLog,
    OutputLock,
    ParquetTable,
    TempFiles,
    commit_outputs,
    engine_record,
    import_pyarrow,
    made_by,
    output_to_write,
    resumed_made_by,
    stored_options,
    table_format,
    write_rows,
)
from ._usage import InterruptedAfterCommit, OutputError, UsageError


@dataclass
class _Plan:
    """What a run will do, decided before any file is read."""

    output: str
    errors_path: str
    table_class: type
    columns: list
    stored: dict  # the options recorded in the table
    resuming: bool  # OUTPUT exists and its rows are kept
    todo: list  # the files that are not rows of OUTPUT, in row order (order_key)
    skipped: int  # files found that are already rows of OUTPUT
    problems: list  # (input, reason) for inputs that gave no file
    unsearched: int = 0  # sub-directories not searched (no --recursive)
    kept: dict = None  # path in OUTPUT -> path written, for the rows kept
    kept_in_order: bool = True  # the kept rows are in row order in OUTPUT
    dropped: int = 0  # rows of OUTPUT dropped (--prune: their files are not inputs)
    outside: int = 0  # rows of OUTPUT kept whose files are not among the inputs
    made_by: dict = None  # what the table records of the run (_tables.made_by)


@dataclass
class _Written:
    """The scratch files of a finished run, and what went into them."""

    table_name: str
    errors_name: str
    companions: list = None  # (scratch name, suffix of OUTPUT) committed with it
    rows: int = 0
    new: int = 0
    resumed: int = 0  # rows of the new ones taken from checkpoints
    errors: int = 0
    notes: list = None  # companions not written once the table was (commit_outputs)


def order_key(path):
    """The order of the rows: by absolute path, as :func:`find_images` sorts
    the files (then by the name itself), so that it does not depend on the
    working directory of the run, and a resumed table (kept rows, rows from
    checkpoints and new rows merged) is in the order of a full run's."""
    return path_order(path), path


def extract(inputs, output, options, *, recursive=False, n_jobs=1, resume=False, prune=False,
            report=None, progress=None, note=None):
    """Extract one row per image file into ``output``.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns.
    output : str or os.PathLike
        ``.csv``, ``.parquet`` or ``.npz`` file, written whole or not at all.
    options : HistogramOptions
        The histogram's options; they give the column names too.
    recursive, n_jobs, resume, prune
        As the command-line options.
    report : callable(str, str), optional
        Called with (path, reason) for each file that did not become a row.
    progress : callable(int[, int]) -> object with ``update(n)`` and ``close()``, optional
        Makes a progress display for a number of files, and when some are
        done already (their rows taken from checkpoints), their number.
    note : callable(str), optional
        Called with a line of information (what a resume takes from checkpoints).

    Returns
    -------
    summary : dict
        ``rows`` written, ``new`` rows (``resumed`` of them from checkpoints),
        ``kept`` rows from a resumed OUTPUT (``outside`` of them of files
        not among the inputs), ``skipped`` files already there, ``dropped``
        rows (``--prune``), ``unsearched`` sub-directories, ``errors``
        count, ``errors_file``; and ``notes`` when a file beside OUTPUT could
        not be written once OUTPUT was (``_tables.commit_outputs``).

    Raises
    ------
    UsageError
        OUTPUT cannot be written, or cannot be resumed, as asked; the inputs
        name no file, or one does not exist, or is OUTPUT; another run is
        writing OUTPUT; checkpoints exist and the run does not resume them.
    OutputError
        Writing OUTPUT or its scratch files failed (disk full, no permission).
    KeyboardInterrupt, Terminated
        Interrupted before the commit. When checkpoints hold rows, the
        exception's ``checkpoints`` attribute is ``(rows, directory)``.
    InterruptedAfterCommit
        A signal arrived while OUTPUT was being put in place; it is written.
    """
    output = output_to_write(os.fspath(output))  # a link's target
    if prune and not resume:
        raise UsageError("--prune drops rows of a resumed table: it goes with --resume")
    table_class = _table_class(output)
    found = find_images(inputs, recursive=recursive, exclude=_companions(output))
    _refuse_output_among_inputs(output, inputs, found)
    _refuse_no_files(found)
    lock = OutputLock(output)
    with _writing(output, "lock"):
        lock.acquire()
    with lock:  # held already; released however the run ends
        plan = _plan(found, output, table_class, options, resume=resume, prune=prune)
        checkpoints = _checkpoints(plan, options, resume)
        written = _run(plan, checkpoints, options, n_jobs, report, progress, note)
    summary = {
        "rows": written.rows, "new": written.new, "resumed": written.resumed,
        "kept": written.rows - written.new, "outside": plan.outside,
        "skipped": plan.skipped, "dropped": plan.dropped, "unsearched": plan.unsearched,
        "errors": written.errors,
        "errors_file": plan.errors_path if written.errors else None,
    }
    if written.notes:  # companions not written once the table was
        summary["notes"] = written.notes
    return summary


def _checkpoints(plan, options, resume):
    """The run's :class:`Checkpoints`, with the rows of earlier parts when resuming."""
    record = checkpoint_record(plan.columns, plan.stored, engine_record(options))
    checkpoints = Checkpoints(plan.output, record)
    checkpoints.refuse_unless_resuming(resume)
    if resume:
        checkpoints.load()
    return checkpoints


def _run(plan, checkpoints, options, n_jobs, report, progress, note):
    """Write the table and commit it; on any way out, the scratch files go
    and the checkpoints stay (an interruption says how many rows they keep)."""
    temp = TempFiles(plan.output)
    with _writing(plan.output, "clean up beside"):
        temp.remove_stale()
    try:
        with _writing(plan.output, "write"):
            written = _write(plan, temp, checkpoints, options, n_jobs, report, progress, note)
            _commit(plan, temp, written, checkpoints)
    except BaseException as exc:
        with deferred_signals():  # a second Ctrl-C must not stop the clean-up
            temp.remove_all()
            checkpoints.tidy()
        if isinstance(exc, (KeyboardInterrupt, Terminated)) and checkpoints.exist():
            exc.checkpoints = (checkpoints.rows, checkpoints.directory)
        raise
    return written


@contextlib.contextmanager
def _writing(output, what):
    """Turn an ``OSError`` of the body into an :class:`OutputError` naming OUTPUT."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise OutputError(f"cannot {what} {output}: {reason}{where}") from exc


# -- before reading any file ----------------------------------------------------------


def _companions(output):
    """The files a run writes beside OUTPUT, never taken as inputs."""
    return [output + ".errors.csv", output + CSV_RECORD_SUFFIX]


def _refuse_output_among_inputs(output, inputs, found):
    """A :class:`UsageError` if OUTPUT is one of the inputs (named, or matched
    by a pattern: one of the files ``found``, by the resolved paths
    :func:`find_images` computed): the run would replace a file it reads."""
    target = os.path.realpath(output)
    named = [path for path in inputs if os.path.realpath(path) == target]
    if not named and target in found.real_paths:
        named = [path for path in found.paths if os.path.realpath(path) == target]
    if named:
        raise UsageError(
            f"OUTPUT {output!r} is also an INPUT ({named[0]!r}); writing it would "
            "replace a file being read: choose another OUTPUT"
        )


def _refuse_no_files(found):
    """A :class:`UsageError` if the inputs name no file at all: a mistyped
    pattern or folder, which must not write (or, resumed, rewrite) OUTPUT."""
    if found.paths:
        return
    reasons = "; ".join(f"{item}: {reason}" for item, reason in found.problems)
    raise UsageError(f"the INPUTs name no file ({reasons or 'nothing found'}); "
                     "nothing was read or written")


def _plan(found, output, table_class, options, *, resume, prune):
    """Read the paths ``--resume`` keeps, and list the files to do."""
    errors_path = output + ".errors.csv"
    columns, stored = options.feature_names(), stored_options(options)
    resuming = resume and os.path.exists(output)
    todo = sorted(found.paths, key=order_key)
    plan = _Plan(output, errors_path, table_class, columns, stored, resuming, todo, 0,
                 list(found.problems), found.unsearched)
    plan.made_by = made_by(options)
    if resuming:
        old_paths, directory = _kept_paths(output, table_class, columns, stored)
        plan.made_by = resumed_made_by(table_class, output, options)  # the same engine
        _match_resolved(plan, old_paths, directory, prune)
    plan.skipped = len(found.paths) - len(plan.todo)
    return plan


def _match_resolved(plan, old_paths, directory, prune):
    """Match the files found with the rows of OUTPUT by resolved path (the
    same file named relative and absolute, or from another working directory,
    is one file), and fill in what ``plan`` keeps.

    ``plan.todo`` keeps the files found that have no row; ``plan.kept`` maps
    each row kept to its path rewritten relative to the working directory of
    this run (an absolute one stays); rows whose files are not among the
    inputs are kept (``plan.outside``) unless ``prune`` (``plan.dropped``).
    """
    resolved = {os.path.realpath(p) for p in plan.todo}
    kept, done = {}, set()
    for old in old_paths:
        location = os.path.join(directory, old)
        real = os.path.realpath(location)
        if real in resolved:
            done.add(real)
        elif prune:
            plan.dropped += 1
            continue
        else:
            plan.outside += 1
        kept[old] = old if os.path.isabs(old) else os.path.relpath(location)
    keys = [order_key(kept[old]) for old in old_paths if old in kept]
    plan.kept_in_order = all(a <= b for a, b in zip(keys, keys[1:], strict=False))
    plan.kept = kept
    plan.todo = [p for p in plan.todo if os.path.realpath(p) not in done]


def _table_class(output):
    """The table class OUTPUT asks for, once it is known that it can be written."""
    table_class = table_format(output)
    if table_class is ParquetTable:
        import_pyarrow()  # say what to install before any work is done
    if os.path.isdir(output):
        raise UsageError(f"OUTPUT {output!r} is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise UsageError(f"the directory of OUTPUT, {directory!r}, does not exist")
    return table_class


def _kept_paths(output, table_class, columns, stored):
    """The paths of an existing OUTPUT and the directory they are relative
    to, after checking that it was written with these options by this
    version of gradhist-sklearn, and that it is whole."""
    try:
        old_columns, _, paths = table_class.read_paths(output)
        old_options, old_made_by = table_class.read_record(output)
    except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot resume"
        raise UsageError(f"cannot resume from {output!r}: {exc}") from exc
    _refuse_damaged(output, table_class, len(old_columns), len(paths))
    advice = "use the options and version it was written with, or drop --resume"
    if old_options is None or not old_made_by:
        raise UsageError(f"cannot resume: {output!r} does not record the options and the "
                         f"version that wrote it (written by an older version?); drop --resume")
    if old_made_by.get("gradhist_sklearn") != __version__:
        raise UsageError(
            f"cannot resume: {output!r} was written by gradhist-sklearn "
            f"{old_made_by.get('gradhist_sklearn')}, this is {__version__}; {advice}")
    if list(old_columns) != columns or old_options != stored:
        raise UsageError(
            f"cannot resume: {output!r} was written with other options "
            f"({_option_differences(old_options, stored)}); {advice}"
        )
    return paths, old_made_by.get("directory") or os.getcwd()


def _option_differences(old, new):
    """Each option whose value in a table's record (``old``) differs from this
    run's (``new``), as ``name: table's value in the table, run's here``. A
    key either record leaves out has its implied value
    (:data:`~._tables.IMPLIED_OPTIONS`)."""
    old, new = {**IMPLIED_OPTIONS, **old}, {**IMPLIED_OPTIONS, **new}
    return "; ".join(f"{name}: {json.dumps(old[name])} in the table, "
                     f"{json.dumps(new[name])} here"
                     for name in new if name in old and old[name] != new[name]) \
        or "other columns"


def _refuse_damaged(output, table_class, n_columns, n_rows):
    """A :class:`UsageError` unless every row of OUTPUT reads back whole:
    ``n_columns`` finite values each, ``n_rows`` of them, and for a CSV a
    last line that ends (a table cut off by a full disk, say)."""
    try:
        count = 0
        for _, row in table_class.iter_rows(output):
            count += 1
            if len(row) != n_columns or not np.isfinite(row).all():
                raise ValueError(f"row {count} holds {len(row)} values, not {n_columns} "
                                 "finite ones")
        if count != n_rows:
            raise ValueError(f"it holds {count} rows of values for {n_rows} paths")
        if table_class is CsvTable and not _ends_a_line(output):
            raise ValueError("its last line is cut off")
    except Exception as exc:  # noqa: BLE001 - any reader failure means "damaged"
        raise UsageError(
            f"cannot resume from {output!r}: the table is damaged ({exc}); restore it, "
            "or run without --resume to write it afresh") from exc


def _ends_a_line(path):
    with open(path, "rb") as file:
        file.seek(0, os.SEEK_END)
        if file.tell() == 0:
            return False
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


# -- computing and writing the rows ---------------------------------------------------


#: Seconds between two looks of a worker at its parent process.
PARENT_POLL = 0.5

_watching_parent = threading.Lock()  # held once a worker's watch has started


def end_with_parent(parent):
    """In a worker process of the run whose process id is ``parent``: end
    this process as soon as that one ends, however it ends.

    joblib's workers otherwise outlive a parent killed with SIGKILL until
    their idle timeout (minutes), holding memory. A daemon thread looks at
    the parent process id: when the parent dies the worker is re-parented
    (to init or a subreaper), its parent id changes, and it exits. Nothing
    happens in the run's own process (``n_jobs=1``), nor in a process whose
    parent is not ``parent`` (not a worker of this run).
    """
    if os.getpid() == parent or os.getppid() != parent:
        return
    if not _watching_parent.acquire(blocking=False):
        return  # one watch per process

    def watch():
        _name_this_thread(b"gradhist-parent")
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)  # no clean-up: the results have no one to go to

    threading.Thread(target=watch, name="gradhist-parent-watch", daemon=True).start()


def _name_this_thread(name):
    """Give the running thread a name the system shows (``ps -L``,
    ``/proc/PID/task/TID/comm``; Linux only, best effort): a watch in a
    worker can then be seen from outside."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).prctl(15, name[:15], 0, 0, 0)  # 15: PR_SET_NAME


def features_of_paths_tolerant(paths, options, pixels_per_chunk=None, parent=None):
    """Worker task: like :func:`gradhist_sklearn._batch.features_of_paths`, but
    a file that cannot be used is reported instead of aborting the chunk; in
    a worker process, that process ends with ``parent`` (:func:`end_with_parent`).

    Returns
    -------
    ok : list of int
        Positions in ``paths`` of the files that became rows, in order.
    histograms : ndarray of float64, shape (len(ok), n_values)
    orientations : ndarray of float64, shape (len(ok), 2 * n_scales)
        Main orientation and orientation strength of each scale.
    errors : list of (int, str)
        Position in ``paths`` and reason, for each file that did not.
    """
    if parent is not None:
        end_with_parent(parent)
    errors = []

    def read(position, path):
        try:
            return gray_of_path(path)
        except MemoryError:
            errors.append((position, "not enough memory to read and convert this image"))
        except ImageReadError as exc:
            errors.append((position, exc.reason))
        except (ValueError, TypeError) as exc:  # refused by the transformer's checks
            errors.append((position, str(exc)))
        return None

    ok, histograms, orientations = histograms_of_files(paths, options, read, pixels_per_chunk)
    return ok, histograms, orientations, errors


class _NewRows:
    """The ``(path, row)`` pairs of the files to compute, in their order,
    computed by joblib workers; files that give no row go to the error log.
    Counts the rows (:attr:`count`), hands them to the checkpoints as each
    chunk is done, and advances the progress display."""

    def __init__(self, todo, options, n_jobs, errors, bar, checkpoints):
        self.todo, self.options, self.n_jobs = todo, options, n_jobs
        self.errors, self.bar, self.checkpoints = errors, bar, checkpoints
        self.count = 0

    def __iter__(self):
        slices, results = self._computed()
        try:
            for (a, b), result in zip(slices, results, strict=True):
                yield from self._rows_of(self.todo[a:b], *result)
                self.bar.update(b - a)
                self.checkpoints.chunk_done(last=b == len(self.todo))
        finally:
            _cancel_quietly(results)

    def _computed(self):
        """The slices of :attr:`todo`, one a task, and a generator of their
        results in order: computed here, one after the other, for one job
        (joblib is not even imported: its import is a visible part of the
        start-up of a short run, docs/performance.rst), else by joblib's
        workers."""
        if self.n_jobs == 1:
            slices = plan_slices(len(self.todo), 1, FILES_PER_CHUNK)
            return slices, (features_of_paths_tolerant(self.todo[a:b], self.options)
                            for a, b in slices)
        from joblib import Parallel, delayed, effective_n_jobs

        # Fewer files per task when there are few files, so that every worker
        # gets several tasks (at least four each).
        slices = plan_slices(len(self.todo), 1, FILES_PER_CHUNK,
                             min_chunks=4 * effective_n_jobs(self.n_jobs))
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(features_of_paths_tolerant)(self.todo[a:b], self.options,
                                                parent=os.getpid())
            for a, b in slices
        )
        return slices, results

    def _rows_of(self, chunk, ok, histograms, orientations, errors):
        for position, reason in errors:
            self.errors.record(chunk[position], reason)
        features = histograms
        if self.options.include_orientation:
            features = np.column_stack([histograms, orientations])
        self.count += len(ok)
        self.checkpoints.add([chunk[position] for position in ok], features)
        for j, position in enumerate(ok):
            yield chunk[position], features[j]


def _cancel_quietly(results):
    """Close joblib's generator of results. After an interruption or a failure
    this cancels the tasks still running, which is the point, so joblib's
    warning that it did (and that the task iterator could be adjusted) is not
    shown under the command's own message. After a whole run it does nothing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"joblib\.")
        results.close()


class NoProgress:
    """The progress display when none is shown."""

    def update(self, n):
        pass

    def close(self):
        pass


def _kept_rows(plan):
    """The rows of OUTPUT that a resume keeps, renamed, in row order (a table
    that is not in it, written before rows were ordered by absolute path, is
    put in order in memory)."""
    rows = ((plan.kept[path], row) for path, row in plan.table_class.iter_rows(plan.output)
            if path in plan.kept)
    if plan.kept_in_order:
        return rows
    return iter(sorted(rows, key=lambda item: order_key(item[0])))


def _all_rows(plan, resumed_rows, new_rows):
    """The rows of the table in row order: those taken from checkpoints, those
    computed now, and those of OUTPUT when resuming (each stream in order)."""
    streams = [resumed_rows, new_rows]
    if plan.resuming:
        streams.append(_kept_rows(plan))
    return heapq.merge(*streams, key=lambda item: order_key(item[0]))


def _progress(plan, checkpoints, progress, note):
    """The files to compute, and the progress display (after a line saying
    what checkpoints give, when they give rows)."""
    to_compute = [p for p in plan.todo if not checkpoints.has(p)]
    resumed = len(plan.todo) - len(to_compute)
    if note:
        for name, reason in checkpoints.unreadable:
            note(f"gradhist: checkpoint part {name} cannot be read ({reason}); its files "
                 "are computed again")
        if resumed:
            note(f"gradhist: resuming: {resumed} of {len(plan.todo)} files to add have rows "
                 f"in the checkpoints of an interrupted run")
    if not progress:
        return to_compute, resumed, NoProgress()
    # The files done already are passed only when there are some, so that a
    # display made for a total alone still serves.
    bar = progress(len(plan.todo), resumed) if resumed else progress(len(plan.todo))
    return to_compute, resumed, bar


def _write(plan, temp, checkpoints, options, n_jobs, report, progress, note):
    """Write the table and the errors file as scratch files; return them."""
    written = _Written(temp.new(plan.table_class.suffix), temp.new(".errors.csv"))
    table = plan.table_class(written.table_name, plan.columns, plan.stored, temp, plan.made_by)
    written.companions = table.companions
    try:
        with ErrorLog(written.errors_name, report or (lambda path, reason: None)) as errors:
            for item, reason in plan.problems:
                errors.record(item, reason)
            to_compute, written.resumed, bar = _progress(plan, checkpoints, progress, note)
            new_rows = _NewRows(to_compute, options, n_jobs, errors, bar, checkpoints)
            rows = _all_rows(plan, checkpoints.rows_of(plan.todo), new_rows)
            written.rows = write_rows(table, rows, len(plan.columns))
            bar.close()
        written.new, written.errors = new_rows.count + written.resumed, errors.count
    except BaseException:
        with deferred_signals():  # interrupted or failed: release the scratch files
            _discard(table)
        raise
    table.close()
    return written


def _discard(table):
    try:
        table.discard()
    except Exception:  # noqa: BLE001 - its files are being removed anyway
        pass


# -- putting the outputs in place -----------------------------------------------------


def _commit(plan, temp, written, checkpoints):
    """Rename the finished scratch files over OUTPUT (and its errors file),
    then remove the checkpoints, whose rows it holds.

    Signals are deferred meanwhile, so an interruption lands before the
    commit (OUTPUT as it was) or after it (OUTPUT written), never in between;
    one that arrived during it is raised after it as
    :class:`InterruptedAfterCommit`.
    """
    committed = False
    try:
        with deferred_signals():
            # The errors file, then the table, then its record (commit_outputs).
            errors = (written.errors_name if written.errors else None, plan.errors_path)
            written.notes = commit_outputs(temp, plan.output, written.table_name,
                                           written.companions, errors)
            temp.remove_all()
            # Killed before this, the parts stay: a resume finds their files
            # in OUTPUT and removes them after its own commit.
            checkpoints.remove()
            committed = True
    except (KeyboardInterrupt, Terminated) as exc:
        if committed:
            raise InterruptedAfterCommit(exc) from exc
        raise
