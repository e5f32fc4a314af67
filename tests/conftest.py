"""Session fixtures: the real parts the integration tests run against, each started once and stopped at the end."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "lambda", ROOT / "scripts", ROOT / "ops"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from local_stack.moto_server import start_moto  # noqa: E402
from local_stack.opensearch_node import OpenSearchNode  # noqa: E402
from local_stack.stack import EmbeddedStack  # noqa: E402

LAMBDA_ZIP = ROOT / "dist" / "lambda.zip"


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    """A real OpenSearch node on a free loopback port."""
    node = OpenSearchNode.start()
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A moto server of its own (no runner watches it), with moto's stream->Lambda invocation off."""
    server, url = start_moto()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lambda_zip() -> Path:
    """The deployment package as `make package` builds it (built here when a bare pytest run lacks it)."""
    if not LAMBDA_ZIP.exists():
        from package_lambda import build

        build(LAMBDA_ZIP)
    return LAMBDA_ZIP


@pytest.fixture(scope="session")
def stack(opensearch_url: str, lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    """moto + the OpenSearch node + the ESM runner serving dist/lambda.zip: the pipeline `make up` runs."""
    quick = ("--refresh-interval", "0.5", "--retry-delay", "0.2", "--max-retry-delay", "2")
    with EmbeddedStack(tmp_path_factory.mktemp("stack"), [lambda_zip], opensearch_url=opensearch_url,
                       poll_interval_s=0.1, runner_args=quick) as running:
        yield running
