"""ParallelizationFactor: up to 10 concurrent batches per shard, records of one item always in the same lane so
their order is kept (facts §7: order per partition + sort key)."""

from __future__ import annotations

import zlib

from esm_runner.batching import MAX_PAYLOAD_BYTES, Pending, take_batch


def lane_of(key: str, factor: int) -> int:
    """A stable lane for an item key (crc32, unlike hash(), does not change between processes)."""
    return zlib.crc32(key.encode()) % factor


def plan_round(pending: list[Pending], factor: int, batch_size: int,
               max_bytes: int = MAX_PAYLOAD_BYTES) -> list[list[Pending]]:
    """One batch per non-empty lane, each the oldest records of that lane, to be invoked concurrently."""
    if factor == 1:  # one lane: no key to look at (the buffer may hold 1,000 records for a batch of 100)
        return [take_batch(pending, batch_size, max_bytes)]
    lanes: dict[int, list[Pending]] = {}
    for item in pending:
        lanes.setdefault(lane_of(item.key, factor), []).append(item)
    return [take_batch(records, batch_size, max_bytes) for _, records in sorted(lanes.items())]
