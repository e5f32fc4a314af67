"""Writes documents with external versions through opensearch-py's `helpers.streaming_bulk`.

Sources are the handler's exact JSON strings; the client's serializer passes them through unchanged. Outcomes:
`written` (2xx, or a delete of a missing document), `newer` (409: OpenSearch holds a higher version, i.e. a newer
change from the stream), `failed` (anything else, with the reason).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from opensearchpy import OpenSearch, helpers

from .documents import Document, stored_version


@dataclass(frozen=True)
class Outcome:
    document: Document
    version: int
    kind: str  # written | newer | failed
    error: str = ""
    stored: int | None = None  # the higher version OpenSearch holds (409)


def _action(document: Document, version: int) -> dict[str, Any]:
    action: dict[str, Any] = {"_op_type": "delete" if document.source is None else "index", "_index": document.index,
                              "_id": document.doc_id, "version": version, "version_type": "external"}
    if document.source is not None:
        action["_source"] = document.source
    return action


def write(client: OpenSearch, documents: Iterable[tuple[Document, int]], chunk_size: int = 500,
          max_chunk_bytes: int = 5 * 1024 * 1024, max_retries: int = 5) -> Iterator[Outcome]:
    """One Outcome per document (retried 429s may come back later than the rest of their chunk)."""
    pending: dict[str, tuple[Document, int]] = {}

    def actions() -> Iterator[dict[str, Any]]:
        for document, version in documents:
            pending[document.doc_id] = (document, version)
            yield _action(document, version)

    for ok, item in helpers.streaming_bulk(client, actions(), chunk_size=chunk_size, max_chunk_bytes=max_chunk_bytes,
                                           raise_on_error=False, raise_on_exception=False, max_retries=max_retries,
                                           initial_backoff=0.5, max_backoff=10):
        (op, body), = item.items()
        document, version = pending.pop(body["_id"])
        status = body.get("status")
        status = status if isinstance(status, int) else 0  # "N/A" when the whole request failed (no response)
        error = body.get("error")
        reason = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else str(error or "")
        if ok or (op == "delete" and status == 404 and not error):
            yield Outcome(document, version, "written")
        elif status == 409:
            yield Outcome(document, version, "newer", reason, stored_version(reason))
        else:
            yield Outcome(document, version, "failed", f"HTTP {status} {reason}"[:500])
