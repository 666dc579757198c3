"""Run every test once per histogram engine (plain numpy, compiled numba).

The engine is chosen by the ``GRADHIST_ENGINE`` environment variable, which
``gradient_histogram`` reads at each call and the transformer reads once per
call in the parent process (its workers are told which engine to use). The
numba runs are skipped, not failed, when numba is not installed. Tests marked
``explicit_engines`` name their engines themselves and run once.
"""

import pytest

from gradhist_sklearn._engine import ENV_VAR, numba_available

ENGINES = ["plain", "numba"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "explicit_engines: the test picks its engines itself; run it once"
    )


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and not metafunc.definition.get_closest_marker(
        "explicit_engines"
    ):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture(autouse=True)
def engine(request, monkeypatch):
    name = getattr(request, "param", None)
    if name is None:
        return None
    if name == "numba" and not numba_available():
        pytest.skip("numba is not installed: pip install 'gradhist-sklearn[fast]'")
    monkeypatch.setenv(ENV_VAR, name)
    return name
