"""Which engine computes the raw histograms: plain numpy or the numba kernel.

The choice comes from the environment variable ``GRADHIST_ENGINE``:

``auto`` (default)
    The compiled kernel when numba is installed (``pip install
    gradhist-sklearn[fast]``), numpy otherwise.
``numba``
    The compiled kernel; an ImportError says what to install if numba is
    missing.
``plain``
    numpy and scipy only.

Both engines give the same numbers to about 1e-15 relative (float64 and
integer input; float32 input is computed in float64 by the kernel and in
float32 by numpy, so they agree to about 1e-6). Operators the kernel does not
know fall back to numpy. The transformer resolves the engine once per call,
in the parent process, and hands it to every worker, so one call never mixes
engines.
"""

import os

ENV_VAR = "GRADHIST_ENGINE"
ENGINES = ("auto", "numba", "plain")

_numba_available = None


def numba_available():
    """Whether numba can be imported (checked once)."""
    global _numba_available
    if _numba_available is None:
        try:
            import numba  # noqa: F401
        except ImportError:
            _numba_available = False
        else:
            _numba_available = True
    return _numba_available


def resolve_engine(engine=None):
    """Turn ``engine`` (or ``$GRADHIST_ENGINE`` when None) into 'numba' or 'plain'."""
    if engine is None:
        engine = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        raise ValueError(
            f"{ENV_VAR}={engine!r} is not an engine; use one of "
            f"{', '.join(repr(name) for name in ENGINES)}."
        )
    if engine == "auto":
        return "numba" if numba_available() else "plain"
    if engine == "numba" and not numba_available():
        raise ImportError(
            f"{ENV_VAR}=numba needs numba: install it with "
            f"`pip install gradhist-sklearn[fast]`, or set {ENV_VAR}=plain."
        )
    return engine
