"""What ``gradhist extract`` says and records: exit status 3 only when the
table was left as it was, an OUTPUT that is a link, the engine in a table's
record, file names that are not UTF-8 in tables, bounds on ``--n-jobs``, a
hint to ``--`` and file names escaped on the terminal.

The command runs in this process (``main``), with the numpy engine unless a
test names its engines; one test runs the real command in a subprocess.
"""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from _images import cut_images, write_images
from hypothesis import given
from hypothesis import strategies as st

from gradhist_sklearn import GradientHistogramTransformer
from gradhist_sklearn._cli import _extract, _tables, main
from gradhist_sklearn._cli._extract import extract
from gradhist_sklearn._cli._parser import JOBS_PER_CPU, usable_cpus
from gradhist_sklearn._cli._tables import (
    OutputLock,
    engine_record,
    made_by,
    path_of_text,
    path_to_text,
    resumed_made_by,
)
from gradhist_sklearn._cli._usage import OutputError, printable
from gradhist_sklearn._engines import numba_available
from gradhist_sklearn._options import HistogramOptions

pytestmark = pytest.mark.explicit_engines
DEFAULT_ENGINE = "plain"

#: A name that is not UTF-8 on Linux (Latin-1 é), as Python holds it.
LATIN1_NAME = os.fsdecode(b"caf\xe9.png")


def command(args, capsys):
    """``(exit status, standard error)`` of ``gradhist`` run in this process."""
    try:
        status = main([str(a) for a in args])
    except SystemExit as exc:
        status = exc.code
    return status, capsys.readouterr().err


@pytest.fixture
def images(tmp_path, monkeypatch):
    """Two good images and an empty one under ``tmp_path/images``; the
    working directory is ``tmp_path``."""
    cut = cut_images()
    write_images(tmp_path / "images", {k: cut[k] for k in ["camera_a.png", "coins.png"]})
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rows_of_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return [row[0] for row in rows[1:]], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


# -- exit status 3 only when the table was left as it was ------------------------------


def test_a_directory_where_the_errors_file_goes_is_refused_before_anything(images, capsys):
    (images / "p.csv").write_text("an earlier table\n")
    (images / "p.csv.errors.csv").mkdir()
    status, err = command(["extract", "images", "-o", "p.csv"], capsys)
    assert status == 2, err
    assert "p.csv.errors.csv" in err and "is a directory" in err
    assert (images / "p.csv").read_text() == "an earlier table\n"
    assert sorted(os.listdir(images)) == ["images", "p.csv", "p.csv.errors.csv"]


@pytest.mark.parametrize("in_the_way", ["p.csv.errors.csv", "p.csv.options.json"])
@pytest.mark.parametrize("bad_file", [True, False])
def test_a_companion_that_cannot_be_written_leaves_the_table_as_it_was(images, in_the_way,
                                                                      bad_file):
    # The directory appears while the run computes (after the checks at its
    # start): the table must not be replaced before it is found.
    if not bad_file:
        (images / "images" / "empty.png").unlink()
    (images / "p.csv").write_text("an earlier table\n")
    (images / "p.csv.options.json").write_text("{}")

    def progress(total):
        (images / in_the_way).unlink(missing_ok=True)
        (images / in_the_way).mkdir()
        return _extract.NoProgress()

    with pytest.raises(OutputError) as raised:
        extract(["images"], "p.csv", HistogramOptions(), progress=progress)
    said = {
        ("p.csv.errors.csv", True): "cannot write p.csv.errors.csv: Is a directory; "
                                    "p.csv was left as it was",
        ("p.csv.errors.csv", False): "cannot remove the errors file of an earlier run, "
                                     "p.csv.errors.csv: Is a directory; p.csv was left "
                                     "as it was",
        ("p.csv.options.json", True): "cannot remove the record of the former table, "
                                      "p.csv.options.json: Is a directory; p.csv was left "
                                      "as it was; p.csv.errors.csv lists this run's "
                                      "unreadable files",
        ("p.csv.options.json", False): "cannot remove the record of the former table, "
                                       "p.csv.options.json: Is a directory; p.csv was left "
                                       "as it was",
    }
    assert str(raised.value) == said[in_the_way, bad_file]
    assert (images / "p.csv").read_text() == "an earlier table\n"
    assert not [n for n in os.listdir(images) if n.endswith(".tmp")]


def test_a_record_that_cannot_be_written_after_its_table_is_said(images, capsys,
                                                                 monkeypatch):
    commit = _tables.TempFiles.commit

    def failing_commit(self, name, target):
        if target.endswith(".options.json"):
            raise OSError(28, "No space left on device")
        return commit(self, name, target)

    monkeypatch.setattr(_tables.TempFiles, "commit", failing_commit)
    status, err = command(["extract", "images", "-o", "p.csv"], capsys)
    assert status == 1  # the table is written; one file was unreadable
    paths, _ = rows_of_csv(images / "p.csv")
    assert paths == [os.path.join("images", n) for n in ["camera_a.png", "coins.png"]]
    assert ("p.csv is written, but not its record p.csv.options.json (No space left on "
            "device): a --resume of it will be refused") in err
    assert not (images / "p.csv.options.json").exists()
    status, err = command(["extract", "images", "-o", "p.csv", "--resume"], capsys)
    assert status == 2 and "cannot resume" in err


# -- an OUTPUT that is a link ----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_an_output_link_is_written_through_to_its_target(images, capsys, suffix):
    (images / "runs").mkdir()
    target = images / "runs" / f"first{suffix}"
    target.write_text("an earlier table\n")
    os.symlink(os.path.join("runs", f"first{suffix}"), images / f"latest{suffix}")
    status, err = command(["extract", "images", "-o", f"latest{suffix}"], capsys)
    assert status == 1, err
    assert os.path.islink(images / f"latest{suffix}")  # still the link
    assert f"2 rows in latest{suffix} (a link: written to {os.path.realpath(target)})" in err
    written = sorted(os.listdir(images / "runs"))
    companions = [f"first{suffix}.errors.csv"] + (
        [f"first{suffix}.options.json"] if suffix == ".csv" else [])
    assert written == sorted([f"first{suffix}", *companions])
    assert sorted(os.listdir(images)) == ["images", f"latest{suffix}", "runs"]
    assert target.read_bytes() != b"an earlier table\n"
    # The link and its target are one OUTPUT: resumed through either name.
    status, err = command(["extract", "images", "-o", target, "--resume"], capsys)
    assert status == 1 and "2 files already there" in err


def test_a_dangling_output_link_gets_its_target_written(images, capsys):
    (images / "runs").mkdir()
    os.symlink(os.path.join("runs", "new.csv"), images / "new.csv")
    status, err = command(["extract", "images", "-o", "new.csv", "-q"], capsys)
    assert status == 1
    assert os.path.islink(images / "new.csv")
    assert sorted(os.listdir(images / "runs")) == ["new.csv", "new.csv.errors.csv",
                                                   "new.csv.options.json"]
    assert rows_of_csv(images / "new.csv")[0] == [os.path.join("images", n)
                                                  for n in ["camera_a.png", "coins.png"]]


def test_an_output_link_and_its_target_take_one_lock(images, capsys):
    os.symlink("target.csv", images / "link.csv")
    with OutputLock(str(images / "target.csv")):  # another run writing the target
        status, err = command(["extract", "images", "-o", "link.csv"], capsys)
    assert status == 2 and "another gradhist run is writing this OUTPUT" in err
    assert os.path.islink(images / "link.csv") and not (images / "target.csv").exists()


@pytest.mark.parametrize("link, to, message", [
    ("loop.csv", "loop.csv", "loops"),
    ("table.csv", "table.parquet", "another format"),
])
def test_output_links_that_cannot_be_written_through_are_refused(images, capsys, link, to,
                                                                 message):
    os.symlink(to, images / link)
    status, err = command(["extract", "images", "-o", link], capsys)
    assert status == 2 and message in err
    assert sorted(os.listdir(images)) == sorted(["images", link])


# -- the engine in a table's record ----------------------------------------------------


def test_the_record_names_the_engine_and_its_version(monkeypatch):
    monkeypatch.setenv("GRADHIST_ENGINE", "plain")
    assert engine_record(HistogramOptions()) == {"engine": "plain"}
    record = made_by(HistogramOptions())
    assert record["engine"] == "plain" and record["directory"] == os.getcwd()
    if numba_available():
        import numba

        monkeypatch.setenv("GRADHIST_ENGINE", "numba")
        assert engine_record(HistogramOptions()) == {"engine": "numba",
                                                     "numba": numba.__version__}
        # An operator the compiled kernel cannot run is computed by the reference.
        monkeypatch.setattr("gradhist_sklearn._engines._numba.supports", lambda *k: False)
        assert engine_record(HistogramOptions()) == {"engine": "plain"}


def engine_of(path):
    with np.load(path) as archive:
        return json.loads(str(archive["made_by"])).get("engine")


@pytest.mark.skipif(not numba_available(), reason="needs both engines")
def test_resume_refuses_a_table_of_the_other_engine(images, capsys, monkeypatch):
    monkeypatch.setenv("GRADHIST_ENGINE", "numba")
    assert command(["extract", "images", "-o", "out.npz"], capsys)[0] == 1
    assert engine_of(images / "out.npz") == "numba"
    before = (images / "out.npz").read_bytes()
    monkeypatch.setenv("GRADHIST_ENGINE", "plain")
    status, err = command(["extract", "images", "-o", "out.npz", "--resume"], capsys)
    assert status == 2
    assert "was written by the numba" in err and "this run uses plain" in err
    assert "set GRADHIST_ENGINE=numba" in err and "write a new OUTPUT" in err
    assert (images / "out.npz").read_bytes() == before
    monkeypatch.setenv("GRADHIST_ENGINE", "numba")
    status, err = command(["extract", "images", "-o", "out.npz", "--resume"], capsys)
    assert status == 1 and "2 files already there" in err


@pytest.mark.parametrize("resumed_with", ["plain", "numba"])
def test_a_table_that_records_no_engine_still_resumes(images, capsys, monkeypatch,
                                                      resumed_with):
    if resumed_with == "numba" and not numba_available():
        pytest.skip("numba cannot be imported")
    assert command(["extract", "images", "-o", "out.csv"], capsys)[0] == 1
    record_path = images / "out.csv.options.json"
    record = json.loads(record_path.read_text())
    for key in ("engine", "numba"):  # as written before tables recorded the engine
        record["made_by"].pop(key, None)
    record_path.write_text(json.dumps(record))
    (images / "images" / "more.png").write_bytes((images / "images" / "coins.png").read_bytes())
    monkeypatch.setenv("GRADHIST_ENGINE", resumed_with)
    status, err = command(["extract", "images", "-o", "out.csv", "--resume"], capsys)
    assert status == 1 and "2 files already there" in err
    # Its rows may now come from two engines: the record still names none.
    assert "engine" not in json.loads(record_path.read_text())["made_by"]
    assert resumed_made_by(_tables.CsvTable, "out.csv", HistogramOptions()).get(
        "engine") is None


# -- paths that are not UTF-8, in tables -----------------------------------------------


NAMES = ["plain.png", LATIN1_NAME, "lit\\xe9.png", "back\\slash.png", "both\\xff" + LATIN1_NAME,
         "\\\\x80\\", "é.png", "new\nline.png"]


@pytest.mark.parametrize("name", NAMES)
def test_stored_paths_are_utf8_and_give_the_name_back(name):
    text = path_to_text(name)
    text.encode("utf-8")  # never raises
    assert path_of_text(text) == name
    if name in ("plain.png", "back\\slash.png", "é.png", "new\nline.png"):
        assert text == name  # valid names without an escape are stored as they are


@given(st.text(alphabet=["a", "\\", "x", "e", "9", "8", "f", "0", "\udce9", "\udc80",
                         "\udcff", "é"], max_size=12))
def test_stored_paths_round_trip_and_differ(name):
    text = path_to_text(name)
    text.encode("utf-8")
    assert path_of_text(text) == name


def test_distinct_names_are_stored_as_distinct_text():
    alphabet = ["a", "\\", "x", "e", "9", "\udce9"]
    names = [""]
    for _ in range(5):
        names += [n + c for n in names if len(n) == len(names[-1]) for c in alphabet]
    names = set(names)
    assert len({path_to_text(n) for n in names}) == len(names)


@pytest.fixture
def latin1_images(images):
    """``images`` plus a copy of one image under a name that is not UTF-8 and
    one under a valid name that spells the same escape."""
    coins = (images / "images" / "coins.png").read_bytes()
    with open(os.path.join(os.fsencode(images / "images"), b"caf\xe9.png"), "wb") as file:
        file.write(coins)
    (images / "images" / "lit\\xe9.png").write_bytes(coins)
    return images


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".npz"])
def test_tables_with_names_that_are_not_utf8_read_with_defaults_and_resume(
        latin1_images, capsys, suffix):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    status, err = command(["extract", "images", "-o", f"out{suffix}"], capsys)
    assert status == 1, err
    stored = [os.path.join("images", n) for n in
              ["caf\\xe9.png", "camera_a.png", "coins.png", "lit\\\\xe9.png"]]
    if suffix == ".npz":
        with np.load(f"out{suffix}") as archive:
            assert sorted(archive["paths"]) == stored
    else:
        read = {".csv": (pd.read_csv, pl.read_csv),
                ".parquet": (pd.read_parquet, pl.read_parquet)}[suffix]
        assert sorted(read[0](f"out{suffix}")["path"]) == stored
        assert sorted(read[1](f"out{suffix}")["path"].to_list()) == stored
        errors = pd.read_csv(f"out{suffix}.errors.csv")
        assert list(errors["path"]) == [os.path.join("images", "empty.png")]
    # The rows are the transformer's, and --resume finds every file again.
    names = {path_of_text(p): p for p in stored}
    rows = dict(zip(*_extract_rows(f"out{suffix}"), strict=True))
    reference = GradientHistogramTransformer().fit_transform(sorted(names))
    for name, row in zip(sorted(names), reference, strict=True):
        np.testing.assert_array_equal(rows[name], row)
    status, err = command(["extract", "images", "-o", f"out{suffix}", "--resume"], capsys)
    assert status == 1 and "4 files already there" in err and "dropped" not in err


def _extract_rows(path):
    table_class = _tables.table_format(path)
    pairs = list(table_class.iter_rows(path))
    return [p for p, _ in pairs], [r for _, r in pairs]


def test_an_errors_file_with_a_name_that_is_not_utf8_reads_with_defaults(images, capsys):
    pd = pytest.importorskip("pandas")
    with open(os.path.join(os.fsencode(images / "images"), b"bad\xff.png"), "wb"):
        pass  # empty: unreadable
    assert command(["extract", "images", "-o", "out.csv"], capsys)[0] == 1
    errors = pd.read_csv("out.csv.errors.csv")
    assert sorted(errors["path"]) == [os.path.join("images", n)
                                      for n in ["bad\\xff.png", "empty.png"]]


# -- --n-jobs, a name that starts with a dash ------------------------------------------


@pytest.mark.parametrize("jobs", [100000, JOBS_PER_CPU * usable_cpus() + 1,
                                  -usable_cpus() - 1, -100000])
def test_n_jobs_out_of_bounds_is_bad_usage(images, capsys, jobs):
    status, err = command(["extract", "images", "-o", "out.csv", "-j", jobs], capsys)
    assert status == 2 and f"--n-jobs {jobs}" in err and "CPUs" in err
    assert "Traceback" not in err and not (images / "out.csv").exists()


@pytest.mark.parametrize("args", [
    ["extract", "-dash.png", "-o", "out.csv"],
    ["extract", "images", "-dash.png", "-o", "out.csv"],
    ["extract", "-o", "out.csv", "-new.png"],  # not a file yet: an image's name
])
def test_a_name_that_starts_with_a_dash_gets_a_hint_to_double_dash(images, capsys, args):
    (images / "-dash.png").write_bytes((images / "images" / "coins.png").read_bytes())
    status, err = command(args, capsys)
    assert status == 2
    name = next(a for a in args if a.endswith(".png"))
    assert "put '--' before the INPUTs" in err
    assert f"gradhist extract -o OUTPUT -- {name}" in err and f"./{name}" in err
    status, err = command(["extract", "-o", "out.csv", "--", "-dash.png"], capsys)
    assert status == 0 and "1 row in out.csv" in err


def test_options_after_double_dash_get_a_hint(images, capsys):
    status, err = command(["extract", "--", "images", "-o", "out.csv"], capsys)
    assert status == 2 and "everything after '--' is an INPUT, -o OUTPUT included" in err
    assert not (images / "out.csv").exists()


def test_no_hint_for_other_usage_errors(images, capsys):
    status, err = command(["extract", "images", "-o", "out.csv", "--angle-bins", "x"], capsys)
    assert status == 2 and "'--'" not in err


# -- file names escaped on the terminal ------------------------------------------------


FAKE = "x\ngradhist: 99 rows in fake.csv\x1b[2K\r.png"


def test_printable_escapes_what_does_not_print():
    assert printable("images/a b/é.png") == "images/a b/é.png"
    assert printable(FAKE) == "x\\ngradhist: 99 rows in fake.csv\\x1b[2K\\r.png"
    assert printable(LATIN1_NAME) == "caf\\xe9.png"
    assert printable("right\u202eto-left.png") == "right\\u202eto-left.png"
    assert printable("C:\\data\\a.png") == "C:\\data\\a.png"


def test_file_names_cannot_print_a_line_of_their_own(images, capsys):
    (images / "images" / FAKE).write_bytes(b"")
    with open(os.path.join(os.fsencode(images / "images"), b"bad\xff.png"), "wb"):
        pass
    output = "odd\nname.csv"
    status, err = command(["extract", "images", "-o", output], capsys)
    assert status == 1
    lines = err.splitlines()
    assert all(line.startswith("gradhist: ") for line in lines), lines
    assert not any("99 rows" in line and "cannot read" not in line for line in lines)
    assert "\x1b" not in err and "\r" not in err
    escaped = os.path.join("images", "x\\ngradhist: 99 rows in fake.csv\\x1b[2K\\r.png")
    assert f"gradhist: cannot read {escaped}: the file is empty" in lines
    assert f"gradhist: cannot read {os.path.join('images', 'bad')}\\xff.png: the file is " \
           "empty" in lines
    assert lines[-1].startswith("gradhist: 2 rows in odd\\nname.csv; 3 unreadable, listed in "
                                "odd\\nname.csv.errors.csv")


def test_usage_errors_escape_names_too(images, capsys):
    with OutputLock("x\ny.csv"):  # its lock file, .x\ny.csv.lock, holds the newline
        status, err = command(["extract", "images", "-o", "x\ny.csv"], capsys)
    assert status == 2
    last = err.splitlines()[-1]
    assert last.startswith("gradhist extract: error: another gradhist run is writing")
    assert last.endswith(".x\\ny.csv.lock); wait for it to end, or choose another OUTPUT")


def test_unknown_arguments_are_escaped(images, capsys):
    status, err = command(["extract", "images", "-o", "out.csv", "--fake\nline"], capsys)
    assert status == 2
    assert err.splitlines()[-1] == ("gradhist extract: error: unrecognized arguments: "
                                    "--fake\\nline")


def test_messages_of_the_real_command_are_escaped(images):
    (images / "images" / FAKE).write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "gradhist_sklearn", "extract", "images", "-o", "out.csv"],
        cwd=images, capture_output=True, timeout=300,
        env={**os.environ, "GRADHIST_ENGINE": "plain"},
    )
    assert result.returncode == 1
    lines = result.stderr.decode("utf-8").splitlines()  # valid UTF-8, whatever the names
    escaped = os.path.join("images", "x\\ngradhist: 99 rows in fake.csv\\x1b[2K\\r.png")
    assert lines == [
        f"gradhist: cannot read {os.path.join('images', 'empty.png')}: the file is empty",
        f"gradhist: cannot read {escaped}: the file is empty",
        "gradhist: 2 rows in out.csv; 2 unreadable, listed in out.csv.errors.csv",
    ]
