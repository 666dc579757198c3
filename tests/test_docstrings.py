"""Docstrings of the public API follow numpydoc and match the signatures.

Every name in ``gradhist_sklearn.__all__`` (the dunders aside) and every
public method a public class defines itself is checked with numpydoc's
validator, in the manner of scikit-learn's and imbalanced-learn's
``test_docstrings.py``. Methods inherited from scikit-learn (``set_params``,
``fit_transform``, ...) are scikit-learn's to document.
"""

import inspect

import pytest

import gradhist_sklearn

numpydoc_validate = pytest.importorskip("numpydoc.validate")
from numpydoc.docscrape import NumpyDocString  # noqa: E402

# Checks left out, with the reason:
#   ES01  an extended summary is not required for short methods;
#   SA01  a See Also section is not required;
#   SA03, SA04  See Also entries may be plain references without a sentence;
#   RT02  Returns entries are named ("result : type"), as in scikit-learn;
#   GL01  the summary may start on the first line of the docstring.
IGNORED = {"ES01", "SA01", "SA03", "SA04", "RT02", "GL01"}


def _public_names():
    names = []
    for name in gradhist_sklearn.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(gradhist_sklearn, name)
        names.append(f"gradhist_sklearn.{name}")
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            if attr.startswith("_") or attr in getattr(obj, "_fields", ()):
                continue  # private, or a NamedTuple field (documented as a parameter)
            if isinstance(value, (classmethod, staticmethod)) or inspect.isfunction(value):
                names.append(f"gradhist_sklearn.{name}.{attr}")
    return names


PUBLIC_NAMES = _public_names()


def test_every_public_name_is_checked():
    # A guard against the collection above silently finding nothing.
    assert "gradhist_sklearn.gradient_histogram" in PUBLIC_NAMES
    assert "gradhist_sklearn.GradientHistogramTransformer.transform" in PUBLIC_NAMES
    assert "gradhist_sklearn.GradientHistogramDisplay.from_image" in PUBLIC_NAMES


@pytest.mark.parametrize("import_path", PUBLIC_NAMES)
def test_docstring(import_path):
    result = numpydoc_validate.validate(import_path)
    errors = [
        f"{code}: {message}" for code, message in result["errors"] if code not in IGNORED
    ]
    # The two requirements stated for every public name, checked explicitly as
    # well so that a change to IGNORED cannot drop them.
    assert result["docstring"].strip(), f"{import_path} has no docstring"
    sections = NumpyDocString(result["docstring"])
    assert any(">>>" in line for line in sections["Examples"]), (
        f"{import_path} has no doctested Examples section"
    )
    assert not errors, f"{import_path}:\n" + "\n".join(errors)
