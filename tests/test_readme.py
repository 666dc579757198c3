"""README's Python code blocks, and those of the documentation pages written
for users, each run as a script in a fresh process.

A user copies a block into a file and runs it: it must end with status 0,
and every number it promises in a trailing comment (``print(...)  # 0.947``)
must be what it prints. A block is skipped, with its reason, only when a
module it imports is not installed (the dask block needs the ``dask`` extra).
The digits block takes about a minute; it runs as written.
"""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# The scripts pick their engine as a user's would (GRADHIST_ENGINE unset or
# as inherited), so they run once, not once per engine.
pytestmark = pytest.mark.explicit_engines

#: The extra that installs each optional module a block may import.
EXTRAS = {"dask": "dask", "distributed": "dask", "matplotlib": "plot", "pyarrow": "parquet"}

#: A trailing comment that promises a printed number: ``# 0.947``.
PROMISE = re.compile(r"#\s*(-?\d+\.\d+)\s*$")


def python_blocks(text):
    """The ```python fenced blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def imported_modules(source):
    """Top-level names of the modules a block imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def rst_python_blocks(text):
    """The bodies of the ``.. code-block:: python`` directives of a
    reStructuredText page, dedented."""
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: python\n((?:\n|[ ]{3}.*\n)+)", text,
                             flags=re.MULTILINE):
        lines = match.group(1).splitlines()
        blocks.append("\n".join(line[3:] for line in lines).strip() + "\n")
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))

#: The pages whose Python blocks are complete scripts (the extraction page's
#: fragments continue one another and name the user's own files).
DOC_PAGES = ["index.rst", "getting_started.rst", "user_guide.rst", "performance.rst",
             "rotation_invariance.rst"]
DOC_BLOCKS = [pytest.param(block, id=f"{page}-{k}")
              for page in DOC_PAGES
              for k, block in enumerate(rst_python_blocks(
                  (ROOT / "docs" / page).read_text(encoding="utf-8")))]


def test_readme_has_its_blocks():
    # The digits example and the dask example; a block lost to a broken
    # fence would otherwise go untested without a word.
    assert len(BLOCKS) == 2
    assert "load_digits" in BLOCKS[0] and "dask" in BLOCKS[1]


def test_the_pages_have_their_blocks():
    # index.rst's digits, getting_started.rst's one image and many images.
    assert len(DOC_BLOCKS) >= 3


def run_as_script(source, tmp_path):
    """Run one block as a user would; skip if it imports what is not installed."""
    missing = sorted(name for name in imported_modules(source)
                     if importlib.util.find_spec(name) is None)
    if missing:
        extras = sorted({EXTRAS.get(name, name) for name in missing})
        pytest.skip(f"the block imports {', '.join(missing)}, not installed "
                    f"(python -m pip install \".[{','.join(extras)}]\")")
    script = tmp_path / "block.py"
    script.write_text(source, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # run() returns the moment the script exits; the timeout only ends a hang.
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.parametrize("source", BLOCKS, ids=["digits", "dask"][: len(BLOCKS)])
def test_readme_block_runs_as_a_script(source, tmp_path):
    result = run_as_script(source, tmp_path)
    for line in source.splitlines():
        promise = PROMISE.search(line)
        if promise and "print(" in line:
            assert promise.group(1) in result.stdout, (line, result.stdout)


@pytest.mark.parametrize("source", DOC_BLOCKS)
def test_documentation_block_runs_as_a_script(source, tmp_path):
    run_as_script(source, tmp_path)
