"""What must hold before the CLI writes: the table exists, its stream feeds an enabled event source mapping, and
every target index keeps delete tombstones (`index.gc_deletes`) long enough for versions to order writes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from .errors import OpsError, explained

UNITS = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)\s*$")
DEFAULT_MIN_GC_DELETES = "24h"  # the stream's retention: the longest a change can be retried (lambda/README.md)


@dataclass(frozen=True)
class Table:
    name: str
    key_names: list[str]  # HASH first, then RANGE
    key_schema: list[tuple[str, str]]  # (name, S|N|B), sorted by name as document ids order them
    stream_arn: str
    item_count: int  # DynamoDB's estimate (refreshed about every six hours)


def seconds(duration: str) -> float:
    """An OpenSearch time value ('24h', '60s', '1500ms') in seconds."""
    found = DURATION.match(str(duration))
    if not found:
        raise OpsError(f"{duration!r} is not a time value; use a number with a unit ({', '.join(UNITS)}), e.g. 24h")
    return float(found.group(1)) * UNITS[found.group(2)]


def describe_table(dynamodb: Any, name: str) -> Table:
    with explained(f"reading table {name!r}"):
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            raise OpsError(f"table {name!r} does not exist in region {dynamodb.meta.region_name} "
                           f"({dynamodb.meta.endpoint_url}); check --table / DYNAMODB_TABLE and --region") from None
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    keys = sorted(table["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
    names = [k["AttributeName"] for k in keys]
    stream = table.get("LatestStreamArn", "") if (table.get("StreamSpecification") or {}).get("StreamEnabled") else ""
    return Table(name, names, sorted((n, types[n]) for n in names), stream, int(table.get("ItemCount") or 0))


def require_live_stream(lambda_client: Any, table: Table) -> list[dict[str, Any]]:
    """The enabled event source mappings reading the table's stream; refuses when there is none, because then
    changes made during or after a backfill would never reach the index."""
    if not table.stream_arn:
        raise OpsError(f"table {table.name!r} has no enabled stream; the sync needs one (StreamViewType "
                       "NEW_AND_OLD_IMAGES or NEW_IMAGE) and an event source mapping before a backfill")
    with explained(f"listing event source mappings of {table.stream_arn}"):
        pages = lambda_client.get_paginator("list_event_source_mappings").paginate(EventSourceArn=table.stream_arn)
        mappings = [m for page in pages for m in page["EventSourceMappings"]]
    enabled = [m for m in mappings if m.get("State") == "Enabled"]
    if not enabled:
        states = ", ".join(f"{m['UUID']}: {m.get('State')}" for m in mappings) or "none"
        raise OpsError(f"no enabled event source mapping reads the stream of table {table.name!r} (mappings: {states}); "
                       "apply the module (terraform apply) and wait for State=Enabled before a backfill, "
                       "or changes made meanwhile would be lost")
    return enabled


def gc_deletes(client: OpenSearch, pattern: str) -> dict[str, float]:
    """index.gc_deletes in seconds for every index the name, alias or pattern resolves to ({} when none exists)."""
    with explained(f"reading the settings of index {pattern!r}"):
        try:
            found = client.indices.get_settings(index=pattern, name="index.gc_deletes", include_defaults=True)
        except NotFoundError:
            return {}
    out = {}
    for index, body in found.items():
        value = ((body.get("settings") or {}).get("index") or {}).get("gc_deletes") \
            or ((body.get("defaults") or {}).get("index") or {}).get("gc_deletes") or "60s"
        out[index] = seconds(value)
    return out


def require_gc_deletes(client: OpenSearch, pattern: str, minimum: str) -> None:
    found = gc_deletes(client, pattern)
    if not found:
        raise OpsError(f"no index {pattern!r} exists; create it first with `ddb-opensearch-sync setup-index` so it has "
                       f"index.gc_deletes >= {minimum} (an index created on first write gets 60s)")
    short = {index: value for index, value in found.items() if value < seconds(minimum)}
    if short:
        listed = ", ".join(f"{index} ({value:g}s)" for index, value in sorted(short.items()))
        raise OpsError(f"index.gc_deletes is below {minimum} on {listed}: a delete's tombstone could expire before an "
                       "older write arrives and the deleted document would come back. Run setup-index (it sets "
                       f"index.gc_deletes) or PUT /<index>/_settings {{\"index.gc_deletes\": \"{minimum}\"}}")


def require_safe_writes(lambda_client: Any, client: OpenSearch, table: Table, pattern: str, min_gc_deletes: str,
                        check_stream: bool = True) -> None:
    """Before any write with versions below the stream's: the stream must deliver every later change, and delete
    tombstones must outlive any older write still on its way."""
    if check_stream:
        require_live_stream(lambda_client, table)
    require_gc_deletes(client, pattern, min_gc_deletes)
