"""Batching: batch size, batching window and the 6 MB invocation payload cap (facts §7)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from esm_runner.wire import WireRecord

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_EVENT_OVERHEAD = 1024  # '{"Records":[...]}' plus the tumbling-window fields, generously


@dataclass
class Pending:
    """A stream record waiting for delivery, with what batching, ordering and age checks need."""

    record: dict[str, Any]
    position: int = -1  # place in the shard as read (ContiguousProgress), unique even where sequence numbers are not
    sequence: int = field(init=False)
    size: int = field(init=False)
    created: float = field(init=False)

    def __post_init__(self) -> None:
        dynamodb = self.record["dynamodb"]
        self.sequence = int(dynamodb["SequenceNumber"])  # 21-40 digits: compare as integers (facts §13)
        text = self.record.text if isinstance(self.record, WireRecord) else json.dumps(self.record)
        self.size = len(text) + 2  # as it is joined into the event: ", " between records
        self.created = float(dynamodb.get("ApproximateCreationDateTime") or 0)

    @cached_property
    def key(self) -> str:
        """The item's key as text, for the lanes of a ParallelizationFactor above 1 (~9 % of the runner's CPU when
        it was made for every record read)."""
        return json.dumps(self.record["dynamodb"].get("Keys", {}), sort_keys=True)


def take_batch(pending: list[Pending], batch_size: int, max_bytes: int = MAX_PAYLOAD_BYTES) -> list[Pending]:
    """The longest prefix within the batch size and the payload cap (always at least one record)."""
    batch: list[Pending] = []
    total = _EVENT_OVERHEAD
    for item in pending:
        if len(batch) >= batch_size or (batch and total + item.size > max_bytes):
            break
        batch.append(item)
        total += item.size
    return batch


def is_ready(pending: list[Pending], batch_size: int, window: float, waited: float,
             max_bytes: int = MAX_PAYLOAD_BYTES) -> bool:
    """Invoke when the batch is full, the payload cap is reached, or the batching window has elapsed."""
    return bool(pending) and (is_full(pending, batch_size, max_bytes) or waited >= window)


def is_full(pending: list[Pending], batch_size: int, max_bytes: int = MAX_PAYLOAD_BYTES) -> bool:
    """The buffer holds a full batch: the batch size, or the payload cap."""
    return len(pending) >= batch_size or _EVENT_OVERHEAD + sum(p.size for p in pending) >= max_bytes
