"""Where the CLI's settings come from: flags, else the deployed function's environment (`--function NAME`, or the
function named by `--from-terraform DIR`'s outputs), else the handler's environment variables in this shell.

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
    """`terraform output -json` of a root module that uses this module (sensitive outputs included, as -json does):
    DIR is the root module's directory, or a state file (`-state=FILE`, as the embedded stack's demo keeps it)."""
    path = Path(directory)
    if path.is_file():
        command = ["terraform", "output", "-json", f"-state={path}"]
    elif path.is_dir():
        command = ["terraform", f"-chdir={path}", "output", "-json"]
    else:
        raise OpsError(f"--from-terraform {directory}: not a directory or state file")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise OpsError("--from-terraform needs the terraform binary on PATH") from None
    if done.returncode != 0:
        raise OpsError(f"terraform output -json in {directory} failed: {done.stderr.strip()[:300]}")
    outputs = {name: output.get("value") for name, output in json.loads(done.stdout or "{}").items()}
    # a root module may pass the whole module through one output (output "sync" { value = module.sync })
    nested = [v for v in outputs.values() if isinstance(v, dict) and "table_name" in v]
    outputs = {**(nested[0] if nested else {}), **outputs}
    if "function_environment" not in outputs and "function_name" not in outputs:
        raise OpsError(f"terraform outputs in {directory} have neither function_environment nor function_name; "
                       "expected this module's outputs (table_name, function_name, ...)")
    return outputs


def function_env(name: str, region: str | None) -> dict[str, str]:
    """The deployed function's environment: exactly the settings the handler runs with."""
    import boto3

    from .errors import explained

    with explained(f"reading the configuration of function {name!r}"):
        config = boto3.session.Session(region_name=region).client("lambda").get_function_configuration(FunctionName=name)
    return dict((config.get("Environment") or {}).get("Variables") or {})


def terraform_env(outputs: Mapping[str, Any], region: str | None = None) -> dict[str, str]:
    environment = outputs.get("function_environment")
    if environment is None:
        environment = function_env(str(outputs["function_name"]), region)
    env = {k: str(v) for k, v in environment.items()}
    if outputs.get("table_name"):
        env["DYNAMODB_TABLE"] = str(outputs["table_name"])
    elif ":table/" in str(outputs.get("stream_arn") or ""):  # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
        env["DYNAMODB_TABLE"] = str(outputs["stream_arn"]).split(":table/", 1)[1].split("/", 1)[0]
    if outputs.get("failure_destination_arn"):
        env["ONFAILURE_DESTINATION_ARN"] = str(outputs["failure_destination_arn"])
    return env


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] = os.environ,
            terraform_dir: str | None = None) -> OpsSettings:
    env = dict(environ)
    region = flags.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    if terraform_dir:
        env.update(terraform_env(terraform_outputs(Path(terraform_dir)), region))
    if flags.get("function"):
        env.update(function_env(str(flags["function"]), region))
    env.update({variable: str(flags[dest]) for dest, variable in FLAG_ENV.items() if flags.get(dest) is not None})
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
    region = region or handler.region or None
    if not region:
        raise OpsError("no AWS region: use --region, AWS_REGION or AWS_DEFAULT_REGION (the table's region)")
    return OpsSettings(handler=handler, table=table, region=region, destinations=destinations)
