"""Collection settings for the whole repository (see also tests/conftest.py).

The compiled engine's module imports numba at its top; on a plain install
(no ``[fast]`` extra) its doctest collection is skipped instead of failing.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("gradhist_sklearn/_engines/_numba")
