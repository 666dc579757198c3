"""The tables ``gradhist extract`` writes and reads back, and their files.

Three formats, one interface: a table class is opened on a scratch file with
its column names and the stored options, takes rows a block at a time
(:meth:`write`), and is finished by :meth:`close` (or dropped by
:meth:`discard`); :meth:`read_paths` and :meth:`iter_rows` read a finished
table back for ``--resume``. :class:`ErrorLog` writes ``OUTPUT.errors.csv``.
:class:`TempFiles` owns the scratch files beside the output and the rename
that makes a finished one appear as the output at once.
"""

import contextlib
import csv
import itertools
import json
import math
import os
import re
import secrets
import tempfile
import zipfile

import numpy as np

from .. import __version__
from ._usage import OutputError, UsageError

try:
    import fcntl
except ImportError:  # not POSIX: runs on one output are not kept apart
    fcntl = None

#: Rows gathered before they are written (one parquet row group, one csv flush).
ROWS_PER_WRITE = 4096

#: The options recorded in a table (parquet schema metadata, the npz
#: ``options`` array) and compared by ``--resume``. The names, their order
#: and their values are part of the file format: tables written earlier must
#: still resume.
STORED_OPTIONS = (
    "angle_bins", "unidirectional", "rotation_invariant", "normalize", "operator", "sigma",
    "invariance", "include_orientation",
)


#: The values a record implies by leaving a key out: ``stored_options``
#: records these keys only away from them, so tables written before the
#: keys existed still resume.
IMPLIED_OPTIONS = {"layout": "global", "dtype": "float64"}


def stored_options(options):
    """The dict recorded in a table for a :class:`HistogramOptions`, as JSON
    reads it back (tuples as lists). ``normalize`` keeps ``true``/``false``
    for ``'pixels'`` and none, and the layout's keys appear only for a layout
    other than ``'global'`` (the azimuthal ones only when the rings have
    harmonics), and ``dtype`` only when it is not ``'float64'``, so tables
    written before them still resume."""
    stored = {name: getattr(options, name) for name in STORED_OPTIONS}
    stored["normalize"] = {"pixels": True, None: False}.get(options.normalize,
                                                             options.normalize)
    if options.layout == "rings":
        stored.update(layout="rings", n_rings=options.n_rings)
        if options.azimuthal_harmonics:
            stored.update(azimuthal_harmonics=options.azimuthal_harmonics,
                          azimuthal_bins=options.azimuthal_bins,
                          azimuthal_invariants=options.azimuthal_invariants)
    elif options.layout == "grid":
        stored.update(layout="grid", grid_shape=options.grid_shape)
    if options.dtype != IMPLIED_OPTIONS["dtype"]:
        stored.update(dtype=options.dtype)
    return json.loads(json.dumps(stored))


def made_by(options, *, engine_known=True):
    """What a table records of the run that wrote it, besides its options: the
    version of gradhist-sklearn (``--resume`` refuses another one: its numbers
    may differ), the engine that computes ``options`` and its version
    (:func:`engine_record`; left out with ``engine_known=False``, for a table
    that resumes one written before tables recorded it) and the working
    directory, which relative paths are relative to (so that a resume from
    another folder still finds the files)."""
    record = {"gradhist_sklearn": __version__}
    if engine_known:
        record.update(engine_record(options))
    record["directory"] = os.getcwd()
    return record


def engine_record(options):
    """The engine that computes ``options`` in this process, as a table
    records it: ``{"engine": "numba", "numba": version}`` for the compiled
    engine, ``{"engine": "plain"}`` for the reference (numpy and scipy: the
    package's version covers it). The engine is the one that runs, not the
    one asked for: an operator the compiled kernel cannot run is computed by
    the reference even under ``GRADHIST_ENGINE=numba``."""
    from .._engines import select_engine

    if select_engine(options).__name__.rpartition(".")[2] == "_numba":
        import numba

        return {"engine": "numba", "numba": numba.__version__}
    return {"engine": "plain"}


def _engine_name(record):
    version = f" {record['numba']}" if record.get("numba") else ""
    return f"{record.get('engine')}{version}"


def resumed_made_by(table_class, output, options):
    """The record of the table a ``--resume`` of ``output`` writes, once it
    is known that the engine that wrote ``output`` is the one of this run:
    a :class:`UsageError` otherwise, saying how to resume it.

    A table that does not record its engine (written before tables did) is
    resumed with either engine, and the table it gives records none either:
    its rows may come from both."""
    _, old = table_class.read_record(output)
    if "engine" not in (old or {}):
        return made_by(options, engine_known=False)
    now = engine_record(options)
    written = {key: old[key] for key in ("engine", "numba") if key in old}
    if written != now:
        raise UsageError(
            f"cannot resume: {output!r} was written by the {_engine_name(written)} engine, "
            f"this run uses {_engine_name(now)} (the two may differ in the last digits); "
            f"set GRADHIST_ENGINE={written['engine']}"
            + (f" with numba {written['numba']} installed" if "numba" in written else "")
            + " to resume it, or write a new OUTPUT (or drop --resume)")
    return made_by(options)


#: The CSV table's companion file, ``OUTPUT`` + this: a JSON object with the
#: ``options`` and ``made_by`` records. A sidecar, not a header line, so that
#: the CSV stays what every reader (pandas, numpy, a spreadsheet) expects: the
#: column names on the first line, then the rows.
CSV_RECORD_SUFFIX = ".options.json"


def import_pyarrow():
    """``(pyarrow, pyarrow.parquet)``, or a :class:`UsageError` saying what to install."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(
            "writing .parquet needs pyarrow: pip install pyarrow, "
            "or choose a .csv or .npz OUTPUT"
        ) from None
    return pa, pq


#: A stored path holding this (a backslash, ``x``, two hex digits of a byte
#: from 0x80) is in escaped form (:func:`path_to_text`).
_ESCAPED = re.compile(r"\\x[89a-f][0-9a-f]")
_ESCAPE = re.compile(r"\\(\\|x[89a-f][0-9a-f])")


def path_to_text(path):
    """The text a table stores for ``path``: valid UTF-8 in every case, so
    that pandas and polars read every format with their defaults.

    A name that is valid UTF-8 is stored as it is. A name that is not (a byte
    such as 0xff on Linux, which Python holds as a surrogate escape) is
    stored with each such byte written ``\\xff`` and each backslash doubled;
    so is a valid name that holds such an escape itself, so that
    :func:`path_of_text` always gives the name back."""
    if _is_utf8(path) and not _ESCAPED.search(path):
        return path
    return "".join(
        f"\\x{ord(char) - 0xDC00:02x}" if "\udc80" <= char <= "\udcff"
        else "\\\\" if char == "\\" else char
        for char in path)


def path_of_text(text):
    """The file name a table's ``text`` stands for (the inverse of
    :func:`path_to_text`); text without an escape is the name itself, as
    tables written before names were escaped store it."""
    if not _ESCAPED.search(text):
        return text
    return _ESCAPE.sub(
        lambda match: "\\" if match[1] == "\\" else chr(0xDC00 + int(match[1][1:], 16)),
        text)


def _is_utf8(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name with undecodable bytes (surrogate escapes)
        return False
    return True


def _open_text(path, mode):
    # Tables written before paths were escaped (path_to_text) may hold the
    # raw bytes of a name that is not UTF-8: they read back as that name.
    return open(path, mode, newline="", encoding="utf-8", errors="surrogateescape")


class CsvTable:
    suffix = ".csv"

    def __init__(self, path, columns, options, temp, made_by=None):
        record = temp.new(CSV_RECORD_SUFFIX)
        with open(record, "w", encoding="utf-8") as file:
            json.dump({"options": options, "made_by": made_by}, file)
        #: Scratch files committed with the table: (name, suffix added to OUTPUT).
        self.companions = [(record, CSV_RECORD_SUFFIX)]
        self.file = _open_text(path, "w")
        self.writer = csv.writer(self.file)
        self.writer.writerow(["path", *columns])

    def write(self, paths, features):
        # Python writes floats with repr: the shortest text that reads back exactly.
        rows = zip(paths, features.tolist(), strict=True)
        self.writer.writerows([path_to_text(path), *row] for path, row in rows)

    def close(self):
        self.file.close()

    discard = close

    @staticmethod
    def read_paths(path):
        """``(columns, options, paths)`` of a table; a csv records no options."""
        with _open_text(path, "r") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if not header or header[0] != "path":
                raise ValueError("its first column is not 'path'")
            return header[1:], None, [path_of_text(row[0]) for row in reader]

    @staticmethod
    def read_record(path):
        """``(options, made_by)`` from the sidecar file; ``(None, None)`` without it."""
        try:
            with open(path + CSV_RECORD_SUFFIX, encoding="utf-8") as file:
                record = json.load(file)
        except FileNotFoundError:
            return None, None
        return record.get("options"), record.get("made_by")

    @staticmethod
    def iter_rows(path):
        with _open_text(path, "r") as file:
            reader = csv.reader(file)
            next(reader)
            for row in reader:
                yield path_of_text(row[0]), np.array([float(v) for v in row[1:]])


class ParquetTable:
    suffix = ".parquet"

    def __init__(self, path, columns, options, temp, made_by=None):
        pa, pq = import_pyarrow()
        self.pa = pa
        self.companions = []
        self.schema = pa.schema(
            [("path", pa.string())] + [(name, pa.float64()) for name in columns],
            metadata={b"gradhist": json.dumps(options).encode(),
                      b"gradhist_made_by": json.dumps(made_by).encode()},
        )
        self.writer = pq.ParquetWriter(path, self.schema)

    def write(self, paths, features):
        pa = self.pa
        arrays = [pa.array([path_to_text(p) for p in paths], type=pa.string())]
        arrays += [pa.array(features[:, j]) for j in range(features.shape[1])]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self):
        self.writer.close()

    discard = close

    @staticmethod
    def read_paths(path):
        _, pq = import_pyarrow()
        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        if not names or names[0] != "path":
            raise ValueError("its first column is not 'path'")
        metadata = file.schema_arrow.metadata or {}
        options = json.loads(metadata[b"gradhist"]) if b"gradhist" in metadata else None
        paths = []
        for batch in file.iter_batches(columns=["path"]):
            paths.extend(path_of_text(p) for p in batch.column(0).to_pylist())
        return names[1:], options, paths

    @staticmethod
    def read_record(path):
        """``(options, made_by)`` from the schema's metadata (None where absent)."""
        _, pq = import_pyarrow()
        metadata = pq.read_schema(path).metadata or {}
        return tuple(json.loads(metadata[key]) if key in metadata else None
                     for key in (b"gradhist", b"gradhist_made_by"))

    @staticmethod
    def iter_rows(path):
        _, pq = import_pyarrow()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROWS_PER_WRITE):
            paths = [path_of_text(p) for p in batch.column(0).to_pylist()]
            features = np.column_stack(
                [batch.column(j).to_numpy() for j in range(1, batch.num_columns)]
            )
            yield from zip(paths, features, strict=True)


@contextlib.contextmanager
def _npy_member(archive, name, dtype, shape):
    """The member ``name.npy`` of ``archive``, open for writing with the npy
    header of a C-ordered ``dtype`` array of ``shape`` written: its rows follow.

    The header is numpy's own (``np.lib.format``), made from an empty array of
    the same rows with the final row count put in, so that the rows can be
    streamed in without the array ever being whole in memory.
    """
    fmt = np.lib.format
    header = fmt.header_data_from_array_1_0(np.empty((0, *shape[1:]), dtype))
    header["shape"] = shape
    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
        fmt.write_array_header_1_0(member, header)
        yield member


def _member_blocks(archive, name):
    """Blocks of rows of one npy member, without loading it whole."""
    fmt = np.lib.format
    with archive.open(f"{name}.npy") as member:
        version = fmt.read_magic(member)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else (
            fmt.read_array_header_2_0
        )
        shape, fortran_order, dtype = read_header(member)
        if fortran_order or dtype.hasobject or not shape:
            raise ValueError(f"array {name!r} is not a plain C-ordered array of rows")
        row_shape = shape[1:]
        row_bytes = dtype.itemsize * math.prod(row_shape)
        remaining = shape[0]
        while remaining:
            count = min(remaining, ROWS_PER_WRITE)
            data = member.read(count * row_bytes)
            yield np.frombuffer(data, dtype=dtype).reshape(count, *row_shape)
            remaining -= count


def _small_member(archive, name):
    """One small npy member, read whole."""
    with archive.open(f"{name}.npy") as member:
        return np.lib.format.read_array(member, allow_pickle=False)


class NpzTable:
    """``.npz`` with arrays ``features`` (n, k), ``paths`` (n,), ``columns`` (k,),
    ``options`` and ``made_by`` (JSON strings).

    An npy member needs its final shape in its header, so rows are streamed
    into two scratch files beside the output, and the archive is assembled
    from them at the end, a block at a time.
    """

    suffix = ".npz"

    def __init__(self, path, columns, options, temp, made_by=None):
        self.path = path
        self.columns = list(columns)
        self.options = options
        self.made_by = made_by
        self.companions = []
        self.n_rows = 0
        self.longest = 1
        self.features_name = temp.new(".features")
        self.paths_name = temp.new(".paths")
        self.features_file = open(self.features_name, "wb")
        self.paths_file = open(self.paths_name, "w", encoding="utf-8")

    def write(self, paths, features):
        self.features_file.write(np.ascontiguousarray(features, dtype="<f8").tobytes())
        for path in map(path_to_text, paths):
            self.paths_file.write(json.dumps(path) + "\n")  # one line, newlines escaped
            self.longest = max(self.longest, len(path))
        self.n_rows += len(paths)

    def discard(self):
        self.features_file.close()
        self.paths_file.close()

    def close(self):
        self.discard()
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            shape = (self.n_rows, len(self.columns))
            with _npy_member(archive, "features", np.dtype("<f8"), shape) as member:
                with open(self.features_name, "rb") as source:
                    while block := source.read(1 << 22):
                        member.write(block)
            path_dtype = np.dtype(f"<U{self.longest}")
            with _npy_member(archive, "paths", path_dtype, (self.n_rows,)) as member:
                for block in self._path_blocks():
                    member.write(np.array(block, dtype=path_dtype).tobytes())
            for name, value in (
                ("columns", np.array(self.columns, dtype=str)),
                ("options", np.array(json.dumps(self.options))),
                ("made_by", np.array(json.dumps(self.made_by))),
            ):
                with archive.open(f"{name}.npy", "w") as member:
                    np.lib.format.write_array(member, value, allow_pickle=False)

    def _path_blocks(self):
        """The paths written, ROWS_PER_WRITE at a time, from their scratch file."""
        with open(self.paths_name, encoding="utf-8") as source:
            lines = (json.loads(line) for line in source)
            while block := list(itertools.islice(lines, ROWS_PER_WRITE)):
                yield block

    @staticmethod
    def read_paths(path):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {"features.npy", "paths.npy"} <= names:
                raise ValueError("it has no 'features' and 'paths' arrays")
            columns = options = None
            if "columns.npy" in names:
                columns = list(_small_member(archive, "columns"))
            if "options.npy" in names:
                options = json.loads(str(_small_member(archive, "options")))
            paths = [path_of_text(str(p)) for block in _member_blocks(archive, "paths")
                     for p in block]
        return columns, options, paths

    @staticmethod
    def read_record(path):
        """``(options, made_by)`` from the JSON members (None where absent)."""
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            return tuple(json.loads(str(_small_member(archive, name)))
                         if f"{name}.npy" in names else None
                         for name in ("options", "made_by"))

    @staticmethod
    def iter_rows(path):
        with zipfile.ZipFile(path) as archive:
            for paths, features in zip(
                _member_blocks(archive, "paths"),
                _member_blocks(archive, "features"),
                strict=True,
            ):
                yield from zip((path_of_text(str(p)) for p in paths), features, strict=True)


TABLE_FORMATS = {table.suffix: table for table in (CsvTable, ParquetTable, NpzTable)}


def table_format(output):
    """The table class for ``output``'s extension, or a :class:`UsageError`."""
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in TABLE_FORMATS:
        raise UsageError(
            f"cannot tell the format of OUTPUT {output!r} from its extension; "
            f"use one of {', '.join(sorted(TABLE_FORMATS))}"
        )
    return TABLE_FORMATS[suffix]


#: The errors file a run writes beside OUTPUT: OUTPUT + this.
ERRORS_SUFFIX = ".errors.csv"


def output_to_write(output):
    """The file a run on ``output`` replaces, once it is known that the files
    beside it can be written; a :class:`UsageError` otherwise.

    An OUTPUT that is a symbolic link is written through, as a shell's ``>``
    writes: its target (links followed to the end) is the file replaced, and
    the lock, the scratch files and the companion files are the target's, so
    the link and its target are one OUTPUT. A link that loops, or whose target
    has another extension (so another format), is refused. So is a directory
    where a companion file goes (``OUTPUT.errors.csv``, a CSV's
    ``OUTPUT.options.json``): found after the table was written, it would
    leave the table without them.
    """
    target = output
    if os.path.islink(output):
        target = os.path.realpath(output)
        if os.path.islink(target):
            raise UsageError(f"OUTPUT {output!r} is a symbolic link that loops; "
                             "remove the link or choose another OUTPUT")
        if os.path.splitext(target)[1].lower() != os.path.splitext(output)[1].lower():
            raise UsageError(
                f"OUTPUT {output!r} is a symbolic link to {target!r}, whose extension asks "
                f"for another format; name the target itself, or choose another OUTPUT")
    companions = [ERRORS_SUFFIX]
    if table_format(target) is CsvTable:
        companions.append(CSV_RECORD_SUFFIX)
    for suffix in companions:
        if os.path.isdir(target + suffix):
            raise UsageError(
                f"{target + suffix!r}, where the run writes a file beside OUTPUT, is a "
                "directory; move it away, or choose another OUTPUT")
    return target


def commit_outputs(temp, output, table_name, records, errors):
    """Rename a finished run's scratch files into place: the errors file
    first, then the table, then its record (a CSV's ``OUTPUT.options.json``).

    The errors file goes first so that a failure there leaves the table as it
    was. A record goes after its table, and the former record is removed
    before it: killed in between, the table has no record and a ``--resume``
    refuses it, rather than trusting a record of another table.

    Parameters
    ----------
    temp : TempFiles
        The scratch files' owner.
    output : str
        The table's path.
    table_name : str
        The finished table, a scratch file.
    records : list of (str, str)
        The table's record files: scratch name, suffix added to ``output``.
    errors : (str or None, str)
        The finished errors file (None when no file gave an error: a former
        one is then removed, being no longer true) and its path.

    Returns
    -------
    notes : list of str
        What could not be written once the table was (a record); the table is
        written all the same.

    Raises
    ------
    OutputError
        The table could not be put in place: it is left as it was, and the
        message says what else was written or removed.
    """
    done = []
    errors_name, errors_path = errors
    try:
        action, target = "write", errors_path
        if errors_name is not None:
            temp.commit(errors_name, errors_path)
            done.append(f"{errors_path} lists this run's unreadable files")
        elif os.path.lexists(errors_path):
            action = "remove the errors file of an earlier run,"
            os.remove(errors_path)
            done.append(f"the errors file of an earlier run, {errors_path}, was removed")
        action = "remove the record of the former table,"
        for _, suffix in records:
            target = output + suffix
            if os.path.lexists(target):
                os.remove(target)
                done.append(f"its record {target} was removed, so a --resume of it is "
                            "refused")
        action, target = "write", output
        temp.commit(table_name, output)
    except OSError as exc:
        said = [f"cannot {action} {target}: {exc.strerror or exc}",
                f"{output} was left as it was", *done]
        raise OutputError("; ".join(said)) from exc
    notes = []
    for name, suffix in records:
        try:
            temp.commit(name, output + suffix)
        except OSError as exc:
            notes.append(f"{output} is written, but not its record {output + suffix} "
                         f"({exc.strerror or exc}): a --resume of it will be refused")
    return notes


def write_rows(table, rows, n_columns):
    """Write ``(path, row)`` pairs to ``table``, :data:`ROWS_PER_WRITE` at a
    time; return how many were written."""
    rows, count = iter(rows), 0
    while block := list(itertools.islice(rows, ROWS_PER_WRITE)):
        paths = [path for path, _ in block]
        features = np.asarray([row for _, row in block], dtype=np.float64)
        table.write(paths, features.reshape(-1, n_columns))
        count += len(block)
    return count


class ErrorLog:
    """``OUTPUT.errors.csv`` being written (columns ``path``, ``reason``): one
    row per input that did not become a row, each also passed to ``report``.
    Paths are stored as in the tables (:func:`path_to_text`)."""

    def __init__(self, path, report):
        self.file = _open_text(path, "w")
        self.writer = csv.writer(self.file)
        self.writer.writerow(["path", "reason"])
        self.report = report
        self.count = 0

    def record(self, path, reason):
        reason = " ".join(str(reason).split())  # one line per file
        self.count += 1
        self.writer.writerow([path_to_text(path), reason])
        self.report(path, reason)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.file.close()


class TempFiles:
    """Scratch files created beside the output, removed on any way out."""

    def __init__(self, output):
        self.directory = os.path.dirname(os.path.abspath(output))
        # A prefix of this run's own, so that a file created just before an
        # interruption (before its name was recorded) is still found, and
        # another run's scratch files are never touched.
        self.output_name = os.path.basename(output)
        self.prefix = f".{self.output_name}.{os.getpid()}-{secrets.token_hex(4)}."
        self.names = []

    def new(self, suffix):
        fd, name = tempfile.mkstemp(prefix=self.prefix, suffix=f"{suffix}.tmp",
                                    dir=self.directory)
        os.close(fd)
        self.names.append(name)
        return name

    def remove_all(self):
        names = set(self.names)
        with contextlib.suppress(OSError):
            names.update(
                os.path.join(self.directory, entry)
                for entry in os.listdir(self.directory)
                if entry.startswith(self.prefix) and entry.endswith(".tmp")
            )
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)
        self.names.clear()

    def remove_stale(self):
        """Remove the scratch files that earlier runs on this output left
        behind when they were killed (SIGKILL, a power cut); return how many.
        Only under :class:`OutputLock`: no other run is then writing them."""
        directory = self.directory
        # The names this class gives: .NAME.<pid>-<8 hex digits>.<random><suffix>.tmp
        ours = re.compile(rf"\.{re.escape(self.output_name)}\.\d+-[0-9a-f]{{8}}\..*\.tmp\Z",
                          re.DOTALL)
        stale = [entry for entry in os.listdir(directory)
                 if ours.match(entry) and not entry.startswith(self.prefix)]
        for entry in stale:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, entry))
        return len(stale)

    def commit(self, name, target):
        """Make ``name`` (a finished scratch file) appear as ``target`` at once."""
        with open(name, "rb") as file:
            os.fsync(file.fileno())
        # mkstemp made the file private (0600); give it the mode a new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        os.replace(name, target)
        self.names.remove(name)


class OutputLock:
    """An exclusive lock on one OUTPUT for the length of a run, so that two
    runs writing it at once cannot lose each other's rows: the second is
    refused (a :class:`UsageError`) rather than made to wait, which could be
    for hours. The lock is ``flock`` on a hidden file beside the output,
    released by the system when the process ends however it ends, so a
    killed run never leaves a stale lock; the file is removed on release."""

    def __init__(self, output):
        directory, name = os.path.split(os.path.abspath(output))
        self.path = os.path.join(directory, f".{name}.lock")
        self.fd = None

    def __enter__(self):
        return self.acquire()

    def acquire(self):
        """Take the lock (at once if this object holds it already); return self."""
        if fcntl is None:
            return self
        while self.fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise UsageError(
                    f"another gradhist run is writing this OUTPUT (it holds {self.path}); "
                    "wait for it to end, or choose another OUTPUT"
                ) from None
            # The holder before us may have removed the file between our open
            # and our lock: then we locked a file no one else will see; again.
            if _same_file(fd, self.path):
                self.fd = fd
            else:
                os.close(fd)
        return self

    def __exit__(self, *exc_info):
        if self.fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)  # while still locked: the next run makes its own
            os.close(self.fd)
            self.fd = None


def _same_file(fd, path):
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (status.st_dev, status.st_ino)
