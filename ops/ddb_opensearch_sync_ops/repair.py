"""`repair`: write the table's current state for every difference `verify` finds (missing, different, extra),
through `resync` (versions that lose to any later stream change), then report what is left."""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from .context import Context
from .documents import index_pattern
from .preconditions import describe_table, require_safe_writes
from .resync import BATCH, resync
from .verify import Finding, Options, compare

REPAIRABLE = ("missing", "different", "extra")


def repair(ctx: Context, options: Options, min_gc_deletes: str, check_stream: bool = True) -> tuple[dict[str, Any], int]:
    started = time.time()
    queue: list[Finding] = []
    lock = threading.Lock()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    table = describe_table(ctx.aws("dynamodb"), ctx.settings.table)
    require_safe_writes(ctx.aws("lambda"), ctx.opensearch, table, index_pattern(ctx.settings.handler), min_gc_deletes,
                        check_stream)

    def flush(batch: list[Finding]) -> None:
        for result in resync(ctx, table, [f.keys for f in batch if f.keys is not None], started):
            counts[result.kind] += 1
            if result.kind in ("failed", "busy") and len(failures) < options.shown:
                failures.append(f"{result.doc_id}: {result.reason}")

    def found(finding: Finding) -> None:
        if finding.kind not in REPAIRABLE or finding.keys is None:
            return
        with lock:
            queue.append(finding)
            if len(queue) < BATCH:
                return
            batch = queue[:]
            queue.clear()
            flush(batch)

    summary = compare(ctx, options, found, label="repair")
    with lock:
        if queue:
            flush(queue[:])
    result = {"command": "repair", **{k: summary[k] for k in ("table", "index", "table_items", "index_documents",
                                                               "missing", "extra", "different", "degraded",
                                                               "unconvertible", "unverifiable", "examples")},
              "repaired": counts["repaired"], "already_current": counts["current"], "busy": counts["busy"],
              "failed": counts["failed"], "failures": failures, "seconds": round(time.time() - started, 3)}
    return result, 0 if not counts["failed"] and not counts["busy"] and not summary["unconvertible"] else 1
