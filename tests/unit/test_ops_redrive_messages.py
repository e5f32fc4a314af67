"""redrive understands the three message shapes (and SNS envelopes), and refuses anything else with a reason."""
from __future__ import annotations

import json

import pytest

from ddb_opensearch_sync_ops.preconditions import Table
from ddb_opensearch_sync_ops.redrive import Unusable, affected_keys

STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
TABLE = Table("products", ["pk"], [("pk", "S")], STREAM, 0)


class Streams:
    """A stream holding records with sequence numbers 10, 20, 30 (keys a, b, c)."""

    class exceptions:
        class TrimmedDataAccessException(Exception):
            pass

        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, trimmed: bool = False) -> None:
        self.trimmed = trimmed
        self.records = [{"dynamodb": {"SequenceNumber": str(n), "Keys": {"pk": {"S": k}}}} for n, k in ((10, "a"), (20, "b"), (30, "c"))]

    def get_shard_iterator(self, **request):
        if self.trimmed:
            raise self.exceptions.TrimmedDataAccessException()
        assert request["ShardIteratorType"] == "AT_SEQUENCE_NUMBER"
        return {"ShardIterator": request["SequenceNumber"]}

    def get_records(self, ShardIterator, Limit):
        return {"Records": [r for r in self.records if int(r["dynamodb"]["SequenceNumber"]) >= int(ShardIterator)],
                "NextShardIterator": None}


def batch_info(**overrides):
    return {"requestContext": {"condition": "RetryAttemptsExhausted"}, "version": "1.0",
            "DDBStreamBatchInfo": {"shardId": "s-1", "startSequenceNumber": "10", "endSequenceNumber": "20",
                                   "streamArn": STREAM, **overrides}}


def test_stream_failure_record_reads_its_keys_back_from_the_stream():
    assert affected_keys(json.dumps(batch_info()), TABLE, Streams()) == [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]


def test_s3_object_carries_the_payload_and_binary_keys_become_bytes():
    event = {"Records": [{"dynamodb": {"Keys": {"pk": {"B": "AAE="}}}}]}
    body = json.dumps({**batch_info(), "payload": json.dumps(event)})
    assert affected_keys(body, TABLE, Streams(trimmed=True)) == [{"pk": {"B": b"\x00\x01"}}]


def test_poison_message_inside_an_sns_envelope():
    poison = {"condition": "PoisonRecord", "function": "f", "error": "x", "eventSourceARN": STREAM,
              "record": {"dynamodb": {"Keys": {"pk": {"S": "p-1"}}, "SequenceNumber": "5"}}}
    body = json.dumps({"Type": "Notification", "Message": json.dumps(poison)})
    assert affected_keys(body, TABLE, Streams()) == [{"pk": {"S": "p-1"}}]


@pytest.mark.parametrize("body,reason", [
    ("{", "not JSON"),
    ("[1]", "not a JSON object"),
    (json.dumps({"condition": "PoisonRecord", "record": {"dynamodb": {}}}), "without record.dynamodb.Keys"),
    (json.dumps({"condition": "PoisonRecord", "eventSourceARN": STREAM.replace("products", "orders"),
                 "record": {"dynamodb": {"Keys": {"pk": {"S": "x"}}}}}), "about table 'orders'"),
    (json.dumps({"condition": "PoisonRecord", "eventSourceARN": STREAM,
                 "record": {"dynamodb": {"Keys": {"pk": {"M": {}}}}}}), "keys are S, N or B"),
    (json.dumps(batch_info(endSequenceNumber=None)), "lacks streamArn"),
    (json.dumps(batch_info(startSequenceNumber="40", endSequenceNumber="50")), "no records between"),
    (json.dumps({**batch_info(), "payload": "{}"}), "payload is not a DynamoDB Streams event"),
    (json.dumps({"anything": 1}), "neither a stream failure record"),
])
def test_unusable_messages_say_why(body, reason):
    with pytest.raises(Unusable, match=reason):
        affected_keys(body, TABLE, Streams())


def test_trimmed_stream_points_to_repair():
    with pytest.raises(Unusable, match="no longer in the stream.*repair"):
        affected_keys(json.dumps(batch_info()), TABLE, Streams(trimmed=True))


def test_a_kept_message_that_reappears_is_read_once():
    from ddb_opensearch_sync_ops.redrive import sqs_messages

    class Queue:
        """Every receive returns the same kept message (its visibility timeout keeps running out)."""

        def get_queue_url(self, **_):
            return {"QueueUrl": "q"}

        def receive_message(self, **_):
            return {"Messages": [{"MessageId": "m1", "ReceiptHandle": "h", "Body": "junk"}]}

    assert [m.ident for m in sqs_messages(Queue(), "arn:aws:sqs:us-east-1:1:q", 1)] == ["m1"]
