"""Running a benchmark on one histogram engine."""

import contextlib
import os

from gradhist_sklearn._engines import ENV_VAR


@contextlib.contextmanager
def selected_engine(engine):
    """Select ``engine`` through ``$GRADHIST_ENGINE`` for the block, then put
    back whatever the variable held before (or nothing)."""
    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = engine
    try:
        yield
    finally:
        if previous is None:
            del os.environ[ENV_VAR]
        else:
            os.environ[ENV_VAR] = previous
