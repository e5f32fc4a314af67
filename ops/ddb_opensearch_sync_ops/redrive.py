"""`redrive`: re-sync the items behind every message in an on-failure destination, then delete the message.

Messages understood (an SNS envelope around any of them is unwrapped):
- Lambda's stream failure record (SQS/SNS): `DDBStreamBatchInfo` {streamArn, shardId, startSequenceNumber,
  endSequenceNumber}; the keys are read back from the stream (records stay 24 h);
- the same record in an S3 object, with the batch's event in `payload`;
- the handler's poison message: {"condition": "PoisonRecord", "record": {"dynamodb": {"Keys": ...}}, ...}.
Each affected item is written from the table's current state (resync.py); only when every item of a message is
done is the message deleted. Anything else stays, with the reason in the report.
"""
from __future__ import annotations

import base64
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .context import Context
from .documents import document_id, index_pattern
from .errors import OpsError, explained
from .preconditions import Table, describe_table, require_safe_writes
from .progress import Progress
from .resync import resync

SHOWN = 20


class Unusable(ValueError):
    """A message that names no items this command can re-sync; it is kept."""


@dataclass
class Message:
    ident: str
    body: str
    delete: Callable[[], None]


def sqs_messages(sqs: Any, arn: str, visibility: int) -> Iterator[Message]:
    _, _, _, _, account, name = arn.split(":", 5)
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    seen: set[str] = set()
    while True:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=visibility).get("Messages", [])
        fresh = [m for m in received if m["MessageId"] not in seen]
        if not fresh:  # empty, or only kept messages whose visibility timeout ran out: one pass is done
            return
        for message in fresh:
            seen.add(message["MessageId"])
            handle = message["ReceiptHandle"]
            yield Message(message["MessageId"], message["Body"],
                          lambda h=handle: sqs.delete_message(QueueUrl=url, ReceiptHandle=h))


def s3_messages(s3: Any, arn: str) -> Iterator[Message]:
    bucket = arn.split(":", 5)[5]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            key = entry["Key"]
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8", "replace")
            yield Message(f"s3://{bucket}/{key}", body, lambda k=key: s3.delete_object(Bucket=bucket, Key=k))


def boto_keys(keys: dict[str, Any]) -> dict[str, Any]:
    """Keys as a Lambda event carries them (B as base64 text) → as boto3 sends them (bytes)."""
    out = {}
    for name, typed in keys.items():
        if not isinstance(typed, dict) or len(typed) != 1:
            raise Unusable(f"key attribute {name!r} is not a DynamoDB-typed value: {typed!r:.80}")
        (tag, raw), = typed.items()
        if tag == "B" and isinstance(raw, str):
            out[name] = {"B": base64.b64decode(raw)}
        elif tag in ("S", "N", "B"):
            out[name] = {tag: raw}
        else:
            raise Unusable(f"key attribute {name!r} has type {tag}; keys are S, N or B")
    return out


def _check_table(arn: Any, table: Table) -> None:
    name = str(arn or "").split(":table/", 1)[-1].split("/", 1)[0]
    if name != table.name:
        raise Unusable(f"message is about table {name!r} (ARN {arn!r:.120}), not {table.name!r}")


def stream_keys(streams: Any, info: dict[str, Any], table: Table) -> list[dict[str, Any]]:
    """Keys of the records between start and end sequence numbers, read back from the stream."""
    try:
        arn, shard = info["streamArn"], info["shardId"]
        first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    except (KeyError, TypeError, ValueError):
        raise Unusable(f"DDBStreamBatchInfo lacks streamArn/shardId/start-/endSequenceNumber: {info!r:.200}") from None
    _check_table(arn, table)
    keys: list[dict[str, Any]] = []
    try:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                              SequenceNumber=str(first))["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                if int(record["dynamodb"]["SequenceNumber"]) > last:
                    return keys
                keys.append(record["dynamodb"]["Keys"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    except streams.exceptions.TrimmedDataAccessException:
        raise Unusable("the batch's records are no longer in the stream (kept 24 h); run `repair` instead") from None
    except streams.exceptions.ResourceNotFoundException:
        raise Unusable(f"stream {arn} or shard {shard} no longer exists; run `repair` instead") from None
    if not keys:
        raise Unusable(f"no records between sequence numbers {first} and {last} in {shard}; run `repair` instead")
    return keys


def affected_keys(body: str, table: Table, streams: Any) -> list[dict[str, Any]]:
    try:
        message = json.loads(body)
        if isinstance(message, dict) and message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
            message = json.loads(message["Message"])  # SNS → SQS envelope
    except ValueError as exc:
        raise Unusable(f"not JSON ({exc})") from None
    if not isinstance(message, dict):
        raise Unusable("not a JSON object")
    if message.get("condition") == "PoisonRecord":
        record = message.get("record")
        keys = ((record or {}).get("dynamodb") or {}).get("Keys") if isinstance(record, dict) else None
        if not isinstance(keys, dict) or not keys:
            raise Unusable("PoisonRecord message without record.dynamodb.Keys")
        _check_table(message.get("eventSourceARN") or record.get("eventSourceARN"), table)
        return [boto_keys(keys)]
    info = message.get("DDBStreamBatchInfo")
    if isinstance(info, dict):
        if isinstance(message.get("payload"), str):  # S3 destination: the event itself is in the object
            _check_table(info.get("streamArn"), table)
            try:
                records = json.loads(message["payload"])["Records"]
                return [boto_keys(r["dynamodb"]["Keys"]) for r in records]
            except (ValueError, KeyError, TypeError):
                raise Unusable("payload is not a DynamoDB Streams event with Records[].dynamodb.Keys") from None
        return stream_keys(streams, info, table)
    raise Unusable("neither a stream failure record (DDBStreamBatchInfo) nor a PoisonRecord message; "
                   f"starts {body[:80]!r}")


def sources(ctx: Context, arn: str, visibility: int) -> Iterator[Message]:
    parts = arn.split(":")
    service = parts[2] if len(parts) >= 6 else ""
    if service == "sqs":
        return sqs_messages(ctx.aws("sqs"), arn, visibility)
    if service == "s3":
        return s3_messages(ctx.aws("s3"), arn)
    if service == "sns":
        raise OpsError(f"{arn} is an SNS topic, which cannot be read back; subscribe an SQS queue to it and "
                       "redrive from that queue (--destination QUEUE_ARN)")
    raise OpsError(f"{arn!r} is not an SQS queue or S3 bucket ARN")


def mapping_destinations(lambda_client: Any, table: Table) -> list[str]:
    """On-failure destinations of the event source mappings reading the table's stream."""
    with explained("listing event source mappings"):
        pages = lambda_client.get_paginator("list_event_source_mappings").paginate(EventSourceArn=table.stream_arn)
        found = [((m.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination", "")
                 for page in pages for m in page["EventSourceMappings"]]
    return list(dict.fromkeys(d for d in found if d))


def redrive(ctx: Context, explicit: str | None, min_gc_deletes: str, check_stream: bool = True,
            visibility: int = 300) -> tuple[dict[str, Any], int]:
    started = time.time()
    table = describe_table(ctx.aws("dynamodb"), ctx.settings.table)
    require_safe_writes(ctx.aws("lambda"), ctx.opensearch, table, index_pattern(ctx.settings.handler),
                        min_gc_deletes, check_stream)
    destinations = [explicit] if explicit else list(dict.fromkeys(
        [*ctx.settings.destinations, *mapping_destinations(ctx.aws("lambda"), table)]))
    if not destinations:
        raise OpsError("no destination to redrive: use --destination ARN, FAILURE_DESTINATION_ARN, --from-terraform, "
                       f"or give the stream's event source mapping an on-failure destination")
    counts: Counter[str] = Counter()
    redriven: list[str] = []
    kept: list[dict[str, str]] = []
    progress = Progress("redrive", None, ctx.progress_interval, bar=ctx.bar)
    try:
        for arn in destinations:
            with explained(f"redrive from {arn}"):
                for message in sources(ctx, arn, visibility):
                    counts["messages"] += 1
                    progress.add(1)
                    try:
                        keys = affected_keys(message.body, table, ctx.aws("dynamodbstreams"))
                    except Unusable as exc:
                        kept.append({"message": message.ident, "reason": str(exc)})
                        continue
                    results = resync(ctx, table, keys, started)
                    counts.update(r.kind for r in results)
                    unfinished = [r for r in results if r.kind not in ("repaired", "current")]
                    if unfinished:
                        kept.append({"message": message.ident, "reason": "; ".join(
                            f"{r.doc_id}: {r.kind}: {r.reason}" for r in unfinished[:3])})
                        continue
                    message.delete()
                    redriven.append(f"{message.ident} ({', '.join(sorted({document_id(k) for k in keys}))[:200]})")
    finally:
        progress.close()
    summary = {"command": "redrive", "table": table.name, "destinations": destinations,
               "messages": counts["messages"], "redriven": len(redriven), "still_failing": len(kept),
               "items_repaired": counts["repaired"], "items_already_current": counts["current"],
               "redriven_messages": redriven[:SHOWN], "failing_messages": kept[:SHOWN],
               "seconds": round(time.time() - started, 3)}
    return summary, 0 if not kept else 1
