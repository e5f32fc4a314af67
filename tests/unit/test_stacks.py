"""Choosing the stack the integration tests run against (tests/stacks.py) and skipping what a stack lacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks import LACKS, README_ROWS, StackConfigError, chosen_stack, external_stack, lacking, localstack_stack

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_stack_is_embedded_and_an_unknown_one_is_refused_naming_the_allowed():
    assert chosen_stack({}) == "embedded"
    assert chosen_stack({"STACK": "external"}) == "external"
    with pytest.raises(StackConfigError, match="STACK='docker' .* allowed: embedded, external, localstack"):
        chosen_stack({"STACK": "docker"})


def test_external_settings_come_from_the_dotenv_file_of_a_running_stack(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("AWS_ENDPOINT_URL=http://127.0.0.1:4001\nOPENSEARCH_URL=http://127.0.0.1:4002\n"
                        "AWS_DEFAULT_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=a\nAWS_SECRET_ACCESS_KEY=b\n")
    given = external_stack({"STACK_ENV": str(env_file), "AWS_ENDPOINT_URL": "http://ignored"})
    assert given.env == {"AWS_ENDPOINT_URL": "http://127.0.0.1:4001", "OPENSEARCH_URL": "http://127.0.0.1:4002",
                         "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    assert given.function_opensearch_url == "http://127.0.0.1:4002"
    assert given.runner_log == tmp_path / "runner.log"
    (tmp_path / "runner.log").write_text("one\ntwo\n")
    assert given.runner_tail(1) == "two"


def test_external_settings_from_the_environment_with_defaults():
    given = external_stack({"AWS_ENDPOINT_URL": "http://h:1", "OPENSEARCH_URL": "http://h:2",
                            "OPENSEARCH_URL_FOR_FUNCTIONS": "http://os:9200"})
    assert (given.region, given.credentials["AWS_ACCESS_KEY_ID"]) == ("us-east-1", "test")
    assert given.function_opensearch_url == "http://os:9200"
    assert "not visible" in given.runner_tail()


@pytest.mark.parametrize("environ, message", [
    ({}, "needs AWS_ENDPOINT_URL and OPENSEARCH_URL from the environment"),
    ({"AWS_ENDPOINT_URL": "http://h:1"}, "needs OPENSEARCH_URL from the environment"),
    ({"STACK_ENV": "/nonexistent/env"}, r"STACK_ENV=/nonexistent/env is not a file.*make up"),
])
def test_external_without_its_settings_says_what_is_missing(environ, message):
    with pytest.raises(StackConfigError, match=message):
        external_stack(environ)


def test_localstack_uses_the_edge_endpoint_localstack_client_resolves(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("LOCALSTACK_HOST", "ls.example:4999")
    given = localstack_stack({})
    assert given.aws_endpoint_url == "http://ls.example:4999"
    assert (given.opensearch_url, given.function_opensearch_url) == ("http://localhost:9200", "http://opensearch:9200")


def test_lacking_names_the_reason_and_refuses_an_unknown_behaviour():
    assert "BisectBatchOnFunctionError" in lacking("localstack", "bisect")
    assert lacking("embedded", "bisect") is None and lacking("external", "parallelization") is None
    with pytest.raises(StackConfigError, match="'bisection' is not in tests/stacks.py LACKS"):
        lacking("localstack", "bisection")


def test_lacks_mirrors_the_localstack_column_of_the_runner_readme():
    """Every row of the behaviour table whose LocalStack column says no has an entry, and no entry more."""
    table = (ROOT / "scripts" / "esm_runner" / "README.md").read_text()
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.splitlines()
            if line.startswith("| ") and line.count("|") >= 6]
    lacking_rows = {row[0] for row in rows if re.match(r"^\**no\b", row[2])}
    assert lacking_rows, "the behaviour table was not found"
    mirrored = {row[0] for row in rows for name in LACKS["localstack"] if row[0].startswith(README_ROWS[name])}
    assert mirrored == lacking_rows
    assert set(README_ROWS) == set(LACKS["localstack"])
