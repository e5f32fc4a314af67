"""GetRecords answered without moto's generic response serializer, byte for byte the same.

moto serializes every response by walking the botocore model and trying up to a dozen attribute aliases per member
of every value: about 1 ms of CPU per ~1 KB stream record, which bounded the local stack near 185 records/s. Here the
same model is compiled once into plain functions by `moto_json_compiler` (the values moto's JSON serializer
writes), and each record's JSON is kept on its shard the first time it is read, since a record
never changes once appended. tests/unit/test_moto_stream_reads.py checks the output against moto's serializer.
"""

from __future__ import annotations

import json
from typing import Any

from moto import settings
from moto.core.utils import get_service_model
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local_stack.moto_json_compiler import compile_encoder

_CONTENT_TYPE = "application/x-amz-json-1.0"
_moto_get_records = DynamoDBStreamsHandler.get_records
_RECORD = compile_encoder(get_service_model("dynamodbstreams").shape_for("Record"), {})


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
