"""GetRecords answered without moto's generic response serializer, byte for byte the same.

moto serializes every response by walking the botocore model and trying up to a dozen attribute aliases per member
of every value: about 1 ms of CPU per ~1 KB stream record, which bounded the local stack near 185 records/s. Here the
same model is compiled once into plain functions (member order, blob base64, timestamps and strings exactly as moto's
JSON serializer treats them), and each record's JSON is kept on its shard the first time it is read, since a record
never changes once appended. tests/unit/test_moto_stream_reads.py checks the output against moto's serializer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from botocore.model import Shape
from moto import settings
from moto.core.serialize import BaseJSONSerializer, TimestampSerializer
from moto.core.utils import get_service_model
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

Encoder = Callable[[Any], Any]

_CONTENT_TYPE = "application/x-amz-json-1.0"
_TIMESTAMPS = TimestampSerializer(BaseJSONSerializer.DEFAULT_TIMESTAMP_FORMAT)
_moto_get_records = DynamoDBStreamsHandler.get_records


def _compile(shape: Shape, compiled: dict[str, Encoder]) -> Encoder:
    """A function turning a value of `shape` into what moto's JSON serializer puts in the body for it."""
    if shape.name in compiled:
        return compiled[shape.name]
    kind = shape.type_name
    if kind == "structure":
        members: list[tuple[str, str, Encoder]] = []

        def structure(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for key, name, encode in members:
                member = value.get(key)
                if member is not None:
                    out[name] = encode(member)
            return out

        compiled[shape.name] = structure  # before the members: AttributeValue contains itself
        members.extend((key, member.serialization.get("name", key), _compile(member, compiled))
                       for key, member in shape.members.items())
        return structure
    if kind == "map":
        value_encoder = _compile(shape.value, compiled)
        skip_none = shape.value.type_name == "structure"  # moto drops a None structure, keeps a None scalar
        encoder: Encoder = lambda value: {k: value_encoder(v) for k, v in value.items()
                                          if not (skip_none and v is None)}
    elif kind == "list":
        item_encoder = _compile(shape.member, compiled)
        encoder = lambda value: [None if item is None else item_encoder(item) for item in value]
    elif kind == "string":
        encoder = lambda value: value if value in (None, {}, []) else str(value)
    elif kind == "blob":
        encoder = lambda value: base64.b64encode(value.encode() if isinstance(value, str) else value).strip().decode()
    elif kind == "timestamp":
        timestamp_format = shape.serialization.get("timestampFormat", _TIMESTAMPS.default_format)
        encoder = lambda value: _TIMESTAMPS._convert_timestamp_to_str(value, timestamp_format)
    elif kind in ("integer", "long"):
        encoder = int
    elif kind in ("float", "double"):
        encoder = float
    else:  # boolean, and anything moto passes through as is
        encoder = lambda value: value
    compiled[shape.name] = encoder
    return encoder


_RECORD = _compile(get_service_model("dynamodbstreams").shape_for("Record"), {})


def record_json(record: dict[str, Any]) -> str:
    """One stream record as moto's serializer writes it inside a GetRecords body."""
    return json.dumps(_RECORD(record))


def get_records_body(records: list[str], next_shard_iterator: str | None) -> str:
    """The GetRecords body from already-serialized records (members in the model's order)."""
    tail = "" if next_shard_iterator is None else f", \"NextShardIterator\": {json.dumps(next_shard_iterator)}"
    return f"{{\"Records\": [{', '.join(records)}]{tail}}}"


def _shard_records_json(shard: StreamShard, start: int, count: int) -> list[str]:
    """The JSON of shard.items[start:start + count], serialized once per record and kept on the shard."""
    cache: dict[int, str] = shard.__dict__.setdefault("_records_json", {})
    out = []
    for index in range(start, start + count):
        text = cache.get(index)
        if text is None:
            text = cache[index] = record_json(shard.items[index].to_json())
        out.append(text)
    return out


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
    DynamoDBStreamsHandler.get_records = _get_records  # type: ignore[method-assign]


def unpatch() -> None:
    """Back to moto's own serializer (the benchmark and the equality test compare the two)."""
    DynamoDBStreamsHandler.get_records = _moto_get_records  # type: ignore[method-assign]
