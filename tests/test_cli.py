"""The ``gradhist`` command, run for real in a subprocess: what it reads, what
it writes, its options and its usage errors.

Its tables are tested in ``test_cli_tables.py``; interruptions, signals and
the progress bar in ``test_cli_run.py``.
"""

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _images import cut_images, write_bad_files, write_images

import gradhist_sklearn
from gradhist_sklearn import GradientHistogramTransformer
from gradhist_sklearn._cli import main

#: pyarrow is optional (the [parquet] extra): without it, as at the declared
#: floors, the parquet cases are skipped rather than failed.
needs_pyarrow = pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                                   reason="pyarrow is not installed (the [parquet] extra)")
FORMATS = [".csv", pytest.param(".parquet", marks=needs_pyarrow), ".npz"]
BAD_NAMES = ["bomb.png", "empty.png", "notes.png", "truncated.png"]


def run(args, cwd, script=None, **kwargs):
    command = [script] if script else [sys.executable, "-m", "gradhist_sklearn"]
    return subprocess.run(
        command + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
        timeout=300, **kwargs,
    )


def read_table(path):
    """(paths, features, column names) of a table written by the command."""
    path = Path(path)
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        header, body = rows[0], rows[1:]
        features = np.array([[float(v) for v in row[1:]] for row in body]).reshape(
            len(body), len(header) - 1
        )
        return [row[0] for row in body], features, header[1:]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        features = np.column_stack([c.to_numpy() for c in table.columns[1:]])
        return table.column("path").to_pylist(), features, table.column_names[1:]
    with np.load(path) as data:
        return [str(p) for p in data["paths"]], data["features"], list(data["columns"])


def expected(paths, cwd, **params):
    transformer = GradientHistogramTransformer(**params)
    return transformer.fit_transform([str(cwd / p) for p in paths])


def leftovers(folder, *expected_names):
    """Files in ``folder`` other than the expected ones (temporary files); a
    CSV table's record of options, ``OUTPUT.options.json``, is expected with it."""
    records = {f"{name}.options.json" for name in expected_names if name.endswith(".csv")}
    return sorted(set(os.listdir(folder)) - set(expected_names) - records)


@pytest.fixture
def workspace(tmp_path):
    """``tmp_path/images`` holds good images and bad files; returns (tmp_path,
    sorted relative paths of the good images)."""
    good = write_images(tmp_path / "images")
    write_bad_files(tmp_path / "images")
    return tmp_path, sorted(str(p.relative_to(tmp_path)) for p in good)


@pytest.mark.parametrize("suffix", FORMATS)
def test_folder_with_bad_files(workspace, suffix):
    cwd, good = workspace
    output = f"features{suffix}"
    result = run(["extract", "images", "-o", output, "--n-jobs", "2"], cwd)
    assert result.returncode == 1, result.stderr
    paths, features, columns = read_table(cwd / output)
    assert paths == good  # every good image, in sorted order, bad ones left out
    np.testing.assert_array_equal(features, expected(good, cwd))
    assert columns == list(GradientHistogramTransformer().fit([good[0]]).get_feature_names_out())
    for name in BAD_NAMES:
        assert f"images{os.sep}{name}" in result.stderr
    with open(cwd / f"{output}.errors.csv", newline="") as file:
        errors = list(csv.DictReader(file))
    assert sorted(row["path"] for row in errors) == [f"images{os.sep}{n}" for n in BAD_NAMES]
    reasons = {Path(row["path"]).name: row["reason"] for row in errors}
    assert "empty" in reasons["empty.png"]
    assert "decompression bomb" in reasons["bomb.png"]
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert leftovers(cwd, "images", output, f"{output}.errors.csv") == []


def test_every_option_reaches_the_transformer(tmp_path):
    write_images(tmp_path / "images")
    params = dict(angle_bins=16, unidirectional=True, rotation_invariant=False,
                  normalize=False, operator="scharr", include_orientation=True,
                  layout="global")
    args = ["extract", "images", "-o", "out.csv", "--angle-bins", "16", "--unidirectional",
            "--no-rotation-invariant", "--no-normalize", "--operator", "scharr",
            "--include-orientation", "--layout", "global", "--quiet"]
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet: no summary when all went well
    paths, features, columns = read_table(tmp_path / "out.csv")
    reference = GradientHistogramTransformer(**params).fit([paths[0]])
    assert columns == list(reference.get_feature_names_out())
    assert columns[-2:] == ["main_orientation", "orientation_strength"]
    assert len(columns) == 8 + 2  # scharr: one scale; one histogram
    np.testing.assert_array_equal(features, expected(paths, tmp_path, **params))
    assert leftovers(tmp_path, "images", "out.csv") == []  # no errors file when none


def test_layout_scale_and_normalize_options_reach_the_transformer(tmp_path):
    write_images(tmp_path / "images")
    params = dict(layout="grid", grid_shape=(2, 3), sigma=(1.0, 2.5), normalize="hellinger",
                  angle_bins=8)
    args = ["extract", "images", "-o", "out.npz", "--layout", "grid", "--grid-shape", "2",
            "3", "--normalize", "hellinger", "--angle-bins", "8", "--quiet", "--sigma", "1,2.5"]
    assert run(args, tmp_path).returncode == 0
    paths, features, columns = read_table(tmp_path / "out.npz")
    reference = GradientHistogramTransformer(**params).fit([paths[0]])
    assert columns == list(reference.get_feature_names_out()) and len(columns) == 2 * 6 * 8
    np.testing.assert_array_equal(features, expected(paths, tmp_path, **params))
    rings = ["extract", "images", "-o", "rings.csv", "--layout", "rings", "--n-rings", "2",
             "--quiet"]
    assert run(rings, tmp_path).returncode == 0
    paths, features, _ = read_table(tmp_path / "rings.csv")
    np.testing.assert_array_equal(features, expected(paths, tmp_path, layout="rings",
                                                     n_rings=2))


def test_dtype_float32_rows_are_the_transformer_s_widened(tmp_path):
    # Tables hold float64 columns: float32 values widen exactly.
    write_images(tmp_path / "images")
    args = ["extract", "images", "-o", "out.npz", "--quiet", "--dtype", "float32"]
    assert run(args, tmp_path).returncode == 0
    paths, features, _ = read_table(tmp_path / "out.npz")
    single = expected(paths, tmp_path, dtype="float32")
    assert single.dtype == np.float32 and features.dtype == np.float64
    np.testing.assert_array_equal(features, single.astype(np.float64))
    with np.load(tmp_path / "out.npz") as archive:
        assert json.loads(str(archive["options"]))["dtype"] == "float32"
    refused = run(["extract", "images", "-o", "out.npz", "--quiet", "--resume"], tmp_path)
    assert refused.returncode == 2 and "cannot resume" in refused.stderr
    assert 'dtype: "float32" in the table, "float64" here' in refused.stderr, refused.stderr


def test_defaults_are_the_transformer_s(tmp_path):
    write_images(tmp_path / "images")
    assert run(["extract", "images", "-o", "out.npz", "--quiet"], tmp_path).returncode == 0
    paths, features, columns = read_table(tmp_path / "out.npz")
    transformer = GradientHistogramTransformer()
    assert columns == list(transformer.fit([paths[0]]).get_feature_names_out())
    np.testing.assert_array_equal(features, expected(paths, tmp_path))


def test_parser_defaults_are_the_transformer_s():
    from gradhist_sklearn._cli._parser import build_parser, histogram_options
    from gradhist_sklearn._gradients import KERNELS
    from gradhist_sklearn._options import HistogramOptions
    from gradhist_sklearn._params import OPERATOR_NAMES
    from gradhist_sklearn._params import TRANSFORMER_DEFAULTS as DEFAULTS

    params = GradientHistogramTransformer().get_params()
    assert DEFAULTS == params
    args = build_parser().parse_args(["extract", "images", "-o", "out.csv"])
    assert histogram_options(args) == HistogramOptions.from_params(params)
    assert OPERATOR_NAMES == (*KERNELS, "gaussian")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["extract", "--help"]])
def test_help_and_version_import_neither_scikit_learn_nor_tables(argv):
    # Import time is what --help waited for (about a second for scikit-learn,
    # more with pandas): what is imported is checked, not how long it takes.
    heavy = ["sklearn", "pandas", "pyarrow", "scipy", "numba", "joblib"]
    code = (
        "import sys\n"
        "from gradhist_sklearn._cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules], file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "gradhist" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_package_names_are_imported_when_used():
    code = (
        "import sys, gradhist_sklearn\n"
        "print('sklearn' in sys.modules,"
        "      'GradientHistogramTransformer' in dir(gradhist_sklearn))\n"
        "from gradhist_sklearn import GradientHistogramTransformer\n"
        "print('sklearn' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["False", "True", "True"], result.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        gradhist_sklearn.nothing  # noqa: B018


@needs_pyarrow
def test_installed_script(workspace):
    cwd, good = workspace
    script = shutil.which("gradhist", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the gradhist script is not installed next to this Python")
    version = run(["--version"], cwd, script=script)
    assert version.returncode == 0
    assert gradhist_sklearn.__version__ in version.stdout
    result = run(["extract", "images/*.png", "-o", "out.parquet"], cwd, script=script)
    assert result.returncode == 1
    png = [p for p in good if p.endswith(".png")]
    paths, features, _ = read_table(cwd / "out.parquet")
    assert paths == png
    np.testing.assert_array_equal(features, expected(png, cwd))


def test_help_explains_every_option(capsys):
    for argv in (["--help"], ["extract", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ["extract", "--version", "--output", "--angle-bins", "--unidirectional",
                   "--no-rotation-invariant", "--no-normalize", "--normalize", "--layout",
                   "--n-rings", "--grid-shape", "--sigma", "--operator",
                   "--include-orientation", "--recursive", "--n-jobs", "--quiet", "--resume",
                   ".parquet", ".csv", ".npz", "exit status"]:
        assert option in help_text, option


@pytest.mark.parametrize(
    "args, message",
    [
        (["extract", "images", "-o", "out.txt"], "extension"),
        (["extract", "images", "-o", "out.csv", "--angle-bins", "9", "--unidirectional"],
         "even"),
        (["extract", "images", "-o", "out.csv", "--angle-bins", "0"], "angle_bins"),
        (["extract", "images", "-o", "out.csv", "--sigma", "0"], "sigma"),
        (["extract", "images", "-o", "out.csv", "--operator", "roberts"], "invalid choice"),
        (["extract", "images", "-o", "out.csv", "--n-jobs", "0"], "--n-jobs"),
        (["extract", "images", "-o", "missing/out.csv"], "does not exist"),
        (["extract", "images"], "--output"),
        ([], "usage"),
    ],
)
def test_bad_usage_exits_with_2(tmp_path, monkeypatch, capsys, args, message):
    write_images(tmp_path / "images", {"a.png": cut_images()["camera_a.png"]})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        status = main(args)
        raise SystemExit(status)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert leftovers(tmp_path, "images") == []


def test_bad_usage_status_of_the_real_command(tmp_path):
    result = run(["extract", "images", "-o", "out.txt"], tmp_path)
    assert result.returncode == 2 and "extension" in result.stderr
    assert leftovers(tmp_path) == []


def test_inputs_files_patterns_and_recursion(tmp_path):
    images = cut_images()
    write_images(tmp_path / "top", {k: images[k] for k in ["camera_a.png", "coins.png"]})
    write_images(tmp_path / "top" / "sub", {"astronaut.png": images["astronaut.png"]})
    write_images(tmp_path / "other", {"astronaut.bmp": images["astronaut.bmp"]})
    (tmp_path / "top" / "readme.txt").write_text("not taken from a directory")
    (tmp_path / "top" / ".hidden.png").write_bytes(b"hidden files are skipped")

    flat = run(["extract", "top", "-o", "flat.csv"], tmp_path)
    assert flat.returncode == 0, flat.stderr
    assert read_table(tmp_path / "flat.csv")[0] == [
        os.path.join("top", "camera_a.png"), os.path.join("top", "coins.png")]

    deep = run(["extract", "top", "other/*.bmp", "top/coins.png", "-o", "deep.csv", "-r"],
               tmp_path)
    assert deep.returncode == 0, deep.stderr
    paths, features, _ = read_table(tmp_path / "deep.csv")
    assert paths == sorted(os.path.join(*p) for p in [
        ("other", "astronaut.bmp"), ("top", "camera_a.png"), ("top", "coins.png"),
        ("top", "sub", "astronaut.png")])  # coins.png named twice, one row
    np.testing.assert_array_equal(features, expected(paths, tmp_path))

    unmatched = run(["extract", "top", "none/*.png", "-o", "m.csv"], tmp_path)
    assert unmatched.returncode == 1 and "none/*.png" in unmatched.stderr
    assert len(read_table(tmp_path / "m.csv")[0]) == 2

    # A path that does not exist is bad usage: nothing is read or written.
    missing = run(["extract", "top", "nowhere.png", "-o", "n.csv"], tmp_path)
    assert missing.returncode == 2 and "nowhere.png" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "n.csv").exists()


@pytest.mark.parametrize("suffix", FORMATS)
def test_resume_adds_only_new_files(tmp_path, suffix):
    images = cut_images()
    names = sorted(images)
    first, later = names[::2], names[1::2]
    write_images(tmp_path / "images", {k: images[k] for k in first})
    output = f"features{suffix}"
    assert run(["extract", "images", "-o", output], tmp_path).returncode == 0
    before = expected([f"images/{n}" for n in first], tmp_path)

    # New files arrive; an old file changes, which --resume must not notice.
    write_images(tmp_path / "images", {k: images[k] for k in later})
    changed = first[0]
    write_images(tmp_path / "images", {changed: images[later[0]]})
    result = run(["extract", "images", "-o", output, "--resume"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(first)} files already there" in result.stderr

    paths, features, _ = read_table(tmp_path / output)
    assert paths == [os.path.join("images", n) for n in names]  # merged, still sorted
    rows = dict(zip(paths, features, strict=True))
    for name, row in zip(first, before, strict=True):
        np.testing.assert_array_equal(rows[os.path.join("images", name)], row)
    new = expected([f"images/{n}" for n in later], tmp_path)
    for name, row in zip(later, new, strict=True):
        np.testing.assert_array_equal(rows[os.path.join("images", name)], row)
    assert leftovers(tmp_path, "images", output) == []

    # Without --resume the changed file is computed again.
    run(["extract", "images", "-o", output], tmp_path)
    rows = dict(zip(*read_table(tmp_path / output)[:2], strict=True))
    changed_row = expected([f"images/{changed}"], tmp_path)[0]
    np.testing.assert_array_equal(rows[os.path.join("images", changed)], changed_row)


@needs_pyarrow
def test_resume_refuses_a_table_written_with_other_options(tmp_path):
    write_images(tmp_path / "images", {"a.png": cut_images()["camera_a.png"]})
    assert run(["extract", "images", "-o", "out.parquet"], tmp_path).returncode == 0
    before = (tmp_path / "out.parquet").read_bytes()
    for extra in (["--angle-bins", "18"], ["--no-normalize"]):
        result = run(["extract", "images", "-o", "out.parquet", "--resume", *extra], tmp_path)
        assert result.returncode == 2 and "cannot resume" in result.stderr
    assert (tmp_path / "out.parquet").read_bytes() == before


def test_errors_file_of_an_earlier_run_goes_once_all_is_read(tmp_path):
    write_images(tmp_path / "images", {"a.png": cut_images()["camera_a.png"]})
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    assert run(["extract", "images", "-o", "out.csv"], tmp_path).returncode == 1
    assert (tmp_path / "out.csv.errors.csv").exists()
    (tmp_path / "images" / "empty.png").unlink()
    assert run(["extract", "images", "-o", "out.csv", "--resume"], tmp_path).returncode == 0
    assert leftovers(tmp_path, "images", "out.csv") == []


def test_progress_bar_only_on_a_terminal(tmp_path):
    write_images(tmp_path / "images")
    result = run(["extract", "images", "-o", "out.csv"], tmp_path)
    assert result.returncode == 0
    assert "\r" not in result.stderr and "img/s" not in result.stderr
    assert "8 rows in out.csv" in result.stderr


def test_tables_of_the_former_defaults_record_the_former_options(tmp_path):
    # normalize=True, one sigma and the global layout are stored as before
    # the layouts existed (true, a number, no layout keys), so tables written
    # then still resume, with the former defaults named: the layout is now
    # the grid, the alignment dominant_harmonic.
    write_images(tmp_path / "images")
    former = ["--normalize", "pixels", "--sigma", "1", "--invariance", "centre_of_mass_rebin"]
    args = ["extract", "images", "-o", "out.npz", "--quiet", *former, "--layout", "global"]
    assert run(args, tmp_path).returncode == 0
    with np.load(tmp_path / "out.npz") as archive:
        stored = json.loads(str(archive["options"]))
    assert stored == {"angle_bins": 36, "unidirectional": False, "rotation_invariant": True,
                      "normalize": True, "operator": "gaussian", "sigma": 1.0,
                      "invariance": "centre_of_mass_rebin", "include_orientation": False}
    assert run(args + ["--resume"], tmp_path).returncode == 0
    # Without --layout global, the default grid is not what the table holds.
    grid = run(["extract", "images", "-o", "out.npz", "--quiet", *former, "--resume"], tmp_path)
    assert grid.returncode == 2 and "cannot resume" in grid.stderr
    # The message names what differs, so the user knows which flag to add.
    assert 'layout: "global" in the table, "grid" here' in grid.stderr, grid.stderr
    assert "sigma" not in grid.stderr.split("cannot resume")[1], grid.stderr
    refused = run(["extract", "images", "-o", "out.npz", "--quiet", "--resume"], tmp_path)
    assert refused.returncode == 2 and "cannot resume" in refused.stderr
