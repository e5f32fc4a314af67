"""AWS API clients (DynamoDB reads, failure destinations), built lazily and once per container.

boto3 is imported here only, on first use: most invocations never need it, and importing it costs
~170 ms of cold start. Clients honour AWS_ENDPOINT_URL, so local stacks reach their emulator.
"""
from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable

from .doc_id import document_id

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

_clients: dict[tuple[str, str | None], Any] = {}
BATCH_KEYS = 100  # BatchGetItem's limit per call
UNPROCESSED_ATTEMPTS = 8  # calls per key group while DynamoDB returns UnprocessedKeys (throttling, 16 MB cap)
BASE_DELAY = 0.05  # seconds before the first retry of UnprocessedKeys; doubled each time, jittered


def client(service: str, region: str | None = None) -> Any:
    key = (service, region)
    if key not in _clients:
        import boto3
        from botocore.config import Config

        # DynamoDB requests are built here from stream keys, and DynamoDB checks them all the same: botocore's check
        # of each key against the model took ~10% of a 100-key BatchGetItem's client CPU (7.8 -> 7.0 ms measured).
        options = {"config": Config(parameter_validation=False)} if service == "dynamodb" else {}
        made = boto3.client(service, region_name=region, **options) if region else boto3.client(service, **options)
        if service == "dynamodb":
            made.meta.events.register("before-parse.dynamodb.BatchGetItem", _items_as_sent)
        _clients[key] = made
    return _clients[key]


def _items_as_sent(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """botocore hook: BatchGetItem's items taken from the JSON body as DynamoDB sent them, the form stream images
    have (B as base64 text), which the converter takes as it is. botocore's typed parse of every attribute value
    cost ~0.1 ms per ~1 KB item, about as much as the read itself on a local emulator. UnprocessedKeys and errors
    stay botocore's."""
    if response_dict.get("status_code") != 200:
        return
    body = json.loads(response_dict["body"])
    customized_response_dict["Responses"] = body.pop("Responses", {})
    response_dict["body"] = json.dumps(body).encode()


def table_name(stream_arn: str) -> str:
    """The table name in a stream ARN: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL."""
    parts = stream_arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) < 2 or resource[0] != "table" or parts[2] != "dynamodb":
        raise ValueError(f"eventSourceARN {stream_arn!r:.120} is not a DynamoDB stream ARN")
    return resource[1]


def _request_key(keys: dict[str, Any]) -> dict[str, Any]:
    """Stream keys as the API takes them: Lambda events carry B as base64 text, boto3 wants bytes."""
    return {name: {"B": base64.b64decode(typed["B"])} if "B" in typed and isinstance(typed["B"], str) else typed
            for name, typed in keys.items()}


def get_item(stream_arn: str, keys: dict[str, Any]) -> dict[str, Any] | None:
    """The item's current attributes (consistent read), or None when it no longer exists."""
    return get_items(stream_arn, [keys])[0]


def get_items(stream_arn: str, keys_list: list[dict[str, Any]],
              sleep: Callable[[float], None] = time.sleep) -> list[dict[str, Any] | None]:
    """Each key's current item (consistent reads, BatchGetItem of up to 100 keys per call), None where the
    item no longer exists, in the order given. UnprocessedKeys are asked again with back-off; keys still
    unprocessed after UNPROCESSED_ATTEMPTS calls raise, so the records are retried rather than guessed."""
    region, table = stream_arn.split(":")[3] or None, table_name(stream_arn)
    ids = [document_id(keys) for keys in keys_list]  # canonical: equal keys written differently match
    names = sorted(keys_list[0]) if keys_list else []
    wanted = {doc_id: _request_key(keys) for doc_id, keys in zip(ids, keys_list)}  # duplicates are not allowed
    found: dict[str, dict[str, Any]] = {}
    pending = list(wanted.values())
    while pending:
        group, pending = pending[:BATCH_KEYS], pending[BATCH_KEYS:]
        for attempt in range(UNPROCESSED_ATTEMPTS):
            if attempt:
                sleep(BASE_DELAY * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))
            response = client("dynamodb", region).batch_get_item(
                RequestItems={table: {"Keys": group, "ConsistentRead": True}})
            for item in response.get("Responses", {}).get(table, []):
                found[document_id({name: item[name] for name in names})] = item
            group = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not group:
                break
        else:
            raise RuntimeError(f"BatchGetItem left {len(group)} keys of {table} unprocessed after {UNPROCESSED_ATTEMPTS} calls")
    return [found.get(doc_id) for doc_id in ids]
