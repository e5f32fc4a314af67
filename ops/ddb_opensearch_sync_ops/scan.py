"""Parallel `Scan` of a table by segments, within a read-capacity budget, stoppable between pages."""
from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterator

SCAN_PAGE_BYTES = 1024 * 1024  # a Scan page holds at most 1 MB


class Budget:
    """Read capacity units per second shared by all segments (None: unlimited). Spending more than the budget
    makes the caller sleep until the average is back under it, so production traffic keeps its capacity."""

    def __init__(self, units_per_second: float | None) -> None:
        self.rate = units_per_second
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._spent = 0.0

    def spend(self, units: float) -> None:
        if not self.rate:
            return
        with self._lock:
            self._spent += units
            wait_s = self._spent / self.rate - (time.monotonic() - self._started)
        if wait_s > 0:
            time.sleep(wait_s)


def consumed(page: dict[str, Any], consistent: bool) -> float:
    """Capacity units a page used: DynamoDB's figure, else its estimate (4 KB per unit, half for eventual reads)."""
    reported = (page.get("ConsumedCapacity") or {}).get("CapacityUnits")
    if reported is not None:
        return float(reported)
    size = sum(len(repr(item)) for item in page.get("Items", []))
    return max(1, size // 4096) * (1.0 if consistent else 0.5)


def pages(dynamodb: Any, table: str, segment: int, total: int, start_key: dict[str, Any] | None, budget: Budget,
          consistent: bool = False, limit: int | None = None) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """(items, LastEvaluatedKey) per page of one segment, from start_key; the key is None after the last page."""
    request: dict[str, Any] = {"TableName": table, "Segment": segment, "TotalSegments": total,
                               "ConsistentRead": consistent, "ReturnConsumedCapacity": "TOTAL"}
    if limit:
        request["Limit"] = limit
    key = start_key
    while True:
        page = dynamodb.scan(**request, **({"ExclusiveStartKey": key} if key else {}))
        budget.spend(consumed(page, consistent))
        key = page.get("LastEvaluatedKey")
        yield page.get("Items", []), key
        if not key:
            return


def run_parallel(segments: list[int], work: Callable[[int], None], workers: int, stop: threading.Event) -> None:
    """Run work(segment) on a thread pool. Ctrl-C (or SIGTERM, turned into KeyboardInterrupt by the CLI) sets
    `stop`, lets every worker finish the page it holds so its checkpoint stays exact, then re-raises."""
    if not segments:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(segments))), thread_name_prefix="segment")
    futures = [pool.submit(work, segment) for segment in segments]
    try:
        while True:
            done, pending = wait(futures, timeout=0.2, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                stop.set()
                wait(futures)
                raise failed[0].exception()  # type: ignore[misc]
            if not pending:
                return
    except KeyboardInterrupt:
        stop.set()
        wait(futures)
        raise
    finally:
        pool.shutdown(wait=True)
