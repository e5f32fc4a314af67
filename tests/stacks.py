"""Which stack the integration tests run against, chosen by `STACK` (`make test STACK=...`), and what each lacks.

- `embedded` (default): the session starts moto, an OpenSearch node and the ESM runner itself (tests/conftest.py).
- `external`: an AWS-compatible endpoint and an OpenSearch URL someone else started, e.g. `make up`; read from the
  environment or from the dotenv file named by `STACK_ENV` (`STACK_ENV=.stack/env`). Whatever serves that endpoint's
  event source mappings (the `make up` runner) delivers the stream to the functions; the tests start nothing.
- `localstack`: LocalStack's edge endpoint (found through localstack-client: `LOCALSTACK_HOST`, default
  localhost:4566); LocalStack runs the functions and their event source mappings (docker-compose.yml).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

STACKS = ("embedded", "external", "localstack")
DEFAULT_REGION = "us-east-1"
DEFAULT_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# docker-compose.yml: the OpenSearch container as the tests (host) and as LocalStack's Lambda containers reach it.
LOCALSTACK_OPENSEARCH_URL = "http://localhost:9200"
LOCALSTACK_FUNCTION_OPENSEARCH_URL = "http://opensearch:9200"

# What a stack's event source mapping lacks, by behaviour: where the "LocalStack" column of the behaviour table in
# scripts/esm_runner/README.md says **no**, checked against the DynamoDB column of the event source mapping
# "Behaviour Coverage" table in LocalStack's Lambda documentation, which marks these as not supported:
# https://docs.localstack.cloud/user-guide/aws/lambda/
# A test marked `@pytest.mark.behaviour("<name>")` is skipped on such a stack with this reason. `external` is taken
# to be served by this repository's runner (`make up`): it has every behaviour.
_NOT_SUPPORTED = "not supported by LocalStack's event source mapping (its Lambda docs, Behaviour Coverage)"
LACKS: dict[str, dict[str, str]] = {
    "embedded": {},
    "external": {},
    "localstack": {
        "bisect": f"BisectBatchOnFunctionError is {_NOT_SUPPORTED}",
        "parallelization": f"ParallelizationFactor > 1 is {_NOT_SUPPORTED}",
        "tumbling_window": f"TumblingWindowInSeconds is {_NOT_SUPPORTED}",
        "event_count_metrics": f"MetricsConfig (EventCount metrics) is {_NOT_SUPPORTED}",
        "metrics": "LocalStack reports no IteratorAge, Errors or DestinationDeliveryFailures for a mapping "
                   "(scripts/esm_runner/README.md)",
        "resharding": "LocalStack's DynamoDB streams do not split shards (scripts/esm_runner/README.md)",
        "durable_checkpoints": "LocalStack's event source mapping keeps no checkpoint across a restart "
                               "(scripts/esm_runner/README.md)",
    },
}
# The row of that README table each behaviour mirrors (the start of its first cell); tests/unit/test_stacks.py
# checks that LACKS["localstack"] is exactly the rows whose LocalStack column says no.
README_ROWS = {
    "bisect": "BisectBatchOnFunctionError", "parallelization": "ParallelizationFactor",
    "tumbling_window": "Tumbling windows", "event_count_metrics": "EventCount family",
    "metrics": "Metrics IteratorAge", "resharding": "Several shards", "durable_checkpoints": "Durable checkpoints",
}


class StackConfigError(ValueError):
    """The chosen stack cannot be used as configured; the message names what is missing and what is allowed."""


def chosen_stack(environ: dict[str, str] | os._Environ = os.environ) -> str:
    stack = environ.get("STACK", "embedded").strip() or "embedded"
    if stack not in STACKS:
        raise StackConfigError(f"STACK={stack!r} is not a stack these tests know; allowed: {', '.join(STACKS)}")
    return stack


def lacking(stack: str, behaviour: str) -> str | None:
    """The reason `stack` lacks `behaviour`, or None when it has it. An unknown behaviour name is an error."""
    known = {name for lacks in LACKS.values() for name in lacks}
    if behaviour not in known:
        raise StackConfigError(f"behaviour {behaviour!r} is not in tests/stacks.py LACKS; known: {sorted(known)}")
    return LACKS[stack].get(behaviour)


@dataclass(frozen=True)
class ExternalStack:
    """A running stack the tests did not start: the same attributes the tests read from EmbeddedStack."""

    aws_endpoint_url: str
    opensearch_url: str
    # What the functions (Terraform's `opensearch_endpoint`) are given: differs when they run in containers.
    function_opensearch_url: str
    region: str = DEFAULT_REGION
    credentials: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CREDENTIALS))
    runner_log: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        """The dotenv contract of `.stack/env`, as EmbeddedStack.env gives it."""
        return {"AWS_ENDPOINT_URL": self.aws_endpoint_url, "OPENSEARCH_URL": self.opensearch_url,
                "AWS_DEFAULT_REGION": self.region, **self.credentials}

    def runner_tail(self, lines: int = 40) -> str:
        """The end of the log of whatever serves the mappings, when the tests can see it (`make up` writes one)."""
        if self.runner_log is None or not self.runner_log.exists():
            return "(the log of the stack's event source mapping runner is not visible to the tests)"
        return "\n".join(self.runner_log.read_text(errors="replace").splitlines()[-lines:])


def _read_dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def external_stack(environ: dict[str, str] | os._Environ = os.environ) -> ExternalStack:
    """STACK=external: settings from the dotenv file `STACK_ENV` names, else from the environment."""
    env_file = environ.get("STACK_ENV", "").strip()
    if env_file:
        path = Path(env_file)
        if not path.is_file():
            raise StackConfigError(f"STACK_ENV={env_file} is not a file; give the dotenv file of a running stack "
                                   f"(`make up` writes .stack/env)")
        settings = _read_dotenv(path)
        source = f"STACK_ENV={env_file}"
    else:
        settings = dict(environ)
        source = "the environment"
    missing = [name for name in ("AWS_ENDPOINT_URL", "OPENSEARCH_URL") if not settings.get(name)]
    if missing:
        raise StackConfigError(f"STACK=external needs {' and '.join(missing)} from {source}: an AWS-compatible "
                               f"endpoint and an OpenSearch URL of a running stack, e.g. `make up` then "
                               f"STACK_ENV=.stack/env")
    credentials = {name: settings.get(name) or default for name, default in DEFAULT_CREDENTIALS.items()}
    runner_log = Path(env_file).parent / "runner.log" if env_file else None
    return ExternalStack(
        aws_endpoint_url=settings["AWS_ENDPOINT_URL"], opensearch_url=settings["OPENSEARCH_URL"],
        function_opensearch_url=settings.get("OPENSEARCH_URL_FOR_FUNCTIONS") or settings["OPENSEARCH_URL"],
        region=settings.get("AWS_DEFAULT_REGION") or DEFAULT_REGION, credentials=credentials, runner_log=runner_log)


def localstack_stack(environ: dict[str, str] | os._Environ = os.environ) -> ExternalStack:
    """STACK=localstack: the edge endpoint as localstack-client resolves it; OpenSearch as docker-compose.yml has it."""
    from localstack_client.config import get_service_endpoint

    return ExternalStack(
        aws_endpoint_url=get_service_endpoint("edge"),
        opensearch_url=environ.get("OPENSEARCH_URL") or LOCALSTACK_OPENSEARCH_URL,
        function_opensearch_url=environ.get("OPENSEARCH_URL_FOR_FUNCTIONS") or LOCALSTACK_FUNCTION_OPENSEARCH_URL,
        region=environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION)
