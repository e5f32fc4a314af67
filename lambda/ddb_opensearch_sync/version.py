"""External versions that order writes to one document like the stream orders changes to one item.

Formula (Data Prepper's, facts §20):  version = second(ApproximateCreationDateTime) * 1_000_000 + ordinal
where ``ordinal`` counts the batch's earlier records stamped with the same second (in SequenceNumber
order). A stream record's SequenceNumber would order exactly but has 21-40 digits and does not fit the
signed 64-bit version, hence the formula. Writes use ``version_type=external``: OpenSearch keeps the
highest version and answers 409 to anything older, which is success for us (a newer change is there).

Limits and how they are handled:
- Within a batch, the handler only writes each document's latest change, so the ordinal never has to
  order two changes to one document in one request.
- Across invocations the ordinal restarts, so two changes to one item within the same second, in
  different batches (or a replay), can meet as "ours is lower or equal although newer". A 409 whose stored
  version has the same second as ours is therefore a *tie*, not proof of staleness: ``tie()`` says so,
  and the handler resolves it against the source of truth (consistent BatchGetItem, then write the current
  state with ``stored + 1``). A tie with the container's own earlier write is foreseen and settled the same way
  without the 409 round (sync.py, ``_foreseen_ties``).
- Deletes carry versions too and leave a tombstone for ``index.gc_deletes`` (default 60 s). A replay
  older than that window can bring a deleted document back: set ``index.gc_deletes`` on the index to
  at least the stream's retry horizon (for example ``24h``; see lambda/README.md).
- 1_000_000 records per second per shard is far above a stream shard's write rate, so the ordinal
  never reaches the next second's range; seconds up to year 2262 fit a signed 64-bit long.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

PER_SECOND = 1_000_000
_CURRENT = re.compile(r"current version \[(\d+)\]")


def epoch_second(stamp: Any) -> int:
    """ApproximateCreationDateTime as whole seconds: a number (Lambda events) or an ISO-8601 string."""
    if isinstance(stamp, bool):
        raise ValueError(f"ApproximateCreationDateTime must be epoch seconds, got {stamp!r}")
    if isinstance(stamp, (int, float)):
        return int(stamp)
    if isinstance(stamp, str):
        try:
            return int(float(stamp))
        except ValueError:
            pass
        try:
            return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
        except ValueError:
            pass
    raise ValueError(f"ApproximateCreationDateTime must be epoch seconds or ISO-8601, got {stamp!r:.60}")


def assign(stamps: Iterable[tuple[int, int]]) -> list[int]:
    """Versions for (second, sequence number) pairs, returned in the input order."""
    pairs = list(stamps)
    versions = [0] * len(pairs)
    seen: dict[int, int] = {}
    for position in sorted(range(len(pairs)), key=lambda i: pairs[i][1]):
        second = pairs[position][0]
        ordinal = seen.get(second, 0)
        seen[second] = ordinal + 1
        versions[position] = second * PER_SECOND + ordinal
    return versions


def stored_version(reason: str) -> int | None:
    """The stored version named in a version_conflict_engine_exception reason, if any."""
    found = _CURRENT.search(reason or "")
    return int(found.group(1)) if found else None


def tie(ours: int, stored: int | None) -> bool:
    """True when a 409 cannot tell which change is newer: both versions fall in the same second."""
    return stored is not None and stored // PER_SECOND == ours // PER_SECOND
