"""GetRecords answered without moto's generic response serializer, byte for byte the same.

moto serializes every response by walking the botocore model and trying up to a dozen attribute aliases per member
of every value: about 1 ms of CPU per ~1 KB stream record, which bounded the local stack near 185 records/s. Here the
same model is compiled once into plain functions by `moto_json_compiler` (the values moto's JSON serializer
writes), and each record's JSON is kept on the record, since a record never changes once appended.

Most records' JSON is written when the record is made (by `moto_stream_writes`, under the write lock): moto measures
each record's SizeBytes with a JSON dump of the record, and an image of strings, numbers, sets of those, booleans,
nulls, maps and lists is written into that dump exactly as moto's GetRecords serializer writes it. So each image is
dumped once, and both the record's SizeBytes and its GetRecords JSON are put together from the same text and the
record's frame (the rest of it, written by moto's encoders once per kind of record and second: `_Frames`). The dump
of an item's image is kept on the item (`moto_item_json`): the NewImage's text is the OldImage's text of the item's
next change, and what reads of the item answer with. Images with binary values or anything else the serializer would
change (`moto_item_json.CHANGED_BY_SERIALIZER`) are measured and serialized as before.
tests/unit/test_moto_stream_reads.py checks both against moto's own code.
"""

from __future__ import annotations

import json
import uuid
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
_IMAGES = ("OldImage", "NewImage", "Keys")  # in reverse of the order the serializer writes them (see _Frames._fill)
_IMAGES_ORDER = _IMAGES[::-1]  # the order the serializer writes them in


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


class _Frames:
    """What a record's JSON is, around its images, for records that differ only in eventID, SequenceNumber and
    SizeBytes, each written once by moto's encoders (the measuring dump, the serializer) and reused.

    The images are dumped already; what is left of a record is a handful of scalars. Written with stand-in values
    (a random token, which both encoders write as it is, as they write a hex eventID, a digit SequenceNumber and an
    int SizeBytes), each frame is then filled in by `str.format`."""

    _LIMIT = 64  # frames kept; the time (whole seconds) is part of the serialized record, so they turn over

    def __init__(self) -> None:
        token = uuid.uuid4().hex
        self._event_id, self._sequence = f"e{token}", f"9{int(token, 16)}"  # a hex and a digit string
        self._size = int(token[:15], 16) + 10 ** 18  # an int written as nothing else in a record is
        self._measures: dict[tuple[Any, ...], int] = {}
        self._bodies: dict[tuple[Any, ...], str | None] = {}

    def size(self, change: dict[str, Any], images: dict[str, str]) -> int:
        """len(SIZE_ENCODER.encode(change)) with each image written as its text, and SizeBytes 1 (moto's measure)."""
        key = (change["StreamViewType"], tuple(change), change["SizeBytes"])
        base = self._measures.get(key)
        if base is None:  # the dump of the record with time 0, SequenceNumber "" and each image 0
            if len(self._measures) >= self._LIMIT:
                self._measures.clear()
            placeholders = {**change, "ApproximateCreationDateTime": 0, "SequenceNumber": "",
                            **dict.fromkeys(images, 0)}
            base = self._measures[key] = len(moto_stream_writes.SIZE_ENCODER.encode(placeholders)) - 1 - len(images)
        encode = moto_stream_writes.SIZE_ENCODER.encode
        return (base + len(encode(change["ApproximateCreationDateTime"])) + len(encode(change["SequenceNumber"])) - 2
                + sum(map(len, images.values())))

    def body(self, record: dict[str, Any], change: dict[str, Any], images: dict[str, str]) -> str:
        """The record's GetRecords JSON: `record` (its "dynamodb" part is `change`) with each image as its text."""
        key = (tuple((name, value) for name, value in record.items() if name not in ("eventID", "dynamodb")),
               tuple((name, value) for name, value in change.items() if name not in ("SequenceNumber", "SizeBytes")
                     and name not in images), tuple(images))
        frame = self._bodies.get(key, "")
        if frame == "":
            if len(self._bodies) >= self._LIMIT:
                self._bodies.clear()
            frame = self._bodies[key] = self._frame(record, change, images)
        if frame is None:  # a stand-in value came out otherwise than expected: no frame for such a record
            return self._fill(record, change, images)
        return frame.format(record["eventID"], change["SequenceNumber"], change["SizeBytes"],
                            *(images[name] for name in _IMAGES_ORDER if name in images))

    def _frame(self, record: dict[str, Any], change: dict[str, Any], images: dict[str, str]) -> str | None:
        stand_in = {"eventID": self._event_id, "SequenceNumber": self._sequence, "SizeBytes": self._size}
        text = self._fill({**record, "eventID": stand_in["eventID"]},
                          {**change, "SequenceNumber": stand_in["SequenceNumber"], "SizeBytes": stand_in["SizeBytes"]},
                          dict.fromkeys(images, "{}"))
        frame = text.replace("{", "{{").replace("}", "}}")
        fields = [json.dumps(stand_in["eventID"]), json.dumps(stand_in["SequenceNumber"]), str(stand_in["SizeBytes"])]
        fields += [f'"{name}": {{{{}}}}' for name in _IMAGES_ORDER if name in images]
        for n, field in enumerate(fields):
            if frame.count(field) != 1:
                return None
            value = f'"{{{n}}}"' if n < 2 else f"{{{n}}}" if n == 2 else f"{field.split(':')[0]}: {{{n}}}"
            frame = frame.replace(field, value)
        return frame

    @staticmethod
    def _fill(record: dict[str, Any], change: dict[str, Any], images: dict[str, str]) -> str:
        body = json.dumps(_RECORD({**record, "dynamodb": {**change, **dict.fromkeys(images, {})}}))
        for name, text in images.items():  # the last one first: the first match of each is then its placeholder
            body = body.replace(f'"{name}": {{}}', f'"{name}": {text}', 1)
        return body


_FRAMES = _Frames()


def _stream_record(self: StreamRecord, table: Table, stream_type: str, event_name: str, old: Item | None,
                   new: Item | None, seq: int) -> None:
    """moto_stream_writes' record, measured and serialized from one json.dumps of each image."""
    change = moto_stream_writes.new_record(self, table, stream_type, event_name, old, new, seq)
    items = {"OldImage": old, "NewImage": new}
    dumped = {name: moto_item_json.image_text(items[name], change[name], keep=True) if name in items
              else moto_item_json.dumped(change[name]) for name in _IMAGES if name in change}
    images = {name: text for name, (text, _) in dumped.items()}
    if None in images.values():  # binary values (bytes) and the like: moto's encoder measures the record
        moto_stream_writes.finish_record(change, len(moto_stream_writes.SIZE_ENCODER.encode(change)))
        return
    # moto's encoder writes an image that json.dumps can write as json.dumps does: measure the record without them
    moto_stream_writes.finish_record(change, _FRAMES.size(change, images))  # type: ignore[arg-type]
    if not all(is_plain for _, is_plain in dumped.values()):
        return  # serialized on its first read
    self.get_records_json = _FRAMES.body(self.record, change, images)  # type: ignore[arg-type]


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
