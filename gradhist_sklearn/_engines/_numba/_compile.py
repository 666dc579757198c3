"""How every function of the compiled engine is compiled.

Each module of this package calls :func:`~.._cache.enter_cache_location`
before its first decorated function and :func:`~.._cache.leave_cache_location`
after its last, so numba's cache of each function goes to the per-user
folder (never into the package, where a leftover ``__pycache__`` would
shadow a later install: see :mod:`.._cache`).

numba's cache checks only the source file of the function it caches,
while a driver holds the compiled helpers of the other modules of this
package and of ``_invariance``: :class:`PackageCacheLocator` makes the
cache of every function of this package depend on all of those files, so
that editing any of them compiles the engine again.
"""

import functools
import hashlib
from pathlib import Path

from numba.core.caching import CacheImpl

try:
    from numba.core.caching import UserProvidedCacheLocator
except ImportError:  # numba before 0.61 names it privately
    from numba.core.caching import _UserProvidedCacheLocator as UserProvidedCacheLocator

#: The files whose code the compiled engine holds.
SOURCES = tuple(sorted(Path(__file__).parent.glob("*.py"))) + (
    Path(__file__).parents[2] / "_invariance.py",)


class PackageCacheLocator(UserProvidedCacheLocator):
    """numba's cache locator for the functions of this package: the folder
    numba's own locator picks (``numba.config.CACHE_DIR`` when the function
    is decorated), with the source stamp of all of :data:`SOURCES`."""

    def get_source_stamp(self):
        return _sources_digest(tuple((path.stat().st_mtime_ns, path.stat().st_size)
                                     for path in SOURCES))

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).parent != Path(__file__).parent:
            return None
        return super().from_function(py_func, py_file)


@functools.lru_cache(maxsize=4)
def _sources_digest(stats):
    """The hash of all of :data:`SOURCES`, read again when their ``stats``
    (modification times and sizes) change."""
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


# Tried before numba's own locators, for this package's files only.
if PackageCacheLocator not in CacheImpl._locator_classes:
    CacheImpl._locator_classes.insert(0, PackageCacheLocator)

# error_model="numpy": no ZeroDivisionError checks, which would stop LLVM from
# vectorising the loops. fastmath "contract" only: a * b + c may become one
# fused multiply-add (one rounding instead of two: never less accurate); no
# reassociation, so sums keep their order and NaN/inf keep their meaning.
JIT = dict(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})

# Only the scalar helpers are inline="always" (numba copies them into every
# caller, so their loops vectorise with the caller's). The band- and row-level
# helpers are compiled once each and called once per band or row: inlining
# them too compiled them again in every pass that uses them, three times the
# compile time for no speed (docs/performance.rst, "Compile time").
INLINE = dict(JIT, inline="always")

#: The options of functions of other modules compiled into this engine's
#: (``register_jitable``): not ``cache=True``, as numba would make their
#: cache beside their own module when they first compile; the callers'
#: cache holds them.
INLINED = {name: value for name, value in INLINE.items() if name != "cache"}
