"""Offline extraction: image files in, one feature table out.

This is the engine of ``gradhist extract``. It stays at the edge of the
package: it finds the files, hands chunks of file names to joblib workers
(which read and compute them with :func:`._batch.features_of_paths_tolerant`,
the transformer's own reader and engine), and streams the rows, in sorted path
order, into a table written to a temporary file beside the output. Only the
list of file names grows with the number of files; images and rows are held
a chunk at a time.
"""

import csv
import glob
import heapq
import json
import math
import os
import secrets
import signal
import tempfile
import zipfile
from operator import itemgetter

import numpy as np

from . import _batch

#: File-name extensions taken from a directory (case-insensitive). Files named
#: on the command line, or matched by a glob pattern, are read whatever their
#: extension.
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pbm", ".pgm",
     ".ppm", ".pnm"}
)

#: Rows gathered before they are written (one parquet row group, one csv flush).
ROWS_PER_WRITE = 4096


class UsageError(Exception):
    """Bad command-line usage: the command exits with status 2."""


# -- finding the files ----------------------------------------------------------------


def _is_hidden(name):
    return name.startswith(".")


def _images_in(directory, recursive):
    """Image files inside ``directory`` (hidden files and folders skipped)."""
    found = []
    if recursive:
        for root, dirs, files in os.walk(directory):
            dirs[:] = [d for d in dirs if not _is_hidden(d)]
            found.extend(os.path.join(root, f) for f in files if _is_image_name(f))
    else:
        with os.scandir(directory) as entries:
            found.extend(
                entry.path
                for entry in entries
                if _is_image_name(entry.name) and entry.is_file()
            )
    return found


def _is_image_name(name):
    return not _is_hidden(name) and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def find_images(inputs, *, recursive=False, exclude=()):
    """Expand INPUT arguments into a sorted list of unique file paths.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns (``*``, ``?``, ``[...]``;
        ``**`` with ``recursive``).
    recursive : bool
        Descend into sub-directories of directory inputs.
    exclude : iterable of str
        Files never to take (the output and its companions).

    Returns
    -------
    paths : list of str
        Normalised paths (``os.path.normpath``), sorted, without repeats.
    problems : list of (str, str)
        Inputs that gave no file, with the reason.
    """
    excluded = {os.path.abspath(p) for p in exclude}
    found, problems = set(), []
    for item in inputs:
        if os.path.isdir(item):
            paths = _images_in(item, recursive)
            if not paths:
                problems.append((item, "the directory holds no image file (by extension)"))
        elif os.path.lexists(item):
            paths = [item]
        elif any(c in item for c in "*?["):
            paths = []
            for match in glob.glob(item, recursive=recursive):
                paths.extend(_images_in(match, recursive) if os.path.isdir(match) else [match])
            if not paths:
                problems.append((item, "the pattern matched no file"))
        else:
            paths = []
            problems.append((item, "no such file or directory"))
        found.update(os.path.normpath(p) for p in paths if os.path.abspath(p) not in excluded)
    return sorted(found), problems


# -- writing tables ---------------------------------------------------------------------


def _import_pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(
            "writing .parquet needs pyarrow: pip install 'gradhist-sklearn[parquet]' "
            "(or pip install pyarrow), or choose a .csv or .npz OUTPUT"
        ) from None
    return pa, pq


class _CsvTable:
    suffix = ".csv"

    def __init__(self, path, columns, options, temp):
        self.file = open(path, "w", newline="", encoding="utf-8", errors="surrogateescape")
        self.writer = csv.writer(self.file)
        self.writer.writerow(["path", *columns])

    def write(self, paths, features):
        # Python writes floats with repr: the shortest text that reads back exactly.
        rows = zip(paths, features.tolist(), strict=True)
        self.writer.writerows([path, *row] for path, row in rows)

    def close(self):
        self.file.close()

    discard = close

    @staticmethod
    def read_paths(path):
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if not header or header[0] != "path":
                raise ValueError("its first column is not 'path'")
            return header[1:], None, [row[0] for row in reader]

    @staticmethod
    def iter_rows(path):
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as file:
            reader = csv.reader(file)
            next(reader)
            for row in reader:
                yield row[0], np.array([float(v) for v in row[1:]])


class _ParquetTable:
    suffix = ".parquet"

    def __init__(self, path, columns, options, temp):
        pa, pq = _import_pyarrow()
        self.pa = pa
        self.schema = pa.schema(
            [("path", pa.string())] + [(name, pa.float64()) for name in columns],
            metadata={b"gradhist": json.dumps(options).encode()},
        )
        self.writer = pq.ParquetWriter(path, self.schema)

    def write(self, paths, features):
        pa = self.pa
        arrays = [pa.array(paths, type=pa.string())]
        arrays += [pa.array(features[:, j]) for j in range(features.shape[1])]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self):
        self.writer.close()

    discard = close

    @staticmethod
    def read_paths(path):
        _, pq = _import_pyarrow()
        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        if not names or names[0] != "path":
            raise ValueError("its first column is not 'path'")
        metadata = file.schema_arrow.metadata or {}
        options = json.loads(metadata[b"gradhist"]) if b"gradhist" in metadata else None
        paths = []
        for batch in file.iter_batches(columns=["path"]):
            paths.extend(batch.column(0).to_pylist())
        return names[1:], options, paths

    @staticmethod
    def iter_rows(path):
        _, pq = _import_pyarrow()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROWS_PER_WRITE):
            paths = batch.column(0).to_pylist()
            features = np.column_stack(
                [batch.column(j).to_numpy() for j in range(1, batch.num_columns)]
            )
            yield from zip(paths, features, strict=True)


class _NpzTable:
    """``.npz`` with arrays ``features`` (n, k), ``paths`` (n,), ``columns`` (k,)
    and ``options`` (a JSON string).

    An npy member needs its final shape in its header, so rows are streamed
    into two scratch files beside the output, and the archive is assembled
    from them at the end, a block at a time.
    """

    suffix = ".npz"

    def __init__(self, path, columns, options, temp):
        self.path = path
        self.columns = list(columns)
        self.options = options
        self.n_rows = 0
        self.longest = 1
        self.features_name = temp.new(".features")
        self.paths_name = temp.new(".paths")
        self.features_file = open(self.features_name, "wb")
        self.paths_file = open(self.paths_name, "w", encoding="utf-8")

    def write(self, paths, features):
        self.features_file.write(np.ascontiguousarray(features, dtype="<f8").tobytes())
        for path in paths:
            self.paths_file.write(json.dumps(path) + "\n")
            self.longest = max(self.longest, len(path))
        self.n_rows += len(paths)

    def discard(self):
        self.features_file.close()
        self.paths_file.close()

    def close(self):
        self.discard()
        fmt = np.lib.format
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            with archive.open("features.npy", "w", force_zip64=True) as member:
                fmt.write_array_header_1_0(
                    member,
                    {"descr": "<f8", "fortran_order": False,
                     "shape": (self.n_rows, len(self.columns))},
                )
                with open(self.features_name, "rb") as source:
                    while block := source.read(1 << 22):
                        member.write(block)
            path_dtype = np.dtype(f"<U{self.longest}")
            with archive.open("paths.npy", "w", force_zip64=True) as member:
                fmt.write_array_header_1_0(
                    member,
                    {"descr": fmt.dtype_to_descr(path_dtype), "fortran_order": False,
                     "shape": (self.n_rows,)},
                )
                with open(self.paths_name, encoding="utf-8") as source:
                    block = []
                    for line in source:
                        block.append(json.loads(line))
                        if len(block) == ROWS_PER_WRITE:
                            member.write(np.array(block, dtype=path_dtype).tobytes())
                            block = []
                    if block:
                        member.write(np.array(block, dtype=path_dtype).tobytes())
            for name, value in (
                ("columns", np.array(self.columns, dtype=str)),
                ("options", np.array(json.dumps(self.options))),
            ):
                with archive.open(f"{name}.npy", "w") as member:
                    fmt.write_array(member, value, allow_pickle=False)

    @staticmethod
    def _member(archive, name):
        """One small npy member, read whole."""
        with archive.open(f"{name}.npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)

    @staticmethod
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

    @classmethod
    def read_paths(cls, path):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {"features.npy", "paths.npy"} <= names:
                raise ValueError("it has no 'features' and 'paths' arrays")
            columns = options = None
            if "columns.npy" in names:
                columns = list(cls._member(archive, "columns"))
            if "options.npy" in names:
                options = json.loads(str(cls._member(archive, "options")))
            paths = [str(p) for block in cls._member_blocks(archive, "paths") for p in block]
        return columns, options, paths

    @classmethod
    def iter_rows(cls, path):
        with zipfile.ZipFile(path) as archive:
            for paths, features in zip(
                cls._member_blocks(archive, "paths"),
                cls._member_blocks(archive, "features"),
                strict=True,
            ):
                yield from zip((str(p) for p in paths), features, strict=True)


TABLE_FORMATS = {table.suffix: table for table in (_CsvTable, _ParquetTable, _NpzTable)}


def table_format(output):
    """The table class for ``output``'s extension, or a :class:`UsageError`."""
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in TABLE_FORMATS:
        raise UsageError(
            f"cannot tell the format of OUTPUT {output!r} from its extension; "
            f"use one of {', '.join(sorted(TABLE_FORMATS))}"
        )
    return TABLE_FORMATS[suffix]


# -- temporary files and the final rename ---------------------------------------------


class TempFiles:
    """Scratch files created beside the output, removed on any way out."""

    def __init__(self, output):
        self.directory = os.path.dirname(os.path.abspath(output))
        # A prefix of this run's own, so that a file created just before an
        # interruption (before its name was recorded) is still found, and
        # another run's scratch files are never touched.
        self.prefix = f".{os.path.basename(output)}.{os.getpid()}-{secrets.token_hex(4)}."
        self.names = []

    def new(self, suffix):
        fd, name = tempfile.mkstemp(prefix=self.prefix, suffix=f"{suffix}.tmp",
                                    dir=self.directory)
        os.close(fd)
        self.names.append(name)
        return name

    def remove_all(self):
        names = set(self.names)
        try:
            names.update(
                os.path.join(self.directory, entry)
                for entry in os.listdir(self.directory)
                if entry.startswith(self.prefix) and entry.endswith(".tmp")
            )
        except OSError:
            pass
        for name in names:
            try:
                os.remove(name)
            except FileNotFoundError:
                pass
        self.names.clear()

    def commit(self, name, target):
        """Make ``name`` (a finished scratch file) appear as ``target`` at once."""
        with open(name, "rb") as file:
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        os.replace(name, target)
        self.names.remove(name)


class _Rows:
    """Gathers rows and hands them to a table a block at a time."""

    def __init__(self, table, n_columns):
        self.table = table
        self.n_columns = n_columns
        self.paths, self.features = [], []
        self.count = 0

    def add(self, path, row):
        self.paths.append(path)
        self.features.append(row)
        if len(self.paths) >= ROWS_PER_WRITE:
            self.flush()

    def flush(self):
        if self.paths:
            features = np.asarray(self.features, dtype=np.float64).reshape(-1, self.n_columns)
            self.table.write(self.paths, features)
            self.count += len(self.paths)
            self.paths, self.features = [], []


# -- the run ----------------------------------------------------------------------------


def _is_utf8(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name with undecodable bytes (surrogate escapes)
        return False
    return True


def _signals_blocked():
    """Ignore Ctrl-C and SIGTERM for the few instructions of a commit."""
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread
            pass
    return previous


def _restore_signals(previous):
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def extract(
    inputs,
    output,
    transformer,
    *,
    recursive=False,
    n_jobs=1,
    resume=False,
    report=None,
    progress=None,
):
    """Extract one row per image file into ``output``.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns.
    output : str
        ``.csv``, ``.parquet`` or ``.npz`` file, written whole or not at all.
    transformer : GradientHistogramTransformer
        Fitted; gives the options and the column names.
    recursive, n_jobs, resume
        As the command-line options.
    report : callable(str, str), optional
        Called with (path, reason) for each file that did not become a row.
    progress : callable(int) -> object with ``update(n)`` and ``close()``
        Makes a progress display for a given number of files.

    Returns
    -------
    summary : dict
        ``rows`` written, ``new`` rows, ``kept`` rows from a resumed OUTPUT,
        ``skipped`` files already there, ``errors`` count, ``errors_file``.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    output = os.fspath(output)
    table_class = table_format(output)
    if table_class is _ParquetTable:
        _import_pyarrow()  # say what to install before any work is done
    if os.path.isdir(output):
        raise UsageError(f"OUTPUT {output!r} is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise UsageError(f"the directory of OUTPUT, {directory!r}, does not exist")
    errors_path = output + ".errors.csv"
    columns = [str(c) for c in transformer.get_feature_names_out()]
    params = transformer._options()
    options = {name: getattr(params, name) for name in (
        "angle_bins", "unidirectional", "rotation_invariant", "normalize", "operator", "sigma",
        "invariance", "include_orientation")}

    old_paths = set()
    resuming = resume and os.path.exists(output)
    if resuming:
        try:
            old_columns, old_options, paths = table_class.read_paths(output)
        except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot resume"
            raise UsageError(f"cannot resume from {output!r}: {exc}") from exc
        if old_columns is not None and list(old_columns) != columns:
            raise UsageError(
                f"cannot resume: {output!r} has other columns than these options give; "
                f"use the options it was written with, or drop --resume"
            )
        if old_options is not None and old_options != options:
            raise UsageError(
                f"cannot resume: {output!r} was written with other options "
                f"({json.dumps(old_options)}); use them, or drop --resume"
            )
        old_paths = set(paths)
        del paths

    temp = TempFiles(output)
    exclude = [output, errors_path]
    found, problems = find_images(inputs, recursive=recursive, exclude=exclude)
    todo = [p for p in found if p not in old_paths]
    n_skipped = len(found) - len(todo)
    if table_class is _ParquetTable:  # parquet strings must be valid UTF-8
        encodable = [_is_utf8(p) for p in todo]
        undecodable = [p for p, ok in zip(todo, encodable, strict=True) if not ok]
        if undecodable:
            todo = [p for p, ok in zip(todo, encodable, strict=True) if ok]
            problems += [(p, "the file name is not valid UTF-8; parquet cannot store it "
                             "(write a .csv or .npz instead)") for p in undecodable]
    report = report or (lambda path, reason: None)
    n_errors = n_new = 0
    table = None
    try:
        table_name = temp.new(table_class.suffix)
        errors_name = temp.new(".errors.csv")
        table = table_class(table_name, columns, options, temp)
        with open(errors_name, "w", newline="", encoding="utf-8",
                  errors="surrogateescape") as errors_file:
            errors_writer = csv.writer(errors_file)
            errors_writer.writerow(["path", "reason"])

            def record(path, reason):
                nonlocal n_errors
                reason = " ".join(str(reason).split())  # one line per file
                n_errors += 1
                errors_writer.writerow([path, reason])
                report(path, reason)

            for item, reason in problems:
                record(item, reason)

            bar = progress(len(todo)) if progress else None
            # Fewer files per task when there are few files, so that every
            # worker gets several tasks (at least four each).
            slices = _batch.plan_slices(len(todo), 1, _batch.FILES_PER_CHUNK,
                                        min_chunks=4 * effective_n_jobs(n_jobs))
            results = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_batch.features_of_paths_tolerant)(todo[a:b], params)
                for a, b in slices
            )

            def new_rows():
                nonlocal n_new
                for (a, b), result in zip(slices, results, strict=True):
                    ok, histograms, orientations, errors = result
                    chunk = todo[a:b]
                    for position, reason in errors:
                        record(chunk[position], reason)
                    features = histograms
                    if options["include_orientation"]:
                        features = np.column_stack([histograms, orientations])
                    n_new += len(ok)
                    for j, position in enumerate(ok):
                        yield chunk[position], features[j]
                    if bar is not None:
                        bar.update(b - a)

            rows = _Rows(table, len(columns))
            stream = new_rows()
            if resuming:
                stream = heapq.merge(table_class.iter_rows(output), stream, key=itemgetter(0))
            for path, row in stream:
                rows.add(path, row)
            rows.flush()
            if bar is not None:
                bar.close()
        table, finished = None, table
        finished.close()
        previous = _signals_blocked()
        try:
            temp.commit(table_name, output)
            if n_errors:
                temp.commit(errors_name, errors_path)
            elif os.path.exists(errors_path):
                os.remove(errors_path)  # from an earlier run: no longer true
        finally:
            _restore_signals(previous)
    finally:
        previous = _signals_blocked()
        try:
            if table is not None:  # interrupted or failed: release the scratch files
                try:
                    table.discard()
                except Exception:  # noqa: BLE001 - we are removing it anyway
                    pass
            temp.remove_all()
        finally:
            _restore_signals(previous)
    return {
        "rows": rows.count,
        "new": n_new,
        "kept": rows.count - n_new,
        "skipped": n_skipped,
        "errors": n_errors,
        "errors_file": errors_path if n_errors else None,
    }
