"""Shared test set-up.

1. Every test runs once per histogram engine (plain numpy, compiled numba).
   The engine is chosen by the ``GRADHIST_ENGINE`` environment variable, which
``gradient_histogram`` reads at each call and the transformer reads once per
call in the parent process (its workers are told which engine to use). The
numba runs are skipped, not failed, when numba is not installed. Tests marked
``explicit_engines`` name their engines themselves and run once (with the
engine of their module's ``DEFAULT_ENGINE`` when it has one, or of an
indirect ``engine`` parameter).

2. Hypothesis profiles for the property tests and the fuzz harness.

- ``ci`` (default): few examples, derandomised, so ``python -m pytest`` is
  quick and gives the same verdict on every run.
- ``fuzz``: many random examples (new ones every run) for hunting bugs::

      GRADHIST_HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py

  (``--hypothesis-profile=fuzz`` does the same.) ``GRADHIST_FUZZ_EXAMPLES``
  sets its number of examples per test (default 2000).

No profile has a deadline: the machines CI runs on are shared and timings
vary; speed is measured by the scripts under ``benchmarks/``, not by tests.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from gradhist_sklearn._engines import ENV_VAR, numba_available

# No deadline (see above). The autouse engine fixture sets one environment
# variable per test, the same for every example, so sharing it is safe.
_COMMON = dict(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("GRADHIST_FUZZ_EXAMPLES", "2000")), **_COMMON
)
settings.load_profile(os.environ.get("GRADHIST_HYPOTHESIS_PROFILE", "ci"))


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
    # A test parametrised on ``engine`` (indirect) gets that engine; a module
    # may name the engine of the rest of its tests (``DEFAULT_ENGINE``).
    name = getattr(request, "param", getattr(request.module, "DEFAULT_ENGINE", None))
    if name is None:
        return None
    if name == "numba" and not numba_available():
        pytest.skip("numba cannot be imported (a dependency: pip install numba)")
    monkeypatch.setenv(ENV_VAR, name)
    return name
