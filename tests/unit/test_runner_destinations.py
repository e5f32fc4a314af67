"""The on-failure invocation record in the documented shape (facts §6)."""

from esm_runner.batching import Pending
from esm_runner.destinations import failure_record
from esm_runner.responses import interpret, not_invoked


def records():
    return [Pending({"dynamodb": {"SequenceNumber": str(s), "ApproximateCreationDateTime": 1700000000.0 + s}})
            for s in (11, 12)]


def test_retry_exhaustion_record_names_the_batch_but_carries_no_records():
    outcome = interpret(None, "boom", ["11", "12"], True)
    message = failure_record(records=records(), condition="RetryAttemptsExhausted", outcome=outcome, invoke_count=3,
                             function_arn="arn:f", stream_arn="arn:s", shard_id="shard-1")
    assert message["version"] == "1.0"
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["requestContext"]["functionArn"] == "arn:f"
    assert message["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert message["DDBStreamBatchInfo"] == {
        "shardId": "shard-1", "startSequenceNumber": "11", "endSequenceNumber": "12",
        "approximateArrivalOfFirstRecord": "2023-11-14T22:13:31Z",
        "approximateArrivalOfLastRecord": "2023-11-14T22:13:32Z", "batchSize": 2, "streamArn": "arn:s"}
    assert "Records" not in str(message) and message["timestamp"].endswith("Z")


def test_record_age_without_an_invocation_has_no_response_context():
    for outcome in (None, not_invoked("no code")):
        message = failure_record(records=records(), condition="RecordAgeExceeded", outcome=outcome, invoke_count=0,
                                 function_arn="arn:f", stream_arn="arn:s", shard_id="shard-1")
        assert "responseContext" not in message
        assert message["requestContext"]["approximateInvokeCount"] == 1  # AWS: 1 even with no invocation
