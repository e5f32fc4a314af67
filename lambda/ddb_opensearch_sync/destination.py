"""Send poison records, with their error, to the failure destination (SQS queue, SNS topic or S3 bucket)."""
from __future__ import annotations

import json
from typing import Any

from . import aws

SQS_SNS_LIMIT = 256 * 1024
_queue_urls: dict[str, str] = {}


def _message(record: dict[str, Any], error: str, function: str) -> str:
    message = {"condition": "PoisonRecord", "function": function, "error": error,
               "eventSourceARN": record.get("eventSourceARN"), "record": record}
    return json.dumps(message, default=str, separators=(",", ":"))


def _keys_only(record: dict[str, Any]) -> dict[str, Any]:
    stream = record.get("dynamodb") or {}
    kept = {k: v for k, v in stream.items() if k not in ("NewImage", "OldImage")}
    return {**record, "dynamodb": kept, "imagesOmitted": "message would exceed the 256 KiB SQS/SNS limit"}


def send(arn: str, record: dict[str, Any], error: str, function: str) -> None:
    """Deliver one poison record; raises on failure so the caller reports the record instead."""
    _, _, service, region, account, resource = arn.split(":", 5)
    body = _message(record, error, function)
    if service in ("sqs", "sns") and len(body.encode()) > SQS_SNS_LIMIT:
        body = _message(_keys_only(record), error, function)
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
