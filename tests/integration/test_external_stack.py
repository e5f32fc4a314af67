"""STACK=external for real: integration tests pass against a stack they did not start.

`python -m local_stack up` (what `make up` runs) starts the embedded stack in the background into a temporary state
directory; a pytest run of its own, with STACK=external and STACK_ENV=<state dir>/env, runs a subset of the suite
against it; then `down`. The end-to-end test in the subset only passes if the background stack's runner serves the
mapping Terraform created, since the inner run starts no runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from test_local_stack import local_stack

ROOT = Path(__file__).resolve().parents[2]
INNER_TIMEOUT_S = 900
# Must pass: the stack's runner delivers to the function Terraform deployed; the handler reads the stack's stream.
MUST_PASS = [
    "tests/integration/test_end_to_end.py::test_index_ends_equal_to_table_after_inserts_updates_and_deletes",
    "tests/integration/test_handler_sync.py::test_composite_keys_and_a_full_text_search_finds_the_synced_items",
]
# Must be skipped, naming why: they need a moto server of their own.
MUST_SKIP = ["tests/integration/test_local_stack.py::test_moto_keeps_stream_records_while_a_mapping_exists"]


def python_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STACK", "STACK_ENV", "AWS_ENDPOINT_URL", "OPENSEARCH_URL")}
    return {**env, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT / 'scripts'}", **extra}


def outcomes(junit_xml: Path) -> dict[str, tuple[str, str]]:
    """test id (file::name) -> (passed|failed|skipped|error, message)."""
    found = {}
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        test_id = f"{case.get('classname').replace('.', '/')}.py::{case.get('name')}"
        result = next(iter(case), None)
        tag = "passed" if result is None or result.tag in ("system-out", "system-err") else result.tag
        message = (result.get("message") or "") if result is not None else ""
        found[test_id] = ({"failure": "failed"}.get(tag, tag), message)
    return found


@pytest.fixture
def background_stack(lambda_zip, tmp_path):
    """The embedded stack as `make up` starts it, in a state directory of its own; stopped at the end."""
    state = tmp_path / "stack"
    up = local_stack("up", "--state-dir", str(state), "--package", str(lambda_zip))
    assert up.returncode == 0, up.stdout + up.stderr
    yield state
    down = local_stack("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stdout + down.stderr


@pytest.mark.embedded_only("starts an embedded stack in the background to serve as the external one")
def test_the_suite_passes_against_a_stack_it_did_not_start(background_stack, tmp_path):
    junit = tmp_path / "inner.xml"
    inner = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", f"--junitxml={junit}",
         *MUST_PASS, *MUST_SKIP],
        cwd=ROOT, env=python_env(STACK="external", STACK_ENV=str(background_stack / "env")),
        capture_output=True, text=True, timeout=INNER_TIMEOUT_S)
    assert inner.returncode == 0, inner.stdout[-6000:] + inner.stderr[-2000:]
    assert "stack: STACK=external" in inner.stdout

    results = outcomes(junit)
    assert {test: results[test][0] for test in MUST_PASS + MUST_SKIP} == {
        **{test: "passed" for test in MUST_PASS}, **{test: "skipped" for test in MUST_SKIP}}, results
    assert all("STACK=external: needs a moto server of its own" in results[test][1] for test in MUST_SKIP)
    # The background stack's runner, not one the inner run started, invoked the function Terraform deployed
    # (the end-to-end test makes the only mapping of the subset).
    events = [json.loads(line) for line in (background_stack / "runner.log").read_text().splitlines()
              if line.startswith("{")]
    assert any(e["event"] == "invocation" and e["succeeded"] for e in events), events[-20:]
