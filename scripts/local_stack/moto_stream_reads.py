"""GetRecords answered without moto's generic response serializer, byte for byte the same.

moto serializes every response by walking the botocore model and trying up to a dozen attribute aliases per member
of every value: about 1 ms of CPU per ~1 KB stream record, which bounded the local stack near 185 records/s. Here the
same model is compiled once into plain functions by `moto_json_compiler` (the values moto's JSON serializer
writes), and each record's JSON is kept on the record, since a record never changes once appended.

Most records' JSON is written when the record is made (by `moto_stream_writes`, under the write lock): moto measures
each record's SizeBytes with a JSON dump of the record, and an image of strings, numbers, sets of those, booleans,
nulls, maps and lists is written into that dump exactly as moto's GetRecords serializer writes it. So each image is
dumped once, and both the record's SizeBytes and its GetRecords JSON are put together from the same text. The dump
of an item's image is kept on the item (`moto_item_json`): the NewImage's text is the OldImage's text of the item's
next change, and what reads of the item answer with. Images with binary values or anything else the serializer would
change (`moto_item_json.CHANGED_BY_SERIALIZER`) are measured and serialized as before.
tests/unit/test_moto_stream_reads.py checks both against moto's own code.
"""

from __future__ import annotations

import json
from typing import Any

from moto import settings
from moto.core.utils import get_service_model
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local_stack import moto_item_json, moto_stream_writes
from local_stack.moto_json_compiler import compile_encoder

_CONTENT_TYPE = "application/x-amz-json-1.0"
_moto_get_records = DynamoDBStreamsHandler.get_records
_RECORD = compile_encoder(get_service_model("dynamodbstreams").shape_for("Record"), {})
_IMAGES = ("OldImage", "NewImage", "Keys")  # in reverse of the order the serializer writes them (see _stream_record)


def _dump(value: Any) -> tuple[str | None, bool]:
    try:
        text = moto_item_json.DUMP(value)
    except (TypeError, ValueError):
        return None, False
    return text, moto_item_json.plain(text)


def record_json(record: dict[str, Any]) -> str:
    """One stream record as moto's serializer writes it inside a GetRecords body."""
    return json.dumps(_RECORD(record))


def get_records_body(records: list[str], next_shard_iterator: str | None) -> str:
    """The GetRecords body from already-serialized records (members in the model's order)."""
    tail = "" if next_shard_iterator is None else f", \"NextShardIterator\": {json.dumps(next_shard_iterator)}"
    return f"{{\"Records\": [{', '.join(records)}]{tail}}}"


def _shard_records_json(shard: StreamShard, start: int, count: int) -> list[str]:
    """The JSON of shard.items[start:start + count]: each record's, written when it was made or on its first read."""
    out = []
    for record in shard.items[start:start + count]:
        text = record.__dict__.get("get_records_json")
        if text is None:
            text = record.get_records_json = record_json(record.to_json())
        out.append(text)
    return out


def _stream_record(self: StreamRecord, table: Table, stream_type: str, event_name: str, old: Item | None,
                   new: Item | None, seq: int) -> None:
    """moto_stream_writes' record, measured and serialized from one json.dumps of each image."""
    change = moto_stream_writes.new_record(self, table, stream_type, event_name, old, new, seq)
    items = {"OldImage": old, "NewImage": new}
    dumped = {name: moto_item_json.image_text(items[name], change[name], keep=True) if name in items
              else _dump(change[name]) for name in _IMAGES if name in change}
    images = {name: text for name, (text, _) in dumped.items()}
    if None in images.values():  # binary values (bytes) and the like: moto's encoder measures the record
        moto_stream_writes.finish_record(change, len(moto_stream_writes.SIZE_ENCODER.encode(change)))
        return
    # moto's encoder writes an image that json.dumps can write as json.dumps does: measure the record without them
    placeholders = {**change, **dict.fromkeys(images, 0)}
    size = len(moto_stream_writes.SIZE_ENCODER.encode(placeholders)) - len(images) + sum(map(len, images.values()))
    moto_stream_writes.finish_record(change, size)
    if not all(is_plain for _, is_plain in dumped.values()):
        return  # serialized on its first read
    body = json.dumps(_RECORD({**self.record, "dynamodb": {**change, **dict.fromkeys(images, {})}}))
    for name, text in images.items():  # the last one first: the first match of each is then its placeholder
        body = body.replace(f'"{name}": {{}}', f'"{name}": {text}', 1)
    self.get_records_json = body


def _get_records(self: DynamoDBStreamsHandler) -> Any:
    if settings.PRETTIFY_RESPONSES:  # moto indents its bodies then; rare enough to leave to moto
        return _moto_get_records(self)
    limit = self._get_param("Limit")
    result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
    records: list[str] = []
    if result["Records"]:  # consecutive records: their positions follow from the first one's sequence number
        shard = self.backend.shard_iterators[result["NextShardIterator"]].stream_shard
        start = int(result["Records"][0]["dynamodb"]["SequenceNumber"]) - shard.starting_sequence_number
        records = _shard_records_json(shard, start, len(result["Records"]))
    return 200, {"Content-Type": _CONTENT_TYPE}, get_records_body(records, result["NextShardIterator"])


def patch() -> None:
    """GetRecords from each record's JSON; records made by moto_stream_writes' builder, if it is on, written at once."""
    DynamoDBStreamsHandler.get_records = _get_records  # type: ignore[method-assign]
    if StreamRecord.__init__ is moto_stream_writes.stream_record:
        StreamRecord.__init__ = _stream_record  # type: ignore[method-assign]


def unpatch() -> None:
    """Back to moto's own serializer and moto_stream_writes' SizeBytes (the benchmark and the tests compare)."""
    DynamoDBStreamsHandler.get_records = _moto_get_records  # type: ignore[method-assign]
    if StreamRecord.__init__ is _stream_record:
        StreamRecord.__init__ = moto_stream_writes.stream_record  # type: ignore[method-assign]
