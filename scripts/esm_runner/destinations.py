"""On-failure destination: the invocation record AWS sends (tests/fixtures/aws_recordings) to SQS, SNS or S3.

SQS and SNS get only the batch's coordinates; S3 also gets the event payload, as Lambda does. ``timestamp`` carries
milliseconds, the two ``approximateArrival...`` fields of a DynamoDB batch do not (``2024-10-12T11:30:34Z``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from esm_runner.batching import Pending
from esm_runner.responses import Outcome


def failure_record(*, records: list[Pending], condition: str, outcome: Outcome | None, invoke_count: int,
                   function_arn: str, stream_arn: str, shard_id: str) -> dict[str, Any]:
    """The message Lambda sends for records it gives up on (condition RetryAttemptsExhausted | RecordAgeExceeded).

    ``invoke_count`` is at least 1: AWS reports 1 for records that expired before any invocation."""
    message: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": max(invoke_count, 1),
        },
        "version": "1.0",
        "timestamp": _iso(dt.datetime.now(dt.UTC)),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": str(records[0].sequence),
            "endSequenceNumber": str(records[-1].sequence),
            "approximateArrivalOfFirstRecord": _iso_seconds(records[0].created),
            "approximateArrivalOfLastRecord": _iso_seconds(records[-1].created),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
    if outcome is not None and outcome.invoked:
        message["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": outcome.function_error,
        }
    return message


class DestinationSender:
    """Sends failure records to the destination ARN's service through boto3 clients made by ``client_factory``."""

    def __init__(self, client_factory: Any) -> None:
        self._client = client_factory

    def send(self, destination_arn: str, message: dict[str, Any], event: dict[str, Any], mapping_uuid: str) -> None:
        parts = destination_arn.split(":")
        service = parts[2] if len(parts) > 5 else ""
        body = json.dumps(message)
        if service == "sqs":
            account, name = parts[4], parts[5]
            sqs = self._client("sqs")
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            self._client("sns").publish(TopicArn=destination_arn, Message=body)
        elif service == "s3":
            now = dt.datetime.now(dt.UTC)
            shard = message["DDBStreamBatchInfo"]["shardId"]
            key = (f"aws/lambda/{mapping_uuid}/{shard}/{now:%Y/%m/%d}/"
                   f"{now:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}")
            payload = json.dumps({**message, "payload": json.dumps(event)})
            self._client("s3").put_object(Bucket=parts[5], Key=key, Body=payload.encode())
        else:
            raise ValueError(
                f"on-failure destination {destination_arn!r} is not an SQS queue, SNS topic or S3 bucket ARN"
            )


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _iso_seconds(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
