"""The code stays readable at a glance: no function of the package is longer
than 60 lines of code, docstrings, comments and blank lines aside.

Two kinds are exempt: the compiled kernels (``@numba.njit`` functions, whose
loops are kept whole so that LLVM sees them at once) and the argparse
declaration of the command line.
"""

import ast
import io
import tokenize
from pathlib import Path

import pytest

import gradhist_sklearn

pytestmark = pytest.mark.explicit_engines  # about the source: run once

MAX_LINES = 60
PACKAGE = Path(gradhist_sklearn.__file__).parent
EXEMPT_NAMES = {"build_parser"}


def code_lines(source, node):
    """Lines of ``node`` that hold code: not blank, not only a comment, not
    part of a docstring."""
    docstrings = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    segment = "\n".join(source.splitlines()[node.lineno - 1:node.end_lineno])
    for token in tokenize.generate_tokens(io.StringIO(segment).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                          tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        for row in range(token.start[0], token.end[0] + 1):
            lines.add(row + node.lineno - 1)
    return len(lines - docstrings)


def is_compiled(node):
    return any("njit" in ast.unparse(decorator) or "jit(" in ast.unparse(decorator)
               for decorator in node.decorator_list)


def long_functions():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.name in EXEMPT_NAMES or is_compiled(node):
                continue
            n_lines = code_lines(source, node)
            if n_lines > MAX_LINES:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} "
                             f"({n_lines} lines)")
    return found


def test_code_lines_counts_only_code():
    source = 'def f():\n    """Doc\n    string."""\n    # comment\n\n    x = (1,\n         2)\n'
    assert code_lines(source, ast.parse(source).body[0]) == 3


def test_no_function_longer_than_sixty_lines_of_code():
    assert long_functions() == []
