"""Session fixtures: the real parts the integration tests run against.

`STACK` picks them (tests/stacks.py): `embedded` (default) starts each part once and stops it at the end;
`external` and `localstack` use a running stack the tests neither start nor stop.
"""

from __future__ import annotations

import random
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "lambda", ROOT / "scripts", ROOT / "tests", ROOT / "ops"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from local_stack.moto_server import start_moto  # noqa: E402
from local_stack.opensearch_node import OpenSearchNode  # noqa: E402
from local_stack.stack import EmbeddedStack  # noqa: E402
from stacks import (  # noqa: E402
    ExternalStack, StackConfigError, chosen_stack, external_stack, lacking, localstack_stack)

LAMBDA_ZIP = ROOT / "dist" / "lambda.zip"
STACK_KEY = pytest.StashKey[str]()
PROBE_TIMEOUT_S = 10


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "behaviour(name): needs this event source mapping behaviour; skipped, with "
                                       "the reason, on a stack that lacks it (tests/stacks.py LACKS)")
    config.addinivalue_line("markers", "embedded_only(why): needs the embedded stack's internals; skipped on "
                                       "STACK=external and STACK=localstack")
    try:
        config.stash[STACK_KEY] = chosen_stack()
    except StackConfigError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"stack: STACK={config.stash[STACK_KEY]}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    stack = config.stash[STACK_KEY]
    for item in items:
        for mark in item.iter_markers("behaviour"):
            try:
                reason = lacking(stack, *mark.args)
            except StackConfigError as error:
                raise pytest.UsageError(f"{item.nodeid}: {error}") from None
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"STACK={stack} lacks {mark.args[0]}: {reason}"))
        embedded_only = item.get_closest_marker("embedded_only")
        if embedded_only and stack != "embedded":
            item.add_marker(pytest.mark.skip(reason=f"STACK={stack}: {embedded_only.args[0]}; runs on STACK=embedded"))


@pytest.fixture(scope="session")
def stack_name(pytestconfig: pytest.Config) -> str:
    return pytestconfig.stash[STACK_KEY]


@pytest.fixture(scope="session")
def given_stack(stack_name: str) -> ExternalStack:
    """STACK=external/localstack: the running stack, checked to answer before any test relies on it."""
    try:
        given = localstack_stack() if stack_name == "localstack" else external_stack()
    except StackConfigError as error:
        pytest.exit(str(error), returncode=4)
    once = Config(connect_timeout=PROBE_TIMEOUT_S, retries={"max_attempts": 1, "mode": "standard"})
    try:
        boto3.client("dynamodb", endpoint_url=given.aws_endpoint_url, region_name=given.region,
                     aws_access_key_id=given.credentials["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=given.credentials["AWS_SECRET_ACCESS_KEY"], config=once).list_tables()
        urllib.request.urlopen(given.opensearch_url, timeout=PROBE_TIMEOUT_S).close()
    except Exception as error:  # any failure here means the stack is not there: say which, once
        pytest.exit(f"STACK={stack_name}: the stack does not answer (AWS endpoint {given.aws_endpoint_url}, "
                    f"OpenSearch {given.opensearch_url}): {error}", returncode=4)
    return given


@pytest.fixture(scope="session")
def opensearch_url(request: pytest.FixtureRequest, stack_name: str) -> Iterator[str]:
    """A real OpenSearch node: on a free loopback port of its own, or the given stack's."""
    if stack_name != "embedded":
        yield request.getfixturevalue("given_stack").opensearch_url
        return
    node = OpenSearchNode.start()
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture()
def moto_random(monkeypatch: pytest.MonkeyPatch) -> random.Random:
    """moto's random source (`mock_random`: eventIDs, request ids), seedable for this test's thread alone. The
    session's moto servers run in this process and draw a request id from it for every request they answer (the
    runner polls them), which would change what the test draws between seeding and comparing. Other threads keep
    drawing from moto's own state."""
    from moto.moto_api._internal import mock_random

    ours, test = random.Random(), threading.current_thread()
    for name in ("getrandbits", "random"):  # every draw of random.Random's methods goes through these two
        def draw(*args: int, _name: str = name) -> float | int:
            source = ours if threading.current_thread() is test else super(type(mock_random), mock_random)
            return getattr(source, _name)(*args)
        monkeypatch.setattr(mock_random, name, draw)
    return ours


@pytest.fixture(scope="session")
def moto_url(stack_name: str) -> Iterator[str]:
    """A moto server of its own (no runner watches it), with moto's stream->Lambda invocation off."""
    if stack_name != "embedded":
        pytest.skip(f"STACK={stack_name}: needs a moto server of its own that no event source mapping serves "
                    f"(the tests run their own runner against it); runs on STACK=embedded")
    server, url = start_moto()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws_url(request: pytest.FixtureRequest, stack_name: str) -> str:
    """An AWS-compatible endpoint for tests that make tables and read their streams but create no mapping:
    the session's own moto server, or the given stack's endpoint."""
    if stack_name == "embedded":
        return request.getfixturevalue("moto_url")
    return request.getfixturevalue("given_stack").aws_endpoint_url


@pytest.fixture(scope="session")
def lambda_zip() -> Path:
    """The deployment package as `make package` builds it (built here when a bare pytest run lacks it)."""
    if not LAMBDA_ZIP.exists():
        from package_lambda import build

        build(LAMBDA_ZIP)
    return LAMBDA_ZIP


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, stack_name: str, lambda_zip: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack | ExternalStack]:
    """The pipeline `make up` runs: moto + the OpenSearch node + the ESM runner serving dist/lambda.zip, started
    here; or the given stack, whose own event source mappings deliver to the functions."""
    if stack_name != "embedded":
        yield request.getfixturevalue("given_stack")
        return
    opensearch = request.getfixturevalue("opensearch_url")
    quick = ("--refresh-interval", "0.5", "--retry-delay", "0.2", "--max-retry-delay", "2")
    with EmbeddedStack(tmp_path_factory.mktemp("stack"), [lambda_zip], opensearch_url=opensearch,
                       poll_interval_s=0.1, runner_args=quick) as running:
        yield running


@pytest.fixture(scope="session")
def function_opensearch_url(request: pytest.FixtureRequest, stack_name: str) -> str:
    """The OpenSearch URL to configure functions with: the tests' own, except where functions run in containers
    that reach the node under another name (STACK=localstack: docker-compose.yml)."""
    if stack_name == "embedded":
        return request.getfixturevalue("stack").opensearch_url
    return request.getfixturevalue("given_stack").function_opensearch_url
