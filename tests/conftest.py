"""Hypothesis profiles for the property tests and the fuzz harness.

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

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("GRADHIST_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("GRADHIST_HYPOTHESIS_PROFILE", "ci"))
