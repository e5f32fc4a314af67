"""AWS API clients (DynamoDB GetItem, failure destinations), built lazily and once per container.

boto3 is imported here only, on first use: most invocations never need it, and importing it costs
~170 ms of cold start. Clients honour AWS_ENDPOINT_URL, so local stacks reach their emulator.
"""
from __future__ import annotations

import base64
from typing import Any

_clients: dict[tuple[str, str | None], Any] = {}


def client(service: str, region: str | None = None) -> Any:
    key = (service, region)
    if key not in _clients:
        import boto3

        _clients[key] = boto3.client(service, region_name=region) if region else boto3.client(service)
    return _clients[key]


def table_name(stream_arn: str) -> str:
    """The table name in a stream ARN: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL."""
    parts = stream_arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) < 2 or resource[0] != "table" or parts[2] != "dynamodb":
        raise ValueError(f"eventSourceARN {stream_arn!r:.120} is not a DynamoDB stream ARN")
    return resource[1]


def get_item(stream_arn: str, keys: dict[str, Any]) -> dict[str, Any] | None:
    """The item's current attributes (consistent read), or None when it no longer exists."""
    region = stream_arn.split(":")[3] or None
    request_keys = {
        name: {"B": base64.b64decode(typed["B"])} if "B" in typed and isinstance(typed["B"], str) else typed
        for name, typed in keys.items()
    }
    response = client("dynamodb", region).get_item(TableName=table_name(stream_arn), Key=request_keys, ConsistentRead=True)
    return response.get("Item")
