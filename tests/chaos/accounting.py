"""What the chaos run checks, read independently of the pipeline: the stream itself, the runner's durable
checkpoints over time, the failure queue, and the index against the table."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from verify_sync import _normal, index_documents, table_documents

DROPPED_FIELD = "_sync_dropped_fields"


@dataclass
class StreamRecord:
    shard: str
    sequence: int
    key: str
    event: str
    created: float


def read_stream(streams: Any, stream_arn: str) -> tuple[list[StreamRecord], list[str]]:
    """Every record of every shard, in shard order, and the problems seen (duplicate or decreasing numbers)."""
    records, problems = [], []
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        last = None
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for raw in page["Records"]:
                sequence = int(raw["dynamodb"]["SequenceNumber"])
                if last is not None and sequence <= last:
                    problems.append(f"shard {shard['ShardId']}: sequence number {sequence} follows {last} "
                                    f"({'duplicate' if sequence == last else 'decreasing'})")
                last = sequence
                records.append(StreamRecord(shard["ShardId"], sequence, raw["dynamodb"]["Keys"]["pk"]["S"],
                                            raw["eventName"],
                                            _timestamp(raw["dynamodb"]["ApproximateCreationDateTime"])))
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records, problems


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class CheckpointMonitor:
    """Samples the runner's checkpoint file of one mapping (wall time, shard -> sequence) every `interval_s`."""

    def __init__(self, path: Path, interval_s: float = 0.5) -> None:
        self.path, self.interval_s = path, interval_s
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.backwards: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoint-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def current(self) -> dict[str, int]:
        try:
            shards = json.loads(self.path.read_text())["shards"]
        except (OSError, ValueError, KeyError):
            return {}
        return {shard: int(state["sequence"]) for shard, state in shards.items() if state.get("sequence")}

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            now = self.current()
            if self.samples:
                for shard, sequence in self.samples[-1][1].items():
                    if now.get(shard, sequence) < sequence:
                        self.backwards.append(f"shard {shard}: checkpoint went back from {sequence} to {now[shard]}")
            self.samples.append((time.time(), now))

    def longest_block(self, records: list[StreamRecord]) -> tuple[float, str]:
        """The longest time a shard's checkpoint stood still while a record after it already existed."""
        longest, where = 0.0, ""
        by_shard: dict[str, list[StreamRecord]] = {}
        for record in records:
            by_shard.setdefault(record.shard, []).append(record)
        for shard, shard_records in by_shard.items():
            runs: list[tuple[float, float, int]] = []  # (from, to, checkpoint)
            for at, checkpoints in self.samples:
                value = checkpoints.get(shard, 0)
                if runs and runs[-1][2] == value:
                    runs[-1] = (runs[-1][0], at, value)
                else:
                    runs.append((at, at, value))
            for start, end, value in runs:
                pending = [r.created for r in shard_records if r.sequence > value]
                if pending:
                    blocked = end - max(start, min(pending))
                    if blocked > longest:
                        longest, where = blocked, f"shard {shard} at checkpoint {value}"
        return longest, where


def drain_queue(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = []
    while True:
        page = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not page.get("Messages"):
            return messages
        for message in page["Messages"]:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _find(value: Any, name: str) -> list[Any]:
    """Every value under `name` anywhere in a JSON document."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == name:
                found.append(inner)
            found.extend(_find(inner, name))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_find(inner, name))
    return found


@dataclass
class DestinationRecord:
    key: str
    sequence: str
    reason: str
    source: str  # "function" (the handler's poison message) or "mapping" (the on-failure batch message)


def destination_records(messages: list[dict[str, Any]], records: list[StreamRecord]) -> list[DestinationRecord]:
    """The stream records each message names: the handler's carry the record; the mapping's a sequence range."""
    found = []
    for message in messages:
        batches = _find(message, "DDBStreamBatchInfo")
        if batches:
            for batch in batches:
                first, last = int(batch["startSequenceNumber"]), int(batch["endSequenceNumber"])
                reason = str(message.get("requestContext", {}).get("condition", ""))
                found += [DestinationRecord(r.key, str(r.sequence), reason, "mapping") for r in records
                          if first <= r.sequence <= last]
            continue
        reason = " ".join(str(v) for name in ("error", "reason", "errors") for v in _find(message, name))
        sequences = [str(s) for s in _find(message, "SequenceNumber")]
        keys = [k["pk"]["S"] for k in _find(message, "Keys") if isinstance(k, dict) and "pk" in k]
        for index, key in enumerate(keys):
            found.append(DestinationRecord(key, sequences[index] if index < len(sequences) else "", reason,
                                           "function"))
    return found


def remove_pointer(document: dict[str, Any], pointer: str) -> None:
    """Delete what a JSON Pointer (RFC 6901) names, if it is there."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    target: Any = document
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.get(part, {})
    if isinstance(target, dict):
        target.pop(parts[-1], None)
    elif isinstance(target, list) and parts[-1].isdigit() and int(parts[-1]) < len(target):
        target.pop(int(parts[-1]))


@dataclass
class IndexCheck:
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: dict[str, str] = field(default_factory=dict)  # key -> what differs
    dropped: dict[str, list[str]] = field(default_factory=dict)  # key -> its _sync_dropped_fields

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.stale)


def check_index(dynamodb: Any, table: str, opensearch_url: str, index: str,
                poison: dict[str, set[str]]) -> IndexCheck:
    """Index vs table, item by item. A document may lack fields only when it names them in _sync_dropped_fields,
    and only the poison attributes of a poison item."""
    expected, indexed = table_documents(dynamodb, table), index_documents(opensearch_url, index)
    key_of = {doc_id: doc.get("pk", doc_id) for doc_id, doc in {**indexed, **expected}.items()}
    check = IndexCheck(missing=sorted(key_of[i] for i in expected.keys() - indexed.keys()),
                       extra=sorted(key_of[i] for i in indexed.keys() - expected.keys()))
    for doc_id in expected.keys() & indexed.keys():
        key, want, got = key_of[doc_id], expected[doc_id], dict(indexed[doc_id])
        pointers = got.pop(DROPPED_FIELD, None)
        if pointers is not None:
            check.dropped[key] = list(pointers)
            allowed = poison.get(key, set())
            wrongly = [p for p in pointers if p.split("/")[1].replace("~1", "/").replace("~0", "~") not in allowed]
            if wrongly:
                check.stale[key] = f"dropped fields that are not poison: {wrongly} (allowed: {sorted(allowed)})"
                continue
            want = copy.deepcopy(want)  # a copy to cut the dropped fields from
            for pointer in sorted(pointers, reverse=True):
                remove_pointer(want, pointer)
        elif key in poison:
            check.stale[key] = f"poison item indexed without {DROPPED_FIELD}"
            continue
        if _normal(want) != _normal(got):
            differing = sorted(k for k in set(want) | set(got) if _normal(want.get(k)) != _normal(got.get(k)))
            check.stale[key] = (f"fields {differing} differ: table {_short(want, differing)} "
                                f"index {_short(got, differing)}")
    return check


def _short(document: dict[str, Any], fields: list[str]) -> str:
    return str({k: (str(document.get(k))[:60]) for k in fields})


def undelivered(runner_log: Path, mapping_uuid: str, records: list[StreamRecord]) -> list[StreamRecord]:
    """Records no invocation logged by the runner handled: a record is delivered when an invocation covering it
    succeeded, or reported item failures only from a later sequence number on."""
    handled: dict[str, list[tuple[int, int]]] = {}
    for line in runner_log.read_text(errors="replace").splitlines():
        if '"invocation"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short by kill -9
        if event.get("event") != "invocation" or event.get("mapping") != mapping_uuid:
            continue
        first, last = int(event["first_sequence"]), int(event["last_sequence"])
        if not event.get("succeeded"):
            reason = str(event.get("reason") or "")
            if not reason.startswith("batchItemFailures from SequenceNumber "):
                continue
            last = int(reason.rsplit(" ", 1)[1]) - 1
        if last >= first:
            handled.setdefault(event["shard"], []).append((first, last))
    return [r for r in records if not any(a <= r.sequence <= b for a, b in handled.get(r.shard, []))]
