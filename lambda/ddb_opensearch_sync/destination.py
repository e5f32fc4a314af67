"""Send poison records, with why and what was indexed, to the failure destination (SQS queue, SNS topic or S3 bucket).

One JSON message per record (lambda/README.md, "Failures", documents every field; the ops CLI's `redrive` reads
`eventSourceARN` and `record.dynamodb.Keys`).
"""
from __future__ import annotations

import json

from . import aws

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

SQS_SNS_LIMIT = 256 * 1024
REDRIVE = "ddb-opensearch-sync redrive"
_queue_urls: dict[str, str] = {}


class Report:
    __slots__ = ("reason", "document_id", "index", "dropped")

    def __init__(self, reason: str, document_id: str = "", index: str = "", dropped: list[str] | None = None) -> None:
        self.reason = reason  # OpenSearch's reason with its caused_by chain, or why the record could not be converted
        self.document_id, self.index = document_id, index
        self.dropped = dropped or []  # JSON Pointers left out of the indexed document; [] = not indexed


def hint(report: Report) -> str:
    done = ("indexed without the values droppedFields points to (the document's _sync_dropped_fields lists them)"
            if report.dropped else "not indexed")
    return (f"{done}; fix the item in the table or the index mapping (or leave the fields out with EXCLUDE_FIELDS), "
            f"then run `{REDRIVE}` to sync the item again from the table")


def message(record: dict[str, Any], report: Report, function: str) -> dict[str, Any]:
    stream = record.get("dynamodb") if isinstance(record.get("dynamodb"), dict) else {}
    return {
        "condition": "PoisonRecord", "function": function, "error": report.reason, "reason": report.reason,
        "eventSourceARN": record.get("eventSourceARN"), "sequenceNumber": stream.get("SequenceNumber"),
        "keys": stream.get("Keys"), "documentId": report.document_id or None, "index": report.index or None,
        "droppedFields": report.dropped, "action": "redrive", "hint": hint(report), "record": record,
    }


def _keys_only(record: dict[str, Any]) -> dict[str, Any]:
    stream = record.get("dynamodb") or {}
    kept = {k: v for k, v in stream.items() if k not in ("NewImage", "OldImage")}
    return {**record, "dynamodb": kept, "imagesOmitted": "message would exceed the 256 KiB SQS/SNS limit"}


def _body(record: dict[str, Any], report: Report, function: str, **extra: Any) -> str:
    return json.dumps({**message(record, report, function), **extra}, default=str, separators=(",", ":"))


def _fitting(record: dict[str, Any], report: Report, function: str) -> str:
    """The message within 256 KiB: an item with thousands of attributes left out lists only the first pointers
    here (`droppedFieldsOmitted` counts the rest; the document's `_sync_dropped_fields` has them all)."""
    body, kept = _body(record, report, function), len(report.dropped)
    while len(body.encode()) > SQS_SNS_LIMIT and kept:
        kept //= 2
        shorter = Report(report.reason, report.document_id, report.index, report.dropped[:kept])
        body = _body(record, shorter, function, droppedFieldsOmitted=len(report.dropped) - kept)
    return body


def send(arn: str, record: dict[str, Any], report: Report, function: str) -> None:
    """Deliver one poison record; raises on failure so the caller reports the record instead."""
    _, _, service, region, account, resource = arn.split(":", 5)
    body = _body(record, report, function)
    if service in ("sqs", "sns") and len(body.encode()) > SQS_SNS_LIMIT:
        body = _fitting(_keys_only(record), report, function)
    if service == "sqs":
        sqs = aws.client("sqs", region)
        if arn not in _queue_urls:
            _queue_urls[arn] = sqs.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.send_message(QueueUrl=_queue_urls[arn], MessageBody=body)
    elif service == "sns":
        aws.client("sns", region).publish(TopicArn=arn, Message=body)
    else:
        sequence = (record.get("dynamodb") or {}).get("SequenceNumber", "unknown")
        aws.client("s3").put_object(Bucket=resource, Key=f"poison/{function}/{sequence}.json", Body=body.encode(),
                                    ContentType="application/json")
