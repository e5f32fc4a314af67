"""Write the table's current state for given keys, safely while the stream is live (repair and redrive use it).

Per key: consistent read of the item → the handler's document (or its delete when the item is gone) → written with
the version `(T − 5 min) × 1e6` (versions.py), which loses to every stream change made after T. A 409 means the
index holds a higher version: if that stored document already equals the table, the key is `current`; otherwise
(a stream change of the last minutes, not yet followed by the latest one) the item is read again and written with
`stored + 1`, the handler's own tie rule: a later stream change in a later second still wins, one in the same
second meets a tie that the handler settles against the table. A second 409 means the item is changing right now:
`busy`, and the stream will bring it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .context import Context
from .documents import Document, deletion, document, document_id, parsed
from .preconditions import Table
from .versions import below_stream
from .writer import write

BATCH = 100


@dataclass(frozen=True)
class Result:
    doc_id: str
    kind: str  # repaired | current | busy | failed
    reason: str = ""


def current_items(dynamodb: Any, table: Table, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """doc id → the item now (consistent read), or None when it does not exist."""
    out: dict[str, dict[str, Any] | None] = {document_id(k): None for k in keys}
    for start in range(0, len(keys), BATCH):
        unique = list({document_id(k): k for k in keys[start:start + BATCH]}.values())
        request: dict[str, Any] = {table.name: {"Keys": unique, "ConsistentRead": True}}
        delay = 0.05
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table.name, []):
                out[document_id({n: item[n] for n in table.key_names})] = item
            request = answer.get("UnprocessedKeys") or {}
            if request:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
    return out


def _target(ctx: Context, table: Table, keys: dict[str, Any], item: dict[str, Any] | None) -> Document:
    settings = ctx.settings.handler
    return document(settings, item, table.key_names) if item is not None else deletion(settings, keys)


def _matches(target: Document, hit: dict[str, Any]) -> bool:
    if target.source is None:
        return not hit.get("found")
    return bool(hit.get("found")) and hit.get("_source") == parsed(target.source)


def resync(ctx: Context, table: Table, keys: list[dict[str, Any]], started: float | None = None) -> list[Result]:
    dynamodb, client = ctx.aws("dynamodb"), ctx.opensearch
    version = below_stream(started)
    by_id = {document_id(k): k for k in keys}
    results: list[Result] = []
    targets: list[tuple[Document, int]] = []
    for doc_id, item in current_items(dynamodb, table, list(by_id.values())).items():
        try:
            targets.append((_target(ctx, table, by_id[doc_id], item), version))
        except ValueError as exc:
            results.append(Result(doc_id, "failed", f"the item cannot be converted as the handler does: {exc}"[:300]))
    conflicted = []
    for outcome in write(client, targets):
        if outcome.kind == "written":
            results.append(Result(outcome.document.doc_id, "repaired"))
        elif outcome.kind == "newer":
            conflicted.append(outcome)
        else:
            results.append(Result(outcome.document.doc_id, "failed", outcome.error))
    if not conflicted:
        return results
    stored = client.mget(body={"docs": [{"_index": o.document.index, "_id": o.document.doc_id} for o in conflicted]})["docs"]
    again = []
    for outcome, hit in zip(conflicted, stored):
        if _matches(outcome.document, hit):
            results.append(Result(outcome.document.doc_id, "current"))
        else:
            again.append(outcome)
    fresh = current_items(dynamodb, table, [by_id[o.document.doc_id] for o in again])
    retried = []
    for outcome in again:
        doc_id = outcome.document.doc_id
        try:
            retried.append((_target(ctx, table, by_id[doc_id], fresh[doc_id]), (outcome.stored or version) + 1))
        except ValueError as exc:
            results.append(Result(doc_id, "failed", f"the item cannot be converted as the handler does: {exc}"[:300]))
    for outcome in write(client, retried):
        kind = {"written": "repaired", "newer": "busy"}.get(outcome.kind, "failed")
        reason = "the item changed again meanwhile; the stream will bring it (verify again)" if kind == "busy" else outcome.error
        results.append(Result(outcome.document.doc_id, kind, reason))
    return results
