"""The command's tables (csv, parquet, npz), its errors file and its scratch
files, tested in-process on rows made up for the purpose."""

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from gradhist_sklearn._cli import _tables
from gradhist_sklearn._cli._tables import (
    ErrorLog,
    TempFiles,
    stored_options,
    table_format,
    write_rows,
)
from gradhist_sklearn._cli._usage import UsageError
from gradhist_sklearn._options import HistogramOptions

FORMATS = [".csv", ".parquet", ".npz"]
COLUMNS = ["angle_000", "angle_120", "angle_240", "main_orientation"]


def made_up_rows(n):
    """``(path, row)`` pairs, sorted by path, with values that print long."""
    rng = np.random.default_rng(0)
    values = rng.random((n, len(COLUMNS))) ** 7  # tiny values among ordinary ones
    values[0] = [0.1, 1e-300, 5e-324, 1.7976931348623157e308]
    names = [f"dir/{i:04d}-é.png" for i in range(n)]
    return list(zip(names, values, strict=True))


def write_table(table_class, path, rows, temp):
    options = stored_options(HistogramOptions(angle_bins=3))
    table = table_class(str(path), COLUMNS, options, temp)
    count = write_rows(table, iter(rows), len(COLUMNS))
    table.close()
    return count, options


@pytest.mark.parametrize("suffix", FORMATS)
def test_rows_read_back_exactly_across_blocks(tmp_path, monkeypatch, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    monkeypatch.setattr(_tables, "ROWS_PER_WRITE", 3)  # several blocks, a short last one
    rows = made_up_rows(11)
    table_class = table_format(f"out{suffix}")
    path = tmp_path / f"out{suffix}"
    count, options = write_table(table_class, path, rows, TempFiles(path))
    assert count == 11
    columns, stored, paths = table_class.read_paths(str(path))
    assert list(columns) == COLUMNS
    assert stored == (None if suffix == ".csv" else options)
    assert paths == [p for p, _ in rows]
    back = list(table_class.iter_rows(str(path)))
    assert [p for p, _ in back] == paths
    np.testing.assert_array_equal(np.array([r for _, r in back]), np.array([r for _, r in rows]))


def test_npz_members_are_what_np_save_writes(tmp_path):
    rows = made_up_rows(5) + [("dir/a longer name than the others.png", np.arange(4.0))]
    path = tmp_path / "out.npz"
    _, options = write_table(_tables.NpzTable, path, rows, TempFiles(path))

    def saved(array):
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()

    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["features.npy", "paths.npy", "columns.npy", "options.npy",
                                      "made_by.npy"]
        assert archive.read("features.npy") == saved(np.array([r for _, r in rows]))
        assert archive.read("paths.npy") == saved(np.array([p for p, _ in rows]))
        assert archive.read("columns.npy") == saved(np.array(COLUMNS))
        assert archive.read("options.npy") == saved(np.array(json.dumps(options)))
    with np.load(path) as data:
        assert data["features"].shape == (6, 4) and data["paths"].dtype == np.dtype("<U37")


def test_an_empty_npz_table_loads(tmp_path):
    path = tmp_path / "out.npz"
    write_table(_tables.NpzTable, path, [], TempFiles(path))
    with np.load(path) as data:
        assert data["features"].shape == (0, 4) and data["paths"].shape == (0,)
    assert _tables.NpzTable.read_paths(str(path))[2] == []


def test_stored_options_are_the_file_format():
    """Tables written earlier record exactly these keys and values, and a
    resume compares them with ``==``: changing them breaks ``--resume``.
    (The options' former defaults named, as they are now
    ``dominant_harmonic`` and ``sigma=1.25``: such a table then resumes only
    with them named.)"""
    options = HistogramOptions(include_orientation=False, invariance="centre_of_mass_rebin",
                               sigma=1.0)
    assert stored_options(options) == {
        "angle_bins": 36, "unidirectional": False, "rotation_invariant": True,
        "normalize": True, "operator": "gaussian", "sigma": 1.0,
        "invariance": "centre_of_mass_rebin", "include_orientation": False,
    }
    assert list(stored_options(HistogramOptions())) == list(_tables.STORED_OPTIONS)


def test_parquet_without_pyarrow_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails
    with pytest.raises(UsageError, match=r"^writing \.parquet needs pyarrow: pip install "
                                         r"pyarrow, or choose a \.csv or \.npz OUTPUT$"):
        _tables.import_pyarrow()


def test_table_format_by_extension():
    assert table_format("a/b.CSV") is _tables.CsvTable
    assert table_format("b.npz") is _tables.NpzTable
    with pytest.raises(UsageError, match="extension"):
        table_format("b.txt")


def test_error_log_keeps_one_line_per_file(tmp_path):
    reported = []
    with ErrorLog(tmp_path / "errors.csv", lambda *entry: reported.append(entry)) as errors:
        errors.record("a.png", "first line\n  second line")
        errors.record("b,c.png", "short")
    assert errors.count == 2
    assert reported == [("a.png", "first line second line"), ("b,c.png", "short")]
    text = (tmp_path / "errors.csv").read_bytes().decode("utf-8")
    assert text == 'path,reason\r\na.png,first line second line\r\n"b,c.png",short\r\n'


def test_scratch_files_are_committed_or_removed(tmp_path):
    output = tmp_path / "out.csv"
    output.write_text("old")
    other_run = tmp_path / ".out.csv.1-abcd.x.tmp"
    other_run.write_text("another run's scratch file")
    temp = TempFiles(output)
    first, second = temp.new(".csv"), temp.new(".errors.csv")
    unrecorded = temp.prefix + "made.just.before.an.interruption.tmp"
    (tmp_path / unrecorded).write_text("")
    assert all(os.path.basename(n).startswith(temp.prefix) for n in (first, second))
    with open(first, "w") as file:
        file.write("new")
    temp.commit(first, output)
    umask = os.umask(0)
    os.umask(umask)
    assert output.read_text() == "new" and output.stat().st_mode & 0o777 == 0o666 & ~umask
    temp.remove_all()
    assert sorted(os.listdir(tmp_path)) == [other_run.name, "out.csv"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_names_that_are_not_utf8_are_stored_as_utf8_and_read_back(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    names = sorted([os.fsdecode(b"dir/caf\xe9.png"), "dir/lit\\xe9.png", "dir/plain.png"])
    rows = [(name, np.full(len(COLUMNS), float(i))) for i, name in enumerate(names)]
    table_class = table_format(f"out{suffix}")
    path = tmp_path / f"out{suffix}"
    write_table(table_class, path, rows, TempFiles(path))
    assert table_class.read_paths(str(path))[2] == names
    assert [p for p, _ in table_class.iter_rows(str(path))] == names
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8")  # strict: every byte is UTF-8
        assert "dir/caf\\xe9.png," in text and "dir/lit\\\\xe9.png," in text


def test_a_csv_written_with_raw_bytes_still_reads_back(tmp_path):
    # Tables written before names were escaped hold the name's own bytes.
    path = tmp_path / "old.csv"
    path.write_bytes(b"path,angle_000\r\ndir/caf\xe9.png,0.5\r\n")
    assert _tables.CsvTable.read_paths(str(path))[2] == [os.fsdecode(b"dir/caf\xe9.png")]
