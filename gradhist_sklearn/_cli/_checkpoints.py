"""Checkpoints of ``gradhist extract``: the rows of a run, kept on disk as it goes.

A run that is killed (SIGKILL, an out-of-memory kill, a reboot) or
interrupted (Ctrl-C, SIGTERM) keeps the rows it had computed up to its last
checkpoint, and ``--resume`` continues from them.

Where they live: a hidden directory beside OUTPUT, ``.NAME.parts`` (NAME being
OUTPUT's file name), holding

- ``record.json``: what the rows were computed with (the stored options, the
  column names, the version of gradhist-sklearn and the engine). A resume
  with anything else is refused: rows of two computations are never mixed.
- the parts, ``00000001.npz``, ``00000002.npz``, ...: each an npz archive of
  ``paths`` (a JSON list of the files' absolute paths) and ``features``
  (float64, one row per path), exactly the rows the table gets.

When a part is written: after a chunk of files is computed, once
:data:`CHECKPOINT_SECONDS` have passed since the previous part and the run
has computed :data:`CHECKPOINT_FIRST_ROWS` rows (never after the last
chunk: the table is written at once then). A part is written to a
scratch file, flushed to disk (``fsync``) and renamed, so that it is whole
or absent, whenever the run is stopped; signals wait for the rename. Which
rows fall into which part depends on timing; the table built from them
never does.

When they are removed: once the table is committed as OUTPUT. Nothing else
removes them: a run without ``--resume`` that finds them is refused (they may
hold hours of work) and says how to start afresh.
"""

import collections
import contextlib
import json
import os
import shutil
import time

import numpy as np

from .. import __version__
from ._signals import deferred_signals
from ._usage import UsageError

#: Seconds of work between two parts, at least (a part is cut between chunks).
CHECKPOINT_SECONDS = 1.0

#: Rows a run computes before its first part: a run that small loses little
#: when stopped, and leaves nothing beside its output.
CHECKPOINT_FIRST_ROWS = 16

#: The record's file name, inside the checkpoint directory.
RECORD = "record.json"

#: The scratch file a part is written to before its rename.
SCRATCH = "part.tmp"

#: Parts kept read in memory while the table is assembled (they are read in order).
PARTS_IN_MEMORY = 4


def checkpoint_directory(output):
    """The hidden directory beside ``output`` that holds its checkpoints."""
    directory, name = os.path.split(os.path.abspath(output))
    return os.path.join(directory, f".{name}.parts")


def checkpoint_record(columns, stored, engine):
    """What checkpoint rows are computed with, compared by ``--resume``:
    ``engine`` is the engine's record (``_tables.engine_record``: its name,
    and numba's version for the compiled one)."""
    return json.loads(json.dumps({
        "format": 1, "columns": list(columns), "options": stored,
        "made_by": {"gradhist_sklearn": __version__, **engine},
    }))


def _part_name(number):
    return f"{number:08d}.npz"


def _fsync_directory(directory):
    """Make a rename inside ``directory`` durable (POSIX; nothing elsewhere)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_part(path, n_columns):
    """``(absolute paths, features)`` of one part, checked."""
    # The file opened here, so that it is closed even when numpy cannot read it.
    with open(path, "rb") as file, np.load(file, allow_pickle=False) as archive:
        paths = json.loads(str(archive["paths"]))
        features = archive["features"]
    if features.dtype != np.float64 or features.shape != (len(paths), n_columns):
        raise ValueError(f"its rows are {features.dtype} {features.shape}, not "
                         f"float64 ({len(paths)}, {n_columns})")
    if not np.isfinite(features).all():
        raise ValueError("it holds values that are not finite")
    return paths, features


class Checkpoints:
    """The checkpoints of one OUTPUT, for one run (under its :class:`OutputLock`).

    Parameters
    ----------
    output : str
        The table the run writes.
    record : dict
        :func:`checkpoint_record` of the run.
    clock : callable, optional
        Seconds, for the time between parts.
    """

    def __init__(self, output, record, clock=time.monotonic):
        self.directory = checkpoint_directory(output)
        self.record = record
        self.n_columns = len(record["columns"])
        self.clock = clock
        self.index = {}  # absolute path -> (part name, row in it)
        self.rows = 0  # rows in the parts on disk
        self.next_number = 1
        self.pending_paths, self.pending_features = [], []
        self.computed = 0  # rows computed by this run
        self.last = clock()
        self._parts = collections.OrderedDict()  # part name -> features, recently read
        self.unreadable = []  # (part name, reason): parts left aside

    # -- before the run ------------------------------------------------------------

    def exist(self):
        """True when the directory holds a part (a run was stopped after one)."""
        return os.path.isdir(self.directory) and any(
            name.endswith(".npz") for name in os.listdir(self.directory))

    def refuse_unless_resuming(self, resume):
        """A :class:`UsageError` if parts exist and the run does not resume them."""
        if not resume and self.exist():
            raise UsageError(
                f"an interrupted run left checkpoints of this OUTPUT in {self.directory}: "
                "add --resume to continue from them, or remove that directory to start "
                "afresh")

    def load(self):
        """Index the rows of the parts on disk (for ``--resume``); a
        :class:`UsageError` if they were computed otherwise than this run's."""
        if not self.exist():
            return
        stored = self._stored_record()
        if stored != self.record:
            raise UsageError(
                f"cannot resume: the checkpoints in {self.directory} were computed "
                f"otherwise ({json.dumps(stored)}); resume with the options, version and "
                "engine they were computed with, or remove that directory to start afresh")
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(self.directory, SCRATCH))  # of a killed run
        for name in sorted(n for n in os.listdir(self.directory) if n.endswith(".npz")):
            self._index_part(name)
        numbers = [int(n[:-4]) for n in os.listdir(self.directory)
                   if n.endswith(".npz") and n[:-4].isdigit()]
        self.next_number = max(numbers, default=0) + 1

    def _stored_record(self):
        try:
            with open(os.path.join(self.directory, RECORD), encoding="utf-8") as file:
                return json.load(file)
        except (OSError, ValueError) as exc:
            return {"unreadable record": str(exc)}

    def _index_part(self, name):
        try:
            paths, _ = _read_part(os.path.join(self.directory, name), self.n_columns)
        except Exception as exc:  # noqa: BLE001 - a part that cannot be used is left aside
            self.unreadable.append((name, str(exc)))
            return
        for row, path in enumerate(paths):
            self.index[path] = (name, row)  # a later part's row wins: it is newer
        self.rows += len(paths)

    # -- reading rows back ---------------------------------------------------------

    def has(self, path):
        """True when the file ``path`` has a row in the parts."""
        return os.path.abspath(path) in self.index

    def rows_of(self, paths):
        """``(path, row)`` for each of ``paths`` (in their order) that has a row."""
        for path in paths:
            where = self.index.get(os.path.abspath(path))
            if where is not None:
                yield path, self._features_of(where[0])[where[1]]

    def _features_of(self, name):
        if name not in self._parts:
            _, features = _read_part(os.path.join(self.directory, name), self.n_columns)
            self._parts[name] = features
            if len(self._parts) > PARTS_IN_MEMORY:
                self._parts.popitem(last=False)
        self._parts.move_to_end(name)
        return self._parts[name]

    # -- writing parts -------------------------------------------------------------

    def add(self, paths, features):
        """Rows just computed, for the next part (``paths`` as the run names them)."""
        self.computed += len(paths)
        if len(paths):
            self.pending_paths.extend(os.path.abspath(p) for p in paths)
            self.pending_features.append(np.array(features, dtype=np.float64))

    def chunk_done(self, last):
        """Between two chunks: write a part if it is time (never after the ``last``)."""
        if not last and self.pending_paths and self.computed >= CHECKPOINT_FIRST_ROWS and (
                self.clock() - self.last >= CHECKPOINT_SECONDS):
            self.write_part()

    def write_part(self):
        """Write the pending rows as one part, whole or not at all."""
        with deferred_signals():  # a part is whole or absent; Ctrl-C waits for it
            self._make_directory()
            scratch = os.path.join(self.directory, SCRATCH)
            features = np.concatenate(self.pending_features)
            with open(scratch, "wb") as file:
                np.savez(file, paths=np.array(json.dumps(self.pending_paths)),
                         features=features)
                file.flush()
                os.fsync(file.fileno())
            os.replace(scratch, os.path.join(self.directory, _part_name(self.next_number)))
            # Counted before a signal held meanwhile is raised (at the block's end).
            self.rows += len(self.pending_paths)
            self.next_number += 1
            self.pending_paths, self.pending_features = [], []
            _fsync_directory(self.directory)
        self.last = self.clock()

    def _make_directory(self):
        """The directory and its record (written once, before the first part)."""
        if os.path.exists(os.path.join(self.directory, RECORD)):
            return
        os.makedirs(self.directory, exist_ok=True)
        scratch = os.path.join(self.directory, RECORD + ".tmp")
        with open(scratch, "w", encoding="utf-8") as file:
            json.dump(self.record, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(scratch, os.path.join(self.directory, RECORD))
        _fsync_directory(os.path.dirname(self.directory))

    # -- after the run -------------------------------------------------------------

    def remove(self):
        """Remove the directory (the table holding the rows is committed)."""
        if os.path.isdir(self.directory):
            shutil.rmtree(self.directory, ignore_errors=True)

    def tidy(self):
        """After a failed or interrupted run: remove the scratch file, and the
        directory if it holds no part (nothing was kept)."""
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(self.directory, SCRATCH))
        if os.path.isdir(self.directory) and not self.exist():
            self.remove()
