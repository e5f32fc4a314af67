"""The chaos suite (`make chaos`, marker `chaos`): one long fault-injection run per seed against a stack of its own.

Seeds: `--chaos-seeds 1,2,3` or CHAOS_SEEDS (default 1). The full outage lasts `--chaos-outage-seconds` or
CHAOS_OUTAGE_SECONDS (default 605: longer than 10 minutes, as the issue asks; shorten it only to debug the suite).
Each seed's report is printed and written to build/chaos/seed-<seed>.json.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_stack.stack import EmbeddedStack

# Short runner back-off caps so the pipeline catches up quickly once a fault ends; retries stay unlimited.
RUNNER_ARGS = ("--refresh-interval", "1", "--retry-delay", "0.5", "--max-retry-delay", "5")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos")
    group.addoption("--chaos-seeds", default=os.environ.get("CHAOS_SEEDS", "1"),
                    help="comma-separated workload/fault seeds (default CHAOS_SEEDS or 1)")
    group.addoption("--chaos-outage-seconds", type=float,
                    default=float(os.environ.get("CHAOS_OUTAGE_SECONDS", "605")),
                    help="length of the full OpenSearch outage (default CHAOS_OUTAGE_SECONDS or 605)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: long fault-injection runs (make chaos); not part of make test")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "seed" in metafunc.fixturenames:
        raw = metafunc.config.getoption("--chaos-seeds")
        try:
            seeds = [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise pytest.UsageError(f"--chaos-seeds={raw!r} is not allowed: give integers separated by commas")
        metafunc.parametrize("seed", seeds)


@pytest.fixture(scope="session")
def outage_s(pytestconfig: pytest.Config) -> float:
    return pytestconfig.getoption("--chaos-outage-seconds")


@pytest.fixture(scope="session")
def chaos_stack(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    """A stack that owns its node (so the suite may kill it) with a fault proxy in front of the node."""
    with EmbeddedStack(tmp_path_factory.mktemp("chaos-stack"), [lambda_zip], poll_interval_s=0.2,
                       runner_args=RUNNER_ARGS, fault_proxy=True) as stack:
        yield stack
