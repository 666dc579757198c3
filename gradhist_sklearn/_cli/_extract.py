"""``gradhist extract`` as a function: image files in, one feature table out.

:func:`extract` runs in named steps: :func:`_plan` checks OUTPUT, reads what
``--resume`` keeps and lists the files to do; :func:`_write` streams the
rows, computed by joblib workers (:func:`features_of_paths_tolerant`: the
transformer's own reader and engine, tolerant of bad files) and merged in
sorted path order with any kept rows, into a table and an errors file
written as scratch files beside the output; :func:`_commit` renames them
into place, so OUTPUT is whole or as it was. Only the list of file names
grows with the number of files; images and rows are held a chunk at a time.
"""

import heapq
import json
import os
import warnings
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from .._batch import FILES_PER_CHUNK, gray_of_path, histograms_of_files, plan_slices
from .._io import ImageReadError
from ._files import find_images
from ._signals import Terminated, deferred_signals
from ._tables import (
    ErrorLog,
    ParquetTable,
    TempFiles,
    import_pyarrow,
    stored_options,
    table_format,
    write_rows,
)
from ._usage import UsageError


class InterruptedAfterCommit(BaseException):
    """A signal that arrived while OUTPUT was being renamed into place, raised
    once it was: OUTPUT is written. ``interruption`` is the signal's own
    exception (``KeyboardInterrupt`` or :class:`Terminated`)."""

    def __init__(self, interruption):
        super().__init__(interruption)
        self.interruption = interruption


@dataclass
class _Plan:
    """What a run will do, decided before any file is read."""

    output: str
    errors_path: str
    table_class: type
    columns: list
    stored: dict  # the options recorded in the table
    resuming: bool  # OUTPUT exists and its rows are kept
    todo: list  # the files to compute, sorted
    skipped: int  # files found that are already rows of OUTPUT
    problems: list  # (input, reason) for inputs that gave no file


@dataclass
class _Written:
    """The scratch files of a finished run, and what went into them."""

    table_name: str
    errors_name: str
    rows: int = 0
    new: int = 0
    errors: int = 0


def extract(inputs, output, options, *, recursive=False, n_jobs=1, resume=False, report=None,
            progress=None):
    """Extract one row per image file into ``output``.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns.
    output : str or os.PathLike
        ``.csv``, ``.parquet`` or ``.npz`` file, written whole or not at all.
    options : HistogramOptions
        The histogram's options; they give the column names too.
    recursive, n_jobs, resume
        As the command-line options.
    report : callable(str, str), optional
        Called with (path, reason) for each file that did not become a row.
    progress : callable(int) -> object with ``update(n)`` and ``close()``, optional
        Makes a progress display for a given number of files.

    Returns
    -------
    summary : dict
        ``rows`` written, ``new`` rows, ``kept`` rows from a resumed OUTPUT,
        ``skipped`` files already there, ``errors`` count, ``errors_file``.

    Raises
    ------
    UsageError
        OUTPUT cannot be written, or cannot be resumed, as asked.
    InterruptedAfterCommit
        A signal arrived while OUTPUT was being put in place; it is written.
    """
    plan = _plan(inputs, os.fspath(output), options, recursive=recursive, resume=resume)
    temp = TempFiles(plan.output)
    try:
        written = _write(plan, temp, options, n_jobs, report, progress)
        _commit(plan, temp, written)
    except BaseException:
        with deferred_signals():  # a second Ctrl-C must not stop the clean-up
            temp.remove_all()
        raise
    return {
        "rows": written.rows,
        "new": written.new,
        "kept": written.rows - written.new,
        "skipped": plan.skipped,
        "errors": written.errors,
        "errors_file": plan.errors_path if written.errors else None,
    }


# -- before reading any file ----------------------------------------------------------


def _plan(inputs, output, options, *, recursive, resume):
    """Check OUTPUT, read the paths ``--resume`` keeps, and list the files to do."""
    table_class = _table_class(output)
    errors_path = output + ".errors.csv"
    columns, stored = options.feature_names(), stored_options(options)
    resuming = resume and os.path.exists(output)
    kept = _kept_paths(output, table_class, columns, stored) if resuming else set()
    found, problems = find_images(inputs, recursive=recursive, exclude=[output, errors_path])
    todo = [p for p in found if p not in kept]
    skipped = len(found) - len(todo)
    if table_class.utf8_paths_only:
        todo, unstorable = _split_by_utf8(todo)
        problems += [(p, "the file name is not valid UTF-8; parquet cannot store it "
                         "(write a .csv or .npz instead)") for p in unstorable]
    return _Plan(output, errors_path, table_class, columns, stored, resuming, todo, skipped,
                 problems)


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
    """The paths of an existing OUTPUT, after checking that it was written
    with these options (as far as it records them)."""
    try:
        old_columns, old_options, paths = table_class.read_paths(output)
    except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot resume"
        raise UsageError(f"cannot resume from {output!r}: {exc}") from exc
    if old_columns is not None and list(old_columns) != columns:
        raise UsageError(
            f"cannot resume: {output!r} has other columns than these options give; "
            f"use the options it was written with, or drop --resume"
        )
    if old_options is not None and old_options != stored:
        raise UsageError(
            f"cannot resume: {output!r} was written with other options "
            f"({json.dumps(old_options)}); use them, or drop --resume"
        )
    return set(paths)


def _is_utf8(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name with undecodable bytes (surrogate escapes)
        return False
    return True


def _split_by_utf8(paths):
    """``(paths that are valid UTF-8, the others)``, each in order."""
    encodable = [_is_utf8(p) for p in paths]
    return ([p for p, ok in zip(paths, encodable, strict=True) if ok],
            [p for p, ok in zip(paths, encodable, strict=True) if not ok])


# -- computing and writing the rows ---------------------------------------------------


def features_of_paths_tolerant(paths, options, pixels_per_chunk=None):
    """Worker task: like :func:`gradhist_sklearn._batch.features_of_paths`, but
    a file that cannot be used is reported instead of aborting the chunk.

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
    """The ``(path, row)`` pairs of the files to do, in their order, computed
    by joblib workers; files that give no row go to the error log. Counts the
    rows (:attr:`count`) and advances the progress display."""

    def __init__(self, todo, options, n_jobs, errors, bar):
        self.todo, self.options, self.n_jobs = todo, options, n_jobs
        self.errors, self.bar = errors, bar
        self.count = 0

    def __iter__(self):
        # Fewer files per task when there are few files, so that every worker
        # gets several tasks (at least four each).
        slices = plan_slices(len(self.todo), 1, FILES_PER_CHUNK,
                             min_chunks=4 * effective_n_jobs(self.n_jobs))
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(features_of_paths_tolerant)(self.todo[a:b], self.options)
            for a, b in slices
        )
        try:
            for (a, b), result in zip(slices, results, strict=True):
                yield from self._rows_of(self.todo[a:b], *result)
                self.bar.update(b - a)
        finally:
            _cancel_quietly(results)

    def _rows_of(self, chunk, ok, histograms, orientations, errors):
        for position, reason in errors:
            self.errors.record(chunk[position], reason)
        features = histograms
        if self.options.include_orientation:
            features = np.column_stack([histograms, orientations])
        self.count += len(ok)
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


def _all_rows(plan, new_rows):
    """The new rows, merged in path order with the rows of OUTPUT when resuming
    (both are sorted by path)."""
    if not plan.resuming:
        return iter(new_rows)
    return heapq.merge(plan.table_class.iter_rows(plan.output), new_rows, key=itemgetter(0))


def _write(plan, temp, options, n_jobs, report, progress):
    """Write the table and the errors file as scratch files; return them."""
    written = _Written(temp.new(plan.table_class.suffix), temp.new(".errors.csv"))
    table = plan.table_class(written.table_name, plan.columns, plan.stored, temp)
    try:
        with ErrorLog(written.errors_name, report or (lambda path, reason: None)) as errors:
            for item, reason in plan.problems:
                errors.record(item, reason)
            bar = progress(len(plan.todo)) if progress else NoProgress()
            new_rows = _NewRows(plan.todo, options, n_jobs, errors, bar)
            written.rows = write_rows(table, _all_rows(plan, new_rows), len(plan.columns))
            bar.close()
        written.new, written.errors = new_rows.count, errors.count
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


def _commit(plan, temp, written):
    """Rename the finished scratch files over OUTPUT (and its errors file).

    Signals are deferred meanwhile, so an interruption lands before the
    commit (OUTPUT as it was) or after it (OUTPUT written), never in between;
    one that arrived during it is raised after it as
    :class:`InterruptedAfterCommit`.
    """
    committed = False
    try:
        with deferred_signals():
            temp.commit(written.table_name, plan.output)
            if written.errors:
                temp.commit(written.errors_name, plan.errors_path)
            elif os.path.exists(plan.errors_path):
                os.remove(plan.errors_path)  # from an earlier run: no longer true
            temp.remove_all()
            committed = True
    except (KeyboardInterrupt, Terminated) as exc:
        if committed:
            raise InterruptedAfterCommit(exc) from exc
        raise
