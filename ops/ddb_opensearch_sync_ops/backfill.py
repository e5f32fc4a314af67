"""`backfill`: every existing item into the index while the stream mapping is live, gap-free and never
overwriting a newer change.

Each item is written as the document the handler would write, with the external version
`(T − 5 min) × 1 000 000` (T: when the backfill first started; see versions.py). Any change the stream delivers
for a change made after T carries a higher version, so it wins whether it arrives before or after the backfill's
write (409 for the backfill: counted as `newer_in_index`). Preconditions, checked before anything is read:
an enabled event source mapping on the table's stream (so every change after T reaches the index) and
`index.gc_deletes` long enough (so a delete's tombstone still rejects the older backfill write).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkpoint import Checkpoint
from .context import Context
from .documents import Document, document, index_pattern
from .errors import OpsError, explained
from .preconditions import describe_table, require_safe_writes
from .progress import Progress, timing
from .scan import Budget, pages, run_parallel
from .versions import below_stream
from .writer import write

SHOWN = 10  # failures listed in the summary


@dataclass
class Options:
    checkpoint: Path
    segments: int = 8
    workers: int = 8
    read_units: float | None = None  # read capacity units per second for the whole scan
    page_limit: int | None = None
    restart: bool = False
    min_gc_deletes: str = "24h"
    check_stream: bool = True


def default_checkpoint(table: str, index: str) -> Path:
    return Path(".ddb-opensearch-sync") / f"backfill-{table}-{index.replace('{', '').replace('}', '')}.json"


def open_checkpoint(ctx: Context, options: Options) -> tuple[Checkpoint, bool]:
    """(checkpoint, resumed). A checkpoint of another table or index is an error, not silently reused."""
    table, index = ctx.settings.table, ctx.settings.handler.index
    existing = None if options.restart else Checkpoint.load(options.checkpoint)
    if existing is not None:
        if (existing.state["table"], existing.state["index"]) != (table, index):
            raise OpsError(f"checkpoint {options.checkpoint} belongs to table {existing.state['table']!r} and index "
                           f"{existing.state['index']!r}; use another --checkpoint or --restart")
        return existing, True
    started = time.time()
    return Checkpoint.new(options.checkpoint, table=table, index=index, segments=options.segments,
                          version=below_stream(started), started=started), False


def backfill(ctx: Context, options: Options) -> tuple[dict[str, Any], int]:
    settings, client = ctx.settings.handler, ctx.opensearch
    dynamodb = ctx.aws("dynamodb")
    table = describe_table(dynamodb, ctx.settings.table)
    require_safe_writes(ctx.aws("lambda"), client, table, index_pattern(settings), options.min_gc_deletes,
                        options.check_stream)
    checkpoint, resumed = open_checkpoint(ctx, options)
    version, total = checkpoint.state["version"], checkpoint.state["total_segments"]
    todo = checkpoint.pending()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    stop = threading.Event()
    progress = Progress("backfill", table.item_count, ctx.progress_interval, bar=ctx.bar)
    progress.extra = lambda: f"{total - len(checkpoint.pending())}/{total} segments done"
    budget = Budget(options.read_units)

    lock = threading.Lock()

    def segment_work(segment: int) -> None:
        start = checkpoint.segment(segment)["last_key"]
        with lock:
            counts["segments_scanned"] += 1
        with explained(f"backfill of segment {segment}"):
            for items, last_key in pages(dynamodb, table.name, segment, total, start, budget, limit=options.page_limit):
                tally: Counter[str] = Counter(items_read=len(items))
                problems: list[str] = []
                documents: list[tuple[Document, int]] = []
                for item in items:
                    try:
                        documents.append((document(settings, item, table.key_names), version))
                    except ValueError as exc:  # the handler would make such an item poison too
                        tally["unconvertible"] += 1
                        problems.append(f"{item.get(table.key_names[0])}: {exc}"[:300])
                for outcome in write(client, documents):
                    tally[{"written": "written", "newer": "newer_in_index"}.get(outcome.kind, "failed")] += 1
                    if outcome.kind == "failed":
                        problems.append(f"{outcome.document.doc_id}: {outcome.error}")
                checkpoint.advance(segment, last_key, len(items))
                with lock:
                    counts.update(tally)
                    failures.extend(problems)
                progress.add(len(items))
                if stop.is_set():
                    return

    interrupted = False
    try:
        run_parallel(todo, segment_work, options.workers, stop)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    pending = checkpoint.pending()
    summary: dict[str, Any] = {
        "command": "backfill", "table": table.name, "index": settings.index,
        "status": "interrupted" if interrupted else ("complete" if not pending else "incomplete"),
        "resumed": resumed, "version": version, "checkpoint": str(options.checkpoint),
        "segments_total": total, "segments_already_done": total - len(todo),
        "segments_scanned": counts["segments_scanned"], "segments_done": total - len(pending),
        "items_read": counts["items_read"], "written": counts["written"],
        "newer_in_index": counts["newer_in_index"], "failed": counts["failed"],
        "unconvertible": counts["unconvertible"], "failures": failures[:SHOWN],
        **timing(progress, counts["items_read"]),
    }
    if interrupted:
        summary["next"] = "run the same command again: it resumes, finished segments are not read again"
        return summary, 130
    if resumed and not todo:
        summary["next"] = "this checkpoint was already complete; --restart starts a new backfill"
    elif failures:
        summary["next"] = "run `repair`: it writes every item the index lacks or holds differently"
    return summary, 0 if not pending and not failures else 1
