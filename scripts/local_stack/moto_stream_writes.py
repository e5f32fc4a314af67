"""moto's DynamoDB stream made to record writes as DynamoDB Streams does.

DynamoDB writes each change to an item exactly once, in the order the item changed, with sequence numbers that
increase within a shard, and writes nothing for a write that does not change the item
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). moto 5.2 differs in these ways,
corrected here:

- Its shard append is unlocked: concurrent writers get the same SequenceNumber, and the shard order can disagree
  with the order in which an item changed. Every table write now runs under one lock, so the item change and its
  stream record happen together and sequence numbers are unique and increasing.
- An UpdateItem that creates an item puts a key-only item first, so two INSERT records appear (the first with only
  the key), and the key-only item stays when the update then fails. The records of one write are now collected,
  folded per item into one (first old image, last new) and appended only if the write succeeds; a failed one's
  key-only item is taken out.
- A write that leaves the item as it was (identical PutItem, UpdateItem that changes nothing) emits a MODIFY:
  nothing is written for it now.
- Its PutItem/UpdateItem/DeleteItem handlers read the existing item before the write and serialize the written item
  after it, so a concurrent write to the same item can leak into ReturnValues: the whole request holds the lock.
- A failed TransactWriteItems restores deep copies of its tables, stream shard included, so existing shard
  iterators keep reading a shard no later write reaches: the live shard is put back on the restored table.

Also: stream-record Keys come from the item's image (moto encodes binary keys twice) and ApproximateCreationDateTime
is rounded down to the second, as DynamoDB's is.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from moto.core.utils import utcnow
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodb.models.utilities import DynamoJsonEncoder
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal import mock_random

F = TypeVar("F", bound=Callable[..., Any])

# One lock for every table write: DynamoDB orders changes per item; under the GIL a single lock costs nothing.
_WRITE_LOCK = threading.RLock()
_local = threading.local()  # .pending: the stream changes of the write in progress on this thread, or None

# Backend methods that change items (BatchWriteItem calls put_item/delete_item per request), plus the two that
# iterate a table's items and would fail with "dictionary changed size during iteration" under a concurrent write.
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "execute_statement")
_ITERATING_READS = ("scan", "query")
_SINGLE_ITEM_REQUESTS = ("put_item", "update_item", "delete_item")  # their ReturnValues read the item around the write

SIZE_ENCODER = DynamoJsonEncoder()  # what moto's dynamo_json_dump measures SizeBytes with, made once
_moto_stream_record_init = StreamRecord.__init__  # moto's own record: tests compare with it
_moto_transact_write_items = DynamoDBBackend.transact_write_items


def _one_write(method: F) -> F:
    """Run a backend write under the lock and append its stream records only when it succeeds, one per item."""

    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            if getattr(_local, "pending", None) is not None:  # nested (a transaction's own puts): the outer one appends
                return method(*args, **kwargs)
            pending = _local.pending = {}
            try:
                result = method(*args, **kwargs)
            except BaseException:
                _undo_creations(pending)
                raise
            finally:
                _local.pending = None
            for shard, old, new in pending.values():
                _append(shard, old, new)
            return result

    return write  # type: ignore[return-value]


@contextlib.contextmanager
def no_write_running() -> Iterator[bool]:
    """True if no table write runs meanwhile (the write lock is taken, or already held by this thread, for the
    block); False at once if another thread is writing, or if writes are not patched to take the lock."""
    if StreamShard.add is not _collect or not _WRITE_LOCK.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        _WRITE_LOCK.release()


def _undo_creations(pending: dict[Any, tuple[StreamShard, Item | None, Item | None]]) -> None:
    """A failed write changes nothing in DynamoDB; moto's UpdateItem stores a key-only item before applying the
    update and leaves it there when the update then fails (e.g. the item would pass 400 KB): take it out again."""
    for shard, old, new in pending.values():
        if old is None and new is not None:
            items = shard.table.items
            if new.range_key is not None:
                items.get(new.hash_key, {}).pop(new.range_key, None)
            else:
                items.pop(new.hash_key, None)


def _locked(method: F) -> F:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return method(*args, **kwargs)

    return locked  # type: ignore[return-value]


def _collect(self: StreamShard, old: Item | None, new: Item | None) -> None:
    """Replacement for StreamShard.add: note the change; the write appends it once it has succeeded.

    It also drops moto's own stream->Lambda invocation, which empties the shard on any truthy result (our ESM runner
    reads the stream itself)."""
    pending = getattr(_local, "pending", None)
    if pending is None:  # a write path not wrapped above: append at once, still under the lock
        with _WRITE_LOCK:
            _append(self, old, new)
        return
    item = old if old is not None else new
    key = (id(self), item.hash_key, item.range_key)  # type: ignore[union-attr]
    if key in pending:
        pending[key] = (self, pending[key][1], new)
    else:
        pending[key] = (self, old, new)


def _append(shard: StreamShard, old: Item | None, new: Item | None) -> None:
    """Append one record for an item's change, or none when the item is unchanged (Item equality is by value)."""
    if old is None and new is None or old is not None and new is not None and old == new:
        return
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    view_type = shard.table.stream_specification["StreamViewType"]  # type: ignore[index]
    sequence_number = shard.starting_sequence_number + len(shard.items)
    shard.items.append(StreamRecord(shard.table, view_type, event_name, old, new, sequence_number))


def new_record(self: StreamRecord, table: Table, stream_type: str, event_name: str, old: Item | None,
               new: Item | None, seq: int) -> dict[str, Any]:
    """moto's record (StreamRecord.__init__'s arguments) with Keys taken from the item's image (moto encodes binary
    key values twice; its images are right), before `finish_record`: its "dynamodb" part is returned, with SizeBytes
    1 and the time to the microsecond, as moto has them when it measures the record.

    Built here rather than by moto's StreamRecord.__init__, which converts both images whether the view type keeps
    them or not and serializes its Keys apart."""
    change: dict[str, Any] = {"StreamViewType": stream_type, "ApproximateCreationDateTime": utcnow(),
                              "SequenceNumber": str(seq), "SizeBytes": 1, "Keys": {}}
    if new is not None and stream_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["NewImage"] = new.to_json()["Attributes"]
    if old is not None and stream_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["OldImage"] = old.to_json()["Attributes"]
    item = new if new is not None else old
    image = change.get("NewImage") or change.get("OldImage") or item.to_json()["Attributes"]  # type: ignore[union-attr]
    key_names = [table.hash_key_attr] if table.range_key_attr is None else [table.hash_key_attr, table.range_key_attr]
    change["Keys"] = {name: image[name] for name in key_names}
    self.record = {"eventID": mock_random.uuid4().hex, "eventName": event_name, "eventSource": "aws:dynamodb",
                   "eventVersion": "1.0", "awsRegion": "us-east-1", "dynamodb": change}
    return change


def finish_record(change: dict[str, Any], size_bytes: int) -> None:
    """SizeBytes set to the length of the record's JSON as moto writes it while the time still has its microseconds
    (image-based Keys serialize to the same text as moto's); ApproximateCreationDateTime rounded down to the second."""
    change["SizeBytes"] = size_bytes
    change["ApproximateCreationDateTime"] = change["ApproximateCreationDateTime"].replace(microsecond=0)


def stream_record(self: StreamRecord, table: Table, stream_type: str, event_name: str, old: Item | None,
                   new: Item | None, seq: int) -> None:
    """moto's record with exact Keys and ApproximateCreationDateTime in whole seconds."""
    change = new_record(self, table, stream_type, event_name, old, new, seq)
    finish_record(change, len(SIZE_ENCODER.encode(change)))


def _stream_record_copy(self: StreamRecord, memo: dict[int, Any]) -> StreamRecord:
    """Records never change once appended: a table's deep copy (each TransactWriteItems takes one) shares them."""
    return self


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """On failure moto puts back deep copies of the tables; keep each table's live shard so iterators stay valid."""
    shards = {name: table.stream_shard for name, table in self.tables.items()}
    try:
        _moto_transact_write_items(self, transact_items)
    finally:
        for name, shard in shards.items():
            table = self.tables.get(name)
            if shard is not None and table is not None and table.stream_shard is not shard:
                table.stream_shard = shard
                shard.table = table


def patch() -> None:
    """Idempotent: several stacks may start in one process."""
    if StreamShard.add is _collect:
        return
    StreamRecord.__init__ = stream_record  # type: ignore[method-assign]
    StreamRecord.__deepcopy__ = _stream_record_copy  # type: ignore[attr-defined]
    StreamShard.add = _collect  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name in _WRITES:
        setattr(DynamoDBBackend, name, _one_write(getattr(DynamoDBBackend, name)))
    for name in _ITERATING_READS:
        setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
    for name in _SINGLE_ITEM_REQUESTS:
        setattr(DynamoHandler, name, _locked(getattr(DynamoHandler, name)))
