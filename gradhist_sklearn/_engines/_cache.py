"""Where the compiled engine keeps numba's cache: outside the package.

numba caches compiled functions (``cache=True``) by default in the
``__pycache__`` folder beside their source. Inside an installed package that
folder is not in the installer's record, so uninstalling (as ``pip install
-e .`` does before an editable install) leaves it behind, and the leftover
``gradhist_sklearn`` folder then shadows the package as an empty namespace
package wherever it comes first on ``sys.path``. So the compiled engine keeps
its cache in a per-user cache directory (:func:`numba_cache_dir`), or where
the user's ``NUMBA_CACHE_DIR`` says.

numba picks the folder of a function's cache when the function is decorated
(its cache locator reads ``numba.config.CACHE_DIR`` then), so
:func:`cache_location` sets that value only while the engine's module is
being defined; other users of numba in the process keep their own setting.
"""

import contextlib
import os
import sys

#: The folder under the user's cache directory.
APP_FOLDER = "gradhist-sklearn"


def user_cache_dir():
    """The platform's per-user cache directory: ``$XDG_CACHE_HOME`` or
    ``~/.cache`` on Linux and other Unix systems, ``~/Library/Caches`` on
    macOS, ``%LOCALAPPDATA%`` on Windows."""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"),
                                                              "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
    return os.path.join(base, APP_FOLDER, "numba")


def numba_cache_dir():
    """The folder numba's cache of the compiled engine goes to: the user's
    ``NUMBA_CACHE_DIR`` (as numba read it) when set, else
    :func:`user_cache_dir`. numba adds a sub-folder per source folder, so
    several installs (or checkouts) do not mix."""
    import numba

    return numba.config.CACHE_DIR or user_cache_dir()


@contextlib.contextmanager
def cache_location():
    """Within the block, functions decorated with ``cache=True`` keep their
    cache in :func:`numba_cache_dir`."""
    import numba

    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = numba_cache_dir()
    try:
        yield numba.config.CACHE_DIR
    finally:
        numba.config.CACHE_DIR = previous


def enter_cache_location():
    """Point numba's cache at :func:`numba_cache_dir` for the functions a
    module is about to decorate, and return the caller's setting for
    :func:`leave_cache_location`: the compiled engine's modules call the
    pair at their top and at their last line, so that every function they
    define keeps its cache there and other users of numba keep theirs."""
    import numba

    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = numba_cache_dir()
    return previous


def leave_cache_location(previous):
    """Give numba back the caller's cache setting (:func:`enter_cache_location`)."""
    import numba

    numba.config.CACHE_DIR = previous
