"""`_bulk` requests: NDJSON encoding, chunking by bytes and count, 413 splits, bounded retries.

Per-item outcomes come back in the order of the actions given, so the handler can map them to records.
"""
from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from json.encoder import encode_basestring as _string  # the C escaper json.dumps uses with ensure_ascii=False

from .transport import Transport, TransportError

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

# Sent after "/<index>" when OPENSEARCH_INDEX is fixed: OpenSearch Serverless documents only the
# index-scoped forms of _bulk and _mget. The query is percent-encoded as SigV4 canonicalizes it.
PATH = "/_bulk?filter_path=errors%2Citems.%2A.status%2Citems.%2A.error"
HEADERS = {"Content-Type": "application/x-ndjson"}
RETRYABLE = frozenset({429, 500, 502, 503, 504})
BASE_DELAY = 0.1  # seconds; doubled per attempt with jitter, capped at MAX_DELAY
MAX_DELAY = 5.0
SAFETY_MS = 1000  # keep this much of the invocation for mapping results and returning
MAX_CAUSES, MAX_PART = 8, 400  # bound an error's cause chain and each of its reasons


class Action:
    __slots__ = ("op", "index", "doc_id", "version", "source")

    def __init__(self, op: str, index: str, doc_id: str, version: int, source: dict[str, Any] | None = None) -> None:
        self.op = op  # "index" or "delete"
        self.index, self.doc_id, self.version, self.source = index, doc_id, version, source


class Result:
    __slots__ = ("status", "error", "whole")

    def __init__(self, status: int, error: str = "", whole: bool = False) -> None:
        self.status = status  # HTTP status of the item (0: no response)
        self.error = error  # "type: reason caused_by: type: reason ..." for failures
        self.whole = whole  # the status is the whole request's (no item result), never a verdict on one document

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status in RETRYABLE


class _HasDecimal(Exception):
    """The value holds a Decimal: json cannot write it, so dumps takes the marker path."""


def _refuse(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        raise _HasDecimal
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False, default=_refuse)
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, capitals=1)  # str(Decimal) reads capitals from a context


def dumps(value: Any) -> str:
    """Compact JSON that writes Decimal digits verbatim (json cannot), so numbers stay exact."""
    try:
        return _JSON.encode(value)  # one reused C encoder: most documents hold no Decimal
    except _HasDecimal:
        pass
    raws: list[str] = []

    def raw(obj: Any) -> str:
        if isinstance(obj, Decimal):
            raws.append(_EXACT.to_sci_string(obj))
            return marker + raws[-1]
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    while True:
        marker = "\x00" + os.urandom(8).hex() + ":"
        text = json.dumps(value, default=raw, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        quoted = json.dumps(marker, ensure_ascii=False)[:-1]  # the marker as json writes it, opening quote included
        if text.count(quoted) == len(raws):  # no user string happens to contain the random marker
            return re.sub(re.escape(quoted) + r'([-+0-9.E]+)"', r"\1", text)
        raws.clear()


def encode(action: Action) -> bytes:
    """One action's NDJSON lines (the same bytes json.dumps would give the metadata object)."""
    head = (f'{{"{action.op}":{{"_index":{_string(action.index)},"_id":{_string(action.doc_id)},'
            f'"version":{int(action.version)},"version_type":"external"}}}}\n')
    if action.op == "delete":
        return head.encode()
    return (head + dumps(action.source) + "\n").encode()


def chunks(sizes: list[int], max_bytes: int, max_actions: int) -> list[list[int]]:
    """Split positions into consecutive chunks of at most max_bytes (one oversized action goes alone)."""
    out: list[list[int]] = []
    current: list[int] = []
    total = 0
    for position, size in enumerate(sizes):
        if current and (total + size > max_bytes or len(current) >= max_actions):
            out.append(current)
            current, total = [], 0
        current.append(position)
        total += size
    if current:
        out.append(current)
    return out


def reason(error: Any) -> str:
    """OpenSearch's error with its whole `caused_by` chain, where the real cause usually is:
    `mapper_parsing_exception: failed to parse caused_by: illegal_argument_exception: field name cannot be ...`."""
    parts = []
    while isinstance(error, dict) and len(parts) < MAX_CAUSES:
        part = f"{error.get('type', 'error')}: {error.get('reason') or ''}".strip()
        parts.append(part if len(part) <= MAX_PART else part[:MAX_PART] + "...")  # a long value preview never hides the cause
        error = error.get("caused_by")
    if not parts:
        return str(error or "")[:MAX_PART]
    return " caused_by: ".join(parts)


def _request_error(data: bytes) -> str:
    try:
        return reason(json.loads(data)["error"])
    except (ValueError, KeyError, TypeError):
        return data[:300].decode("utf-8", "replace")


def _item_result(item: dict[str, Any]) -> Result:
    (op, body), = item.items()
    return Result(int(body.get("status", 0)), reason(body.get("error")))


class Sender:
    """Sends actions in chunks and retries what may succeed later, within the invocation's time."""

    def __init__(self, transport: Transport, max_bytes: int, max_actions: int, max_retries: int, timeout: float,
                 sleep: Callable[[float], None] = time.sleep, prefix: str = "") -> None:
        self.transport, self.prefix = transport, prefix
        self.max_bytes, self.max_actions, self.max_retries, self.timeout = max_bytes, max_actions, max_retries, timeout
        self.sleep = sleep
        self.stats = {"requests": 0, "retries": 0, "splits": 0, "bulk_ms": 0.0}

    def send(self, actions: list[Action], remaining_ms: Callable[[], int]) -> list[Result]:
        bodies = [encode(a) for a in actions]
        results: list[Result] = [Result(0, "not sent")] * len(actions)
        for chunk in chunks([len(b) for b in bodies], self.max_bytes, self.max_actions):
            pending = chunk
            for attempt in range(self.max_retries + 1):
                if attempt:
                    delay = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
                    if remaining_ms() - delay * 1000 - self.timeout * 1000 < SAFETY_MS:
                        break  # no time for another try: report the records, Lambda redelivers them
                    self.stats["retries"] += 1
                    self.sleep(delay)
                self._post(pending, bodies, results, remaining_ms)
                pending = [p for p in pending if results[p].retryable]
                if not pending:
                    break
        return results

    def _post(self, positions: list[int], bodies: list[bytes], results: list[Result], remaining_ms: Callable[[], int]) -> None:
        timeout = max(0.1, min(self.timeout, (remaining_ms() - SAFETY_MS) / 1000))
        started = time.perf_counter()
        self.stats["requests"] += 1
        try:
            status, data = self.transport.request("POST", self.prefix + PATH, b"".join(bodies[p] for p in positions), HEADERS, timeout)
        except TransportError as exc:
            for p in positions:
                results[p] = Result(0, str(exc))
            return
        finally:
            self.stats["bulk_ms"] += (time.perf_counter() - started) * 1000
        if status == 413 and len(positions) > 1:
            self.stats["splits"] += 1
            half = len(positions) // 2
            self._post(positions[:half], bodies, results, remaining_ms)
            self._post(positions[half:], bodies, results, remaining_ms)
            return
        items = None
        if status == 200:
            try:
                items = json.loads(data).get("items")
            except (ValueError, AttributeError):
                items = None
        if items is None or len(items) != len(positions):
            if status == 200:
                status, data = 502, b"unreadable _bulk response: " + data[:200]
            error = f"bulk request failed with HTTP {status}: {_request_error(data)}"
            for p in positions:
                results[p] = Result(status, error, whole=True)
            return
        for p, item in zip(positions, items):
            results[p] = _item_result(item)


def current(transport: Transport, docs: list[tuple[str, str]], timeout: float, prefix: str = "",
            realtime: bool = True) -> list[dict[str, Any] | None]:
    """`_mget` the stored documents (found or not, with version and exact `_source`); None where unknown. With
    `realtime=False`, as of the last refresh: a realtime read of a document changed since then refreshes the shard
    first (https://docs.opensearch.org/docs/latest/api-reference/document-apis/multi-get/), ~20 ms per call."""
    body = dumps({"docs": [{"_index": index, "_id": doc_id} for index, doc_id in docs]}).encode()
    try:
        # No filter_path here: filtering re-renders _source and rounds numbers beyond a double.
        status, data = transport.request("POST", prefix + ("/_mget" if realtime else "/_mget?realtime=false"),
                                         body, {"Content-Type": "application/json"}, timeout)
        found = json.loads(data, parse_float=Decimal).get("docs") if status == 200 else None
    except (TransportError, ValueError, AttributeError):
        found = None
    if not isinstance(found, list) or len(found) != len(docs):
        return [None] * len(docs)
    return found
