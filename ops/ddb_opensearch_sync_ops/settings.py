"""Where the CLI's settings come from: flags, else `--from-terraform DIR`, else the handler's environment variables.

The handler's own variables (OPENSEARCH_ENDPOINT, OPENSEARCH_INDEX, OPENSEARCH_AUTH, OPENSEARCH_REGION,
INCLUDE_FIELDS, EXCLUDE_FIELDS, FAILURE_DESTINATION_ARN, ...) are validated by the handler's own `config.load`, so
the CLI and the function can never disagree on what a setting means. The table comes from `--table`,
DYNAMODB_TABLE or the module's `table_name` output.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .documents import ConfigError, Settings, load_settings
from .errors import OpsError

# flag (argparse dest) -> the handler's environment variable it overrides
FLAG_ENV = {"endpoint": "OPENSEARCH_ENDPOINT", "index": "OPENSEARCH_INDEX", "auth": "OPENSEARCH_AUTH",
            "opensearch_region": "OPENSEARCH_REGION", "include_fields": "INCLUDE_FIELDS",
            "exclude_fields": "EXCLUDE_FIELDS", "table": "DYNAMODB_TABLE"}


@dataclass(frozen=True)
class OpsSettings:
    handler: Settings
    table: str
    region: str | None
    destinations: tuple[str, ...]  # on-failure destinations to redrive from (handler's and the module's)


def terraform_outputs(directory: Path) -> dict[str, Any]:
    """`terraform output -json` of a root module that uses this module (sensitive outputs included, as -json does)."""
    if not Path(directory).is_dir():
        raise OpsError(f"--from-terraform {directory}: not a directory")
    try:
        done = subprocess.run(["terraform", f"-chdir={directory}", "output", "-json"], capture_output=True, text=True,
                              timeout=120)
    except FileNotFoundError:
        raise OpsError("--from-terraform needs the terraform binary on PATH") from None
    if done.returncode != 0:
        raise OpsError(f"terraform output -json in {directory} failed: {done.stderr.strip()[:300]}")
    outputs = {name: output.get("value") for name, output in json.loads(done.stdout or "{}").items()}
    if "function_environment" not in outputs:
        raise OpsError(f"terraform outputs in {directory} have no function_environment; "
                       "expected the outputs of this module (table_name, function_environment, ...)")
    return outputs


def terraform_env(outputs: Mapping[str, Any]) -> dict[str, str]:
    env = {k: str(v) for k, v in (outputs.get("function_environment") or {}).items()}
    if outputs.get("table_name"):
        env["DYNAMODB_TABLE"] = str(outputs["table_name"])
    if outputs.get("failure_destination_arn"):
        env["ONFAILURE_DESTINATION_ARN"] = str(outputs["failure_destination_arn"])
    return env


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] = os.environ,
            terraform_dir: str | None = None) -> OpsSettings:
    env = dict(environ)
    if terraform_dir:
        env.update(terraform_env(terraform_outputs(Path(terraform_dir))))
    env.update({variable: str(flags[dest]) for dest, variable in FLAG_ENV.items() if flags.get(dest) is not None})
    if flags.get("destination"):
        env["ONFAILURE_DESTINATION_ARN"], env["FAILURE_DESTINATION_ARN"] = flags["destination"], ""
    try:
        handler = load_settings(env)
    except ConfigError as exc:
        raise OpsError(f"{exc} (flags: --endpoint, --index, --auth, --opensearch-region, --include-fields, "
                       "--exclude-fields; or --from-terraform DIR)") from None
    table = env.get("DYNAMODB_TABLE", "").strip()
    if not table:
        raise OpsError("no table given: use --table NAME, DYNAMODB_TABLE, or --from-terraform DIR")
    destinations = tuple(dict.fromkeys(
        d for d in (env.get("ONFAILURE_DESTINATION_ARN", ""), env.get("FAILURE_DESTINATION_ARN", "")) if d.strip()))
    region = flags.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or handler.region or None
    return OpsSettings(handler=handler, table=table, region=region, destinations=destinations)
