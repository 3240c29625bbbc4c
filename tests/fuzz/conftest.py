"""Hypothesis settings of the fuzz tests (issue 5, point 8).

Two profiles, chosen by the environment, for the fuzz tests only (they are not loaded as the default profile, so
other Hypothesis tests of the suite keep theirs):

- ``fuzz-ci`` (the default): a bounded number of examples, so that the whole ``tests/fuzz`` directory runs in about a
  minute on the 2-CPU CI machine; ``derandomize=True`` (the examples depend only on the test, so a failure seen in
  CI is the same failure on a laptop) and no example database (nothing written under ``.hypothesis/``, nothing
  carried from one run to the next, so CI stays reproducible). No deadline: a page may take 200 ms on a loaded
  machine without that being a bug. A failure is shrunk but not "explained" (minutes of extra requests).
- ``fuzz-deep``: set ``DESK_FUZZ_SCALE`` to multiply every example count, randomised, with Hypothesis' example
  database (``var/hypothesis/``) so that a failure found is replayed first on the next run::

      DESK_FUZZ_SCALE=50 .venv/bin/python -m pytest -p no:cacheprovider tests/fuzz

Tests take ``tests.fuzz.inputs.fuzz_settings(n)``: the profile, with ``n`` examples in CI and ``n`` times
``DESK_FUZZ_SCALE`` in the deep profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

hypothesis_settings.register_profile(
    "fuzz-ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # Generating a 200 000-character string or a page of form data is deliberate here, not a slow strategy.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # A failure is shrunk to a small example, but not "explained" (that phase re-runs hundreds of requests).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
hypothesis_settings.register_profile(
    "fuzz-deep",
    deadline=None,
    # Under var/ (ignored by git, like every local run's files) rather than Hypothesis' default .hypothesis/.
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[2] / "var" / "hypothesis"),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def _locmem_publishers(settings):
    """Nothing in a fuzz test may reach a network: every channel publishes to the locmem outbox."""
    from editorial.publishers import locmem

    backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()
