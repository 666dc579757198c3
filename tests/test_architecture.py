"""The architecture page and the parameter table say what the code does.

``docs/architecture.rst`` is tested where it can be: every module it names
exists, every public name is in the row of the module that defines it, and
the functions it says build the parameters from the table exist. The user
guide's parameter table is the one the table writes, and a parameter
(``angle_bins``) has its default, its check and its flag written once in the
package.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest

import gradhist_sklearn
from gradhist_sklearn._params import PARAMETERS, parameter_table_rst

pytestmark = pytest.mark.explicit_engines  # about the source and the docs: run once

PACKAGE = Path(gradhist_sklearn.__file__).parent
ROOT = PACKAGE.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.rst").read_text(encoding="utf-8")


def named_paths(text):
    """Every ``_module.py``, ``_folder/`` and ``tests/...`` path the text
    names in double back-quotes."""
    return set(re.findall(r"``((?:[\w/]+/)?_?\w+\.py|_\w+/)``", text))


def test_every_module_the_page_names_exists():
    names = named_paths(ARCHITECTURE)
    assert {"_params.py", "_options.py", "_engines/", "_cli/_parser.py",
            "tests/test_equivalence.py"} <= names
    modules = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    folders = {path.relative_to(PACKAGE).as_posix() + "/" for path in PACKAGE.iterdir()
               if path.is_dir() and not path.name.startswith("__")}
    bare = {Path(module).name for module in modules}
    for name in sorted(names):
        if name.startswith("tests/"):
            assert (ROOT / name).exists(), name
        elif name.startswith("test_"):
            assert (ROOT / "tests" / name).exists(), name
        elif name.startswith("gradhist_sklearn/"):
            assert (ROOT / name).exists(), name
        elif name.endswith("/"):
            assert name in folders, name
        else:
            assert name in modules or name in bare, name


def module_rows():
    """``{module: text}`` of the page's table of modules."""
    rows = re.findall(r"   \* - ``(_\w+(?:\.py|/))``\n     - (.*?)(?=\n   \* - |\n\n)",
                      ARCHITECTURE, flags=re.S)
    return {module: " ".join(text.split()) for module, text in rows}


def test_every_public_name_is_in_the_row_of_its_module():
    rows = module_rows()
    assert len(rows) >= 15
    for name, module in gradhist_sklearn._SOURCES.items():
        row = rows[module.lstrip(".") + ".py"]
        assert f"{name}`" in row, f"{name} is not in the row of {module}"


def test_every_builder_the_page_names_exists():
    # "``_transformer.py``: ``_make_init``", "``_params.parameter_table_rst``"
    named = re.findall(r"``((?:_\w+/)?_\w+)\.py``: ``(\w+)``(?: and ``(\w+)``)?",
                       ARCHITECTURE)
    named += [(module, name, "") for module, name
              in re.findall(r"``(_params)\.(\w+)``", ARCHITECTURE) if name != "py"]
    assert len(named) >= 7 and ("_cli/_parser", "add_histogram_options",
                                "histogram_options") in named
    for module, *names in named:
        loaded = importlib.import_module(f"gradhist_sklearn.{module.replace('/', '.')}")
        for name in filter(None, names):
            assert hasattr(loaded, name), f"{module}.{name}"


def test_the_user_guide_s_table_is_the_table_s():
    guide = (ROOT / "docs" / "user_guide.rst").read_text(encoding="utf-8")
    written = guide.split(".. parameter-table-start\n\n")[1].split("\n.. parameter-table-end")[0]
    assert written == parameter_table_rst(), (
        "the user guide's parameter table differs from the package's; rewrite it with "
        "python -m gradhist_sklearn._params")


def test_the_table_lists_every_parameter_of_every_user():
    import inspect

    from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram
    from gradhist_sklearn._cli._parser import build_parser
    from gradhist_sklearn._options import HistogramOptions

    def names(user):
        return [parameter.name for parameter in PARAMETERS if user in parameter.used_by]

    assert list(inspect.signature(GradientHistogramTransformer).parameters) == \
        names("transformer")
    assert list(inspect.signature(gradient_histogram).parameters) == \
        ["image", *names("function"), "mask"]
    assert [field.name for field in HistogramOptions.__dataclass_fields__.values()] == \
        names("options")
    dests = {action.dest for action in build_parser().extract_parser._actions}
    assert set(names("command")) <= dests
    assert set(GradientHistogramTransformer._parameter_constraints) == set(names("transformer"))


# -- angle_bins is written once ------------------------------------------------------


def code_nodes():
    """``(path, node)`` of every AST node of the package's code."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            yield path.relative_to(PACKAGE).as_posix(), node


def places(predicate):
    return [(path, node.lineno) for path, node in code_nodes() if predicate(node)]


def is_constant(node, value):
    return isinstance(node, ast.Constant) and node.value == value and \
        type(node.value) is type(value)


def binds_default(node):
    """A constant given to ``angle_bins`` in code: a call's ``'angle_bins', 36``
    (the table), a keyword ``angle_bins=36``, a function's default, a dict's
    entry. Passing a variable on (``angle_bins=options.angle_bins``) is not one."""
    if isinstance(node, ast.Call):
        after_name = [right for left, right in zip(node.args, node.args[1:], strict=False)
                      if is_constant(left, "angle_bins")]
        keywords = [keyword.value for keyword in node.keywords if keyword.arg == "angle_bins"]
        return any(isinstance(value, ast.Constant) for value in after_name + keywords)
    if isinstance(node, ast.FunctionDef):
        positional = node.args.posonlyargs + node.args.args
        defaults = dict(zip([arg.arg for arg in positional][::-1], node.args.defaults[::-1],
                            strict=False))
        keyword_defaults = zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
        defaults.update((arg.arg, default) for arg, default in keyword_defaults if default)
        return "angle_bins" in defaults
    if isinstance(node, ast.Dict):
        return any(key is not None and is_constant(key, "angle_bins")
                   and isinstance(value, ast.Constant)
                   for key, value in zip(node.keys, node.values, strict=True))
    return False


def test_angle_bins_default_is_written_once():
    assert places(binds_default) == [("_params.py", places(binds_default)[0][1])]
    parameter = next(p for p in PARAMETERS if p.name == "angle_bins")
    assert parameter.default == parameter.function_default == 36


def test_angle_bins_flag_is_written_once():
    assert [path for path, _ in places(lambda node: is_constant(node, "--angle-bins"))] == \
        ["_params.py"]


def test_angle_bins_check_is_written_once():
    # Its kind is named once (in the table); the function that refuses an
    # odd count is called once (by that kind); nothing else compares it.
    def calls(name):
        return lambda node: isinstance(node, ast.Call) and (
            getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)

    assert [path for path, _ in places(calls("AngleBins"))] == ["_params.py"]
    assert [path for path, _ in places(calls("check_angle_bins"))] == ["_params.py"]

    def compares_angle_bins(node):
        if not isinstance(node, ast.Compare):
            return False
        names = {getattr(part, "id", None) or getattr(part, "attr", None)
                 for part in [node.left, *node.comparators]}
        return "angle_bins" in names

    assert {path for path, _ in places(compares_angle_bins)} <= {"_validation.py"}


# -- the architecture page's worked example, run ------------------------------------

NEW_PARAMETER = '''
import inspect, sys
import numpy as np
from gradhist_sklearn import _params
from gradhist_sklearn._params import Integer, Parameter

# The one entry the architecture page shows, added before anything else is imported.
entry = Parameter(
    "azimuthal_harmonics", 0, Integer(0, 16),
    "azimuthal harmonics of each ring, for layout='rings'",
    flag="--azimuthal-harmonics", metavar="K",
    only_with=("layout", "rings"))
# The package has this parameter now: the example replaces its real entry.
_params.PARAMETERS = tuple(p for p in _params.PARAMETERS if p.name != entry.name)
position = [p.name for p in _params.PARAMETERS].index("n_rings") + 1
_params.PARAMETERS = (*_params.PARAMETERS[:position], entry, *_params.PARAMETERS[position:])
_params.BY_NAME[entry.name] = entry
_params.TRANSFORMER_DEFAULTS = _params.defaults_of("transformer")

from gradhist_sklearn import GradientHistogramTransformer, gradient_histogram
from gradhist_sklearn._cli._parser import build_parser, histogram_options
from gradhist_sklearn._options import HistogramOptions

def refused(call, error=ValueError):
    try:
        call()
    except error as exc:
        return str(exc)
    raise AssertionError("not refused")

found = {}
found["init"] = inspect.signature(GradientHistogramTransformer).parameters[
    "azimuthal_harmonics"].default
found["get_params"] = GradientHistogramTransformer(azimuthal_harmonics=2).get_params()[
    "azimuthal_harmonics"]
found["constraint"] = refused(
    lambda: GradientHistogramTransformer(azimuthal_harmonics=17).fit(np.zeros((2, 8, 8))))
found["function"] = inspect.signature(gradient_histogram).parameters[
    "azimuthal_harmonics"].default
found["options"] = HistogramOptions(azimuthal_harmonics=2, layout="rings").azimuthal_harmonics
found["check"] = refused(lambda: HistogramOptions(azimuthal_harmonics=-1))
found["only_with"] = refused(lambda: gradient_histogram(np.zeros((8, 8)), azimuthal_harmonics=2))
args = build_parser().parse_args(
    ["extract", "x", "-o", "o.csv", "--layout", "rings", "--azimuthal-harmonics", "3"])
found["command"] = histogram_options(args).azimuthal_harmonics
found["docstring"] = "azimuthal_harmonics : int, default=0" in GradientHistogramTransformer.__doc__
found["table"] = "``--azimuthal-harmonics``" in _params.parameter_table_rst()
print(repr(found))
'''


def test_the_worked_example_s_one_entry_reaches_every_layer():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", NEW_PARAMETER], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    found = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert found["init"] == 0 and found["function"] == 0 and found["get_params"] == 2
    assert "'azimuthal_harmonics' parameter of GradientHistogramTransformer must be an int " \
           "in the range [0, 16]" in found["constraint"]
    assert found["options"] == 2 and found["command"] == 3
    assert found["check"] == "azimuthal_harmonics must be a non-negative integer, got -1."
    assert found["only_with"].startswith(
        "azimuthal_harmonics=2 applies only with layout='rings', got layout='global'.")
    assert found["docstring"] and found["table"]


def test_readme_s_parameter_table_names_every_parameter():
    # README keeps a short table of its own: it must not leave one out.
    from gradhist_sklearn._params import PARAMETERS

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Parameters"):readme.index("## Conventions in brief")]
    named = set(re.findall(r"^\| `(.+?)` \|", table, flags=re.M))
    names = {name.strip("` ") for row in named for name in row.split(",")}
    missing = [p.name for p in PARAMETERS if "transformer" in p.used_by and p.name not in names]
    assert not missing, f"README's parameter table leaves out {missing}"
