"""Run every test once per histogram engine (plain numpy, compiled numba).

The engine is chosen by the ``GRADHIST_ENGINE`` environment variable, which
``gradient_histogram`` reads at each call and the transformer reads once per
call in the parent process (its workers are told which engine to use). The
numba runs are skipped, not failed, when numba is not installed.
"""

import pytest

from gradhist_sklearn._engine import ENV_VAR, numba_available


@pytest.fixture(autouse=True, params=["plain", "numba"])
def engine(request, monkeypatch):
    if request.param == "numba" and not numba_available():
        pytest.skip("numba is not installed: pip install 'gradhist-sklearn[fast]'")
    monkeypatch.setenv(ENV_VAR, request.param)
    return request.param
