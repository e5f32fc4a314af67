"""The moto process's cyclic garbage collector run less often, for a heap that mostly grows.

moto keeps every item (a few hundred container objects per ~1 KB item: its DynamoTypes, their dicts, its stream
record and images) for the life of the process. With CPython's default thresholds (700, 10, 10) a full collection,
which walks every container object of the process (moto's models and modules included), runs each time the
long-lived objects grow by a quarter: measured, about 40% of moto's CPU per BatchWriteItem item. Young collections
now start after 10,000 allocations instead of 700 and a full one waits for 1,000 middle ones instead of 10.
Nothing changes but when unreachable reference cycles are freed: cycles of short-lived objects still go in the young
collections, and ones that reached the oldest generation (a deleted table with its stream shard) at a later full
collection (https://docs.python.org/3/library/gc.html#gc.set_threshold).
"""

from __future__ import annotations

import gc

_THRESHOLDS = (10_000, 10, 1_000)
_default_thresholds = gc.get_threshold()


def patch() -> None:
    gc.set_threshold(*_THRESHOLDS)


def unpatch() -> None:
    """Back to the thresholds the process had when this module was imported."""
    gc.set_threshold(*_default_thresholds)
