"""The runner against recordings of AWS: one test per recorded scenario of LocalStack's DynamoDB-streams event source
mapping suite, validated against AWS (tests/fixtures/aws_recordings/README.md names the source and lists what is
compared). The runner runs on an in-memory stream with the recorded mapping settings and inputs; what AWS delivered
to the function and to the on-failure destination is compared with what the runner delivers."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_runner_shards import RecordingInvoker, run_mapping

from esm_runner.checkpoints import CheckpointStore
from esm_runner.destinations import DestinationSender
from esm_runner.filters import matches_any, parse_filter_criteria
from esm_runner.invokers import Invocation
from esm_runner.shards import InMemoryStream
from esm_runner.wire import event_record

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "aws_recordings" / "dynamodbstreams_esm.json"
SCENARIOS: dict[str, Any] = json.loads(FIXTURE.read_text())["scenarios"]
PREFIX = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams.py::"
          "TestDynamoDBEventSourceMapping::")
DESTINATIONS = {"sqs": "arn:aws:sqs:us-east-1:123456789012:failures",
                "sns": "arn:aws:sns:us-east-1:123456789012:failures", "s3": "arn:aws:s3:::failures"}


def recording(test_id: str) -> dict[str, Any]:
    return SCENARIOS[PREFIX + test_id]


def conforms(recorded: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` differs from a recorded value. A LocalStack placeholder stands for any value of its kind:
    ``<timestamp:EXAMPLE>`` for a string in EXAMPLE's exact format, ``<approximate-creation-datetime>`` for a
    number, any other ``<...>`` for a non-empty string."""
    if isinstance(recorded, str) and recorded.startswith("<timestamp:"):
        pattern = re.sub(r"\d", r"\\d", re.escape(recorded[len("<timestamp:"):-1]))
        return [] if isinstance(actual, str) and re.fullmatch(pattern, actual) else [f"{path}: {actual!r} is not "
                                                                                     f"formatted like {recorded}"]
    if recorded == "<approximate-creation-datetime>":
        return [] if isinstance(actual, float) else [f"{path}: {actual!r} is not a number"]
    if isinstance(recorded, str) and re.search(r"<[^>]+>", recorded):
        return [] if isinstance(actual, str) and actual else [f"{path}: {actual!r} is not a non-empty string"]
    if isinstance(recorded, dict) and isinstance(actual, dict):
        if recorded.keys() != actual.keys():
            return [f"{path}: keys {sorted(actual)} != recorded {sorted(recorded)}"]
        return [m for key in recorded for m in conforms(recorded[key], actual[key], f"{path}.{key}")]
    if isinstance(recorded, list) and isinstance(actual, list) and len(recorded) == len(actual):
        return [m for i, (r, a) in enumerate(zip(recorded, actual)) for m in conforms(r, a, f"{path}[{i}]")]
    return [] if recorded == actual and type(recorded) is type(actual) else [f"{path}: {actual!r} != {recorded!r}"]


class FakeAws:
    """The SQS, SNS and S3 calls DestinationSender makes, keeping each message it sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, service: str) -> FakeAws:
        return self

    def get_queue_url(self, **_: Any) -> dict[str, str]:
        return {"QueueUrl": "http://queue"}

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803 (boto3's names)
        self.sent.append(("sqs", json.loads(MessageBody)))

    def publish(self, TopicArn: str, Message: str) -> None:  # noqa: N803
        self.sent.append(("sns", json.loads(Message)))

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:  # noqa: N803
        self.sent.append(("s3", json.loads(Body)))


def key_of(item: dict[str, Any]) -> dict[str, Any]:
    name = "id" if "id" in item else "my_partition_key"
    return {name: item[name]}


def written(items: list[dict[str, Any]], view: str) -> list[dict[str, Any]]:
    """The stream records DynamoDB writes for PutItem of ``items`` in order: INSERT, MODIFY (with the old image
    under NEW_AND_OLD_IMAGES), and nothing for a put that changes nothing (DynamoDB documents this)."""
    table: dict[str, dict[str, Any]] = {}
    records = []
    for number, item in enumerate(items, start=1):
        key = json.dumps(key_of(item), sort_keys=True)
        old = table.get(key)
        table[key] = item
        if old == item:
            continue
        dynamodb = {"ApproximateCreationDateTime": 1728731000.0, "Keys": key_of(item), "NewImage": item,
                    "SequenceNumber": str(100000000000000000000 + number), "SizeBytes": 50, "StreamViewType": view}
        if old is not None and view == "NEW_AND_OLD_IMAGES":
            dynamodb["OldImage"] = old
        records.append({"eventID": str(number), "eventName": "MODIFY" if old else "INSERT", "eventVersion": "1.1",
                        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": dynamodb,
                        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/s"})
    return records


def content(record: dict[str, Any]) -> tuple[str, str]:
    dynamodb = record["dynamodb"]
    return record["eventName"], json.dumps({k: dynamodb.get(k) for k in ("Keys", "NewImage", "OldImage")},
                                           sort_keys=True)


FILTERS = ["insert_same_entry_twice", "content_or_filter", "content_multiple_filters", "content_filter_type",
           "exists_filter_type", "exists_false_filter", "numeric_filter", "prefix_filter", "date_time_conversion"]


@pytest.mark.parametrize("name", FILTERS)
def test_filter_delivers_what_aws_delivered(name):
    scenario = recording(f"test_dynamodb_event_filter[{name}]")
    settings = scenario["mapping"]
    patterns = parse_filter_criteria({"Filters": [{"Pattern": json.dumps(settings["FilterCriteria"])}]})
    records = written(scenario["inputs"]["put_item"], settings["StreamViewType"])
    delivered = [content(r) for r in records if matches_any(r, patterns)]
    recorded = [content(r) for event in scenario["recorded"]["lambda-multiple-log-events"] for r in event["Records"]]
    assert delivered == recorded


INVALID_FILTERS = ["single-string", '[{"eventName": ["INSERT"=123}]']


@pytest.mark.parametrize("pattern", INVALID_FILTERS)
def test_an_invalid_filter_is_refused_as_aws_refuses_it(pattern):
    scenario = recording(f"test_dynamodb_invalid_event_filter[{pattern}]")
    assert scenario["recorded"]["exception_event_source_creation"]["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ValueError, match="not valid JSON|non-empty JSON object"):
        parse_filter_criteria({"Filters": [{"Pattern": scenario["mapping"]["FilterCriteria"]}]})


def one_record_stream(item: dict[str, Any]) -> tuple[InMemoryStream, str]:
    stream = InMemoryStream()
    stream.add_shard("shardId-1")
    return stream, stream.put("shardId-1", key_of(item), new_image=item)


def mapping_settings(recorded: dict[str, Any], destination: str | None = None) -> dict[str, Any]:
    return {"batch_size": recorded["BatchSize"], "max_retry_attempts": recorded["MaximumRetryAttempts"],
            "report_batch_item_failures": "ReportBatchItemFailures" in recorded.get("FunctionResponseTypes", []),
            "on_failure_destination": destination}


SUCCESSES = ["empty_list_success", "null_success", "empty_dict_success", "empty_batch_item_failure_success",
             "null_batch_item_failure_success"]


@pytest.mark.parametrize("name", SUCCESSES)
def test_a_success_response_is_delivered_once_as_on_aws(name, tmp_path):
    scenario = recording(f"test_dynamodb_report_batch_item_success_scenarios[{name}]")
    stream, sequence = one_record_stream(scenario["inputs"]["put_item"][0])
    invoker = RecordingInvoker(lambda event: scenario["inputs"]["function_returns"])
    run_mapping(stream, invoker, tmp_path,
                lambda: CheckpointStore(tmp_path, "m-1").shard("shardId-1").get("sequence") == sequence,
                **mapping_settings(scenario["mapping"]))
    assert len(invoker.events) == len(scenario["recorded"]["dynamodb_events"]) == 1


FAILURES = ["item_identifier_not_present_failure", "empty_string_item_identifier_failure",
            "null_item_identifier_failure", "invalid_key_foo_failure", "invalid_key_foo_null_value_failure",
            "unhandled_exception_in_function"]


def respond(returns: Any) -> Any:
    if isinstance(returns, str) and returns.startswith("raises"):
        return Invocation(None, error="division by zero", error_type="ZeroDivisionError")
    return returns


def run_until_discarded(tmp_path: Path, stream: InMemoryStream, invoker: RecordingInvoker, service: str,
                        settings: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    aws = FakeAws()
    run_mapping(stream, invoker, tmp_path, lambda: aws.sent, sender=DestinationSender(aws),
                **mapping_settings(settings, DESTINATIONS[service]))
    [sent] = aws.sent
    return sent


@pytest.mark.parametrize("name", FAILURES)
def test_a_failure_response_is_retried_and_reported_as_on_aws(name, tmp_path):
    scenario = recording(f"test_dynamodb_report_batch_item_failure_scenarios[{name}]")
    stream, _ = one_record_stream(scenario["inputs"]["put_item"][0])
    invoker = RecordingInvoker(lambda event: respond(scenario["inputs"]["function_returns"]))
    _, message = run_until_discarded(tmp_path, stream, invoker, "sqs", scenario["mapping"])
    [recorded] = scenario["recorded"]["destination_queue_messages"]["Messages"]
    assert conforms(recorded["Body"], message) == []
    assert len(invoker.events) == len(scenario["recorded"]["dynamodb_events"]) == 4


def fail_should_fail(event: dict[str, Any]) -> dict[str, Any]:
    """LocalStack's lambda_report_batch_item_failures_dynamodb function: report every record marked should_fail."""
    return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"]
                                  if r["dynamodb"]["NewImage"]["should_fail"]["BOOL"]]}


@pytest.mark.parametrize("test_id", ["test_dynamodb_report_batch_item_failures",
                                     "test_dynamodb_report_batch_item_failures_with_on_failure_destination_config"])
def test_partial_failure_delivers_the_failing_record_one_plus_the_retries_after_the_first_partial_failure(
        test_id, tmp_path):
    scenario = recording(test_id)
    stream = InMemoryStream()
    stream.add_shard("shardId-1")
    for item in scenario["inputs"]["put_item"]:
        stream.put("shardId-1", key_of(item), new_image=item)
    invoker = RecordingInvoker(fail_should_fail)
    _, message = run_until_discarded(tmp_path, stream, invoker, "sqs", scenario["mapping"])
    [recorded] = scenario["recorded"]["destination_queue_messages"]["Messages"]
    assert conforms(recorded["Body"], message) == []
    deliveries = collections.Counter(r["dynamodb"]["Keys"]["my_partition_key"]["S"]
                                     for event in invoker.events for r in event["Records"])
    assert deliveries == {"testId0": 1, "testId1": 1, "testId2": 1, "testId3": 1, "testId4": 1, "testId5": 5}
    if "dynamodb_records" in scenario["recorded"]:
        assert deliveries == collections.Counter(r["dynamodb"]["Keys"]["my_partition_key"]["S"]
                                                 for r in scenario["recorded"]["dynamodb_records"]["Records"])


@pytest.mark.parametrize("service, test_id, part", [
    ("sqs", "test_dynamodb_event_source_mapping_with_on_failure_destination_config", "destination_queue_messages"),
    ("sns", "test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config", "failure_sns_message"),
    ("s3", "test_dynamodb_event_source_mapping_with_s3_on_failure_destination", "record_body"),
])
def test_on_failure_destination_gets_the_message_aws_sent(service, test_id, part, tmp_path):
    scenario = recording(test_id)
    stream, _ = one_record_stream(scenario["inputs"]["put_item"][0])
    invoker = RecordingInvoker(lambda event: respond(scenario["inputs"]["function_returns"]))
    _, message = run_until_discarded(tmp_path, stream, invoker, service, scenario["mapping"])
    recorded = {"destination_queue_messages": lambda r: r["Messages"][0]["Body"],
                "failure_sns_message": lambda r: r["Message"], "record_body": lambda r: r}[part](
        scenario["recorded"][part])
    if service == "s3":  # the payload is the event the function got; its records are the stream's, not ours
        payload, recorded_payload = json.loads(message.pop("payload")), recorded.pop("payload")
        assert payload == invoker.events[0]
        assert payload["Records"][0].keys() == recorded_payload["Records"][0].keys()
    assert conforms(recorded, message) == []
    assert len(invoker.events) == 2  # MaximumRetryAttempts 1: approximateInvokeCount 2


def test_a_stream_record_reaches_the_function_in_the_shape_aws_delivers():
    scenario = recording("test_dynamodb_event_source_mapping")
    [recorded] = scenario["recorded"]["event_logs"][0]["Records"]
    item = scenario["inputs"]["put_item"][0]
    on_the_wire = {  # the record of the recorded put in the JSON body of DynamoDB Streams GetRecords
        "eventID": "ab0ed3713569f4655f353e5ef61a88c4", "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"ApproximateCreationDateTime": 1740193383,  # moto writes an integer; Lambda a float
                     "Keys": key_of(item), "NewImage": {**item, "binary_key": {"B": "Zm9vYmFy"}},
                     "SequenceNumber": "100000000000000000001", "SizeBytes": 70, "StreamViewType": "NEW_IMAGE"}}
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2025-02-22T03:03:03.000"
    delivered = event_record(on_the_wire, json.dumps(on_the_wire), arn, "us-east-1")
    assert conforms(recorded, delivered) == []
    assert conforms(recorded, json.loads(delivered.text)) == []  # the text the function gets says the same


def test_every_recorded_scenario_is_compared_or_says_why_not():
    tested = ({f"test_dynamodb_event_filter[{n}]" for n in FILTERS}
              | {f"test_dynamodb_invalid_event_filter[{p}]" for p in INVALID_FILTERS}
              | {f"test_dynamodb_report_batch_item_success_scenarios[{n}]" for n in SUCCESSES}
              | {f"test_dynamodb_report_batch_item_failure_scenarios[{n}]" for n in FAILURES}
              | {"test_dynamodb_report_batch_item_failures",
                 "test_dynamodb_report_batch_item_failures_with_on_failure_destination_config",
                 "test_dynamodb_event_source_mapping_with_on_failure_destination_config",
                 "test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config",
                 "test_dynamodb_event_source_mapping_with_s3_on_failure_destination",
                 "test_dynamodb_event_source_mapping"})
    not_compared = {name[len(PREFIX):] for name, s in SCENARIOS.items() if "not_compared" in s}
    assert tested | not_compared == {name[len(PREFIX):] for name in SCENARIOS} and not tested & not_compared
    assert (len(tested), len(not_compared)) == (28, 4)
