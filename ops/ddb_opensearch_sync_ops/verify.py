"""`verify`: is the index equal to the table? Streams both sides, so memory does not grow with the table.

Table → index: a parallel Scan; each page's expected documents (built by the handler's code) are fetched from the
index with one `_mget` and compared exactly (numbers as exact decimals) → missing, different, degraded.
Index → table: a refresh (not on Serverless), then a scroll over the index's ids; each batch of keys is looked up
with BatchGetItem → extra.
Degraded: the handler dropped fields OpenSearch refused and listed them (RFC 6901 pointers) in `_sync_dropped_fields`;
such a document equals the item without those fields and is reported apart from `different`.
Sample mode checks a random fraction of the table's scan segments and of the index's documents.
"""
from __future__ import annotations

import copy
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from opensearchpy import helpers

from .context import Context
from .documents import Document, document, document_id, index_pattern, keys_from_id, keys_from_source, parsed
from .errors import explained
from .preconditions import Table, describe_table
from .progress import Progress, timing
from .scan import Budget, pages, run_parallel

DROPPED = "_sync_dropped_fields"
KINDS = ("missing", "extra", "different", "degraded", "unconvertible", "unverifiable")
FAILING = ("missing", "extra", "different", "unconvertible", "unverifiable")  # degraded is explained, not failing
SAMPLE_SEGMENTS = 1000
BATCH_GET = 100


@dataclass(frozen=True)
class Finding:
    kind: str
    doc_id: str
    index: str
    keys: dict[str, Any] | None  # boto3 key attributes, when known
    detail: str = ""


@dataclass
class Options:
    segments: int = 8
    workers: int = 8
    read_units: float | None = None
    sample: float | None = None  # fraction 0 < f <= 1
    seed: int | None = None
    shown: int = 10


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def without(document: Any, pointers: list[str]) -> Any:
    """The document with the fields at these RFC 6901 pointers removed."""
    out = copy.deepcopy(document)
    for pointer in pointers:
        parts, node = _pointer_parts(pointer), out
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        else:
            if isinstance(node, dict):
                node.pop(parts[-1], None)
            elif isinstance(node, list) and parts[-1].isdigit() and int(parts[-1]) < len(node):
                node.pop(int(parts[-1]))
    return out


def judge(expected: Any, stored: dict[str, Any]) -> tuple[str, str]:
    """('equal' | 'different' | 'degraded', detail) for one document against the table's item."""
    if stored == expected:
        return "equal", ""
    if DROPPED in stored:
        pointers = stored[DROPPED]
        pointers = json.loads(pointers) if isinstance(pointers, str) else pointers
        rest = {k: v for k, v in stored.items() if k != DROPPED}
        if isinstance(pointers, list) and rest == without(expected, [str(p) for p in pointers]):
            return "degraded", "dropped " + ", ".join(map(str, pointers))
    changed = sorted(k for k in expected.keys() | stored.keys() if expected.get(k, ...) != stored.get(k, ...))
    return "different", "fields " + ", ".join(changed[:10])


def table_side(ctx: Context, table: Table, options: Options, segments: list[int], total: int, tally: Tally,
               found: Callable[[Finding], None], progress: Progress, stop: threading.Event) -> None:
    settings, client, dynamodb = ctx.settings.handler, ctx.opensearch, ctx.aws("dynamodb")
    budget = Budget(options.read_units)

    def work(segment: int) -> None:
        with explained(f"verify of scan segment {segment}"):
            for items, _ in pages(dynamodb, table.name, segment, total, None, budget, consistent=True):
                expected: list[tuple[Document, dict[str, Any]]] = []
                for item in items:
                    keys = {name: item[name] for name in table.key_names}
                    try:
                        expected.append((document(settings, item, table.key_names), keys))
                    except ValueError as exc:
                        found(Finding("unconvertible", str(keys), "", keys, str(exc)[:300]))
                if expected:
                    docs = client.mget(body={"docs": [{"_index": d.index, "_id": d.doc_id} for d, _ in expected]})["docs"]
                    for (doc, keys), hit in zip(expected, docs):
                        if not hit.get("found"):
                            found(Finding("missing", doc.doc_id, doc.index, keys, hit.get("error", {}).get("reason", "")
                                          if isinstance(hit.get("error"), dict) else ""))
                            continue
                        kind, detail = judge(parsed(doc.source or "null"), hit["_source"])
                        if kind == "equal":
                            tally.add("equal")
                        else:
                            found(Finding(kind, doc.doc_id, doc.index, keys, detail))
                tally.add("table_items", len(items))
                progress.add(len(items))
                if stop.is_set():
                    return

    run_parallel(segments, work, options.workers, stop)


def _index_hits(ctx: Context, table: Table, sample: float | None, seed: int) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {"query": {"match_all": {}}}
    if sample is not None and sample < 1:
        query = {"query": {"function_score": {"query": {"match_all": {}}, "boost_mode": "replace",
                                              "random_score": {"seed": seed, "field": "_seq_no"}}},
                 "min_score": 1 - sample}
    yield from helpers.scan(ctx.opensearch, index=index_pattern(ctx.settings.handler), query=query, size=1000,
                            _source_includes=[name for name, _ in table.key_schema], scroll="5m",
                            preserve_order=False, ignore_unavailable=True)


def index_side(ctx: Context, table: Table, options: Options, seed: int, tally: Tally,
               found: Callable[[Finding], None]) -> None:
    dynamodb = ctx.aws("dynamodb")
    batch: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def check() -> None:
        keys = list({hit["_id"]: key for hit, key in batch}.values())  # BatchGetItem refuses duplicate keys
        present = set()
        request: dict[str, Any] = {table.name: {"Keys": keys, "ConsistentRead": True,
                                                "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(table.key_names))),
                                                "ExpressionAttributeNames": {f"#k{i}": n for i, n in enumerate(table.key_names)}}}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            present.update(document_id(item) for item in answer["Responses"].get(table.name, []))
            request = answer.get("UnprocessedKeys") or {}
        for hit, key in batch:
            if hit["_id"] not in present:
                found(Finding("extra", hit["_id"], hit["_index"], key, "not in the table"))
        batch.clear()

    with explained("verify: reading the index"):
        if ctx.settings.handler.auth != "aoss":  # Serverless refreshes on its own and has no _refresh API
            # A scroll sees documents as of the last refresh (up to refresh_interval behind the table side's real-time
            # _mget): without one, a document written or deleted moments ago is missed here, an extra one included.
            ctx.opensearch.indices.refresh(index=index_pattern(ctx.settings.handler), ignore_unavailable=True,
                                           allow_no_indices=True)
        for hit in _index_hits(ctx, table, options.sample, seed):
            tally.add("index_documents")
            key = keys_from_id(hit["_id"], table.key_schema) or keys_from_source(hit.get("_source") or {}, table.key_schema)
            if key is None:
                found(Finding("unverifiable", hit["_id"], hit["_index"], None, "id and _source give no table key"))
                continue
            batch.append((hit, key))
            if len(batch) >= BATCH_GET:
                check()
        if batch:
            check()


def compare(ctx: Context, options: Options, found: Callable[[Finding], None] | None = None,
            label: str = "verify") -> dict[str, Any]:
    """Compare table and index; `found` receives every finding (repair acts on them). Returns the counts."""
    table = describe_table(ctx.aws("dynamodb"), ctx.settings.table)
    tally = Tally()
    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    total, segments = options.segments, list(range(options.segments))
    if options.sample is not None and options.sample < 1:
        total = SAMPLE_SEGMENTS
        segments = sorted(random.Random(seed).sample(range(total), max(1, round(options.sample * total))))

    def record(finding: Finding) -> None:
        with tally.lock:
            tally.counts[finding.kind] += 1
            shown = tally.examples.setdefault(finding.kind, [])
            if len(shown) < options.shown:
                shown.append(f"{finding.doc_id} ({finding.detail})" if finding.detail else finding.doc_id)
        if found is not None:
            found(finding)

    progress = Progress(label, table.item_count, ctx.progress_interval, bar=ctx.bar)
    stop = threading.Event()
    try:
        table_side(ctx, table, options, segments, total, tally, record, progress, stop)
        index_side(ctx, table, options, seed, tally, record)
    finally:
        progress.close()
    counts = tally.counts
    summary: dict[str, Any] = {
        "table": table.name, "index": ctx.settings.handler.index,
        "equal": not any(counts[k] for k in FAILING),
        "table_items": counts["table_items"], "index_documents": counts["index_documents"],
        "matching": counts["equal"], **{k: counts[k] for k in KINDS},
        "examples": tally.examples, **timing(progress, counts["table_items"]),
    }
    if options.sample is not None and options.sample < 1:
        summary.update(sample=options.sample, seed=seed)
    return summary


def verify(ctx: Context, options: Options) -> tuple[dict[str, Any], int]:
    summary = compare(ctx, options)
    return {"command": "verify", **summary}, 0 if summary["equal"] else 1
