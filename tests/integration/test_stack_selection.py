"""How `STACK` selection behaves in a whole pytest run (tests/conftest.py): skips named at collection, and a run
stopped once, with the reason, when the stack is unknown, not given or not there. Each case is a pytest run of its
own; none needs a running stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(stack: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("STACK_ENV", "AWS_ENDPOINT_URL", "OPENSEARCH_URL")}
    env.update(STACK=stack, PYTHONPATH=f"{ROOT / 'lambda'}{os.pathsep}{ROOT / 'scripts'}", **extra_env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_test_needing_a_behaviour_the_stack_lacks_is_skipped_with_the_reason():
    """Collection-time skips: neither LocalStack nor a stack is needed to see them."""
    result = run_pytest(
        "localstack", "tests/integration/test_runner_scenarios.py::test_parallelization_keeps_order_per_item",
        "tests/integration/test_local_stack.py::test_up_status_down_survive_a_killed_runner_and_leave_nothing_running")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 skipped" in result.stdout
    assert "STACK=localstack lacks parallelization: ParallelizationFactor > 1 is not supported" in result.stdout
    assert "STACK=localstack: tests the embedded stack's own `make up` / `make status` / `make down`; runs on STACK=embedded" \
        in result.stdout


def test_an_unknown_stack_stops_the_run_with_a_usage_error():
    result = run_pytest("dockerless", "tests/unit/test_version.py")
    assert result.returncode == 4
    assert "STACK='dockerless' is not a stack these tests know; allowed: embedded, external, localstack" \
        in result.stderr


@pytest.mark.parametrize("extra_env, message", [
    ({}, "STACK=external needs AWS_ENDPOINT_URL and OPENSEARCH_URL from the environment"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "OPENSEARCH_URL": "http://127.0.0.1:9"},
     "STACK=external: the stack does not answer (AWS endpoint http://127.0.0.1:9, OpenSearch http://127.0.0.1:9)"),
])
def test_an_external_stack_that_is_not_given_or_not_there_stops_the_run_once(extra_env, message):
    result = run_pytest("external", "tests/integration/test_handler_sync.py::test_ttl_deletions_follow_the_setting",
                        **extra_env)
    assert result.returncode == 4, result.stdout[-3000:]
    assert message in result.stdout + result.stderr
