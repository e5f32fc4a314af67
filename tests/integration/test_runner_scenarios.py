"""Scenario suite of the ESM runner: one test per documented rule (facts.md §1–10), against a real moto stream and
small test functions that the runner runs from their zips. Each function appends one JSON line per invocation to a
file, which is what the tests observe."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from esm_runner import Runner
from esm_runner.invokers import code_sha256
from esm_runner.parallel import lane_of

REGION = "us-east-1"
PRELUDE = '''
import json, os, time

def record_invocation(event, context, **extra):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"pid": os.getpid(), "at": time.time(), "request_id": context.aws_request_id,
                              "seqs": [r["dynamodb"]["SequenceNumber"] for r in event["Records"]],
                              "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]],
                              **extra}) + "\\n")

def images(event):
    return [r["dynamodb"].get("NewImage", {}) for r in event["Records"]]
'''


class LogBuffer(io.StringIO):
    """The runner's structured log, parsed on demand."""

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in map(json.loads, self.getvalue().splitlines()) if e["event"] == name]


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Scenario:
    """One table with a stream, one test function built from ``handler_source``, and its mapping."""

    def __init__(self, clients: dict[str, Any], workdir: Path, handler_source: str, *, timeout: int = 10,
                 env: dict[str, str] | None = None, hash_and_range: bool = False) -> None:
        self.clients = clients
        self.workdir = workdir
        self.name = f"t{uuid.uuid4().hex[:10]}"
        self.out = workdir / f"{self.name}.jsonl"
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
        if hash_and_range:
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
            attributes.append({"AttributeName": "sk", "AttributeType": "S"})
        table = clients["dynamodb"].create_table(
            TableName=self.name, KeySchema=keys, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.stream_arn = table["TableDescription"]["LatestStreamArn"]
        self.package = workdir / f"{self.name}.zip"
        self.package.write_bytes(build_zip(PRELUDE + handler_source))
        role = clients["iam"].create_role(RoleName=self.name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.function_arn = clients["lambda"].create_function(
            FunctionName=self.name, Runtime="python3.11", Role=role, Handler="fn.handler", Timeout=timeout,
            Code={"ZipFile": self.package.read_bytes()},
            Environment={"Variables": {"OUT": str(self.out), **(env or {})}})["FunctionArn"]
        self.mapping_uuid: str | None = None

    def map(self, **settings: Any) -> str:
        settings.setdefault("StartingPosition", "TRIM_HORIZON")
        mapping = self.clients["lambda"].create_event_source_mapping(
            FunctionName=self.name, EventSourceArn=self.stream_arn, **settings)
        self.mapping_uuid = mapping["UUID"]
        return self.mapping_uuid

    def update(self, **settings: Any) -> None:
        self.clients["lambda"].update_event_source_mapping(UUID=self.mapping_uuid, **settings)

    def queue(self) -> tuple[str, str]:
        """A new SQS queue: (url, arn)."""
        sqs = self.clients["sqs"]
        url = sqs.create_queue(QueueName=f"{self.name}-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def put(self, key: str, **attributes: Any) -> None:
        item = {"pk": {"S": key}, **attributes}
        self.clients["dynamodb"].put_item(TableName=self.name, Item=item)

    def sequences(self) -> list[str]:
        """Every sequence number in the stream, read independently of the runner."""
        streams = self.clients["dynamodbstreams"]
        shard = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return [r["dynamodb"]["SequenceNumber"] for r in streams.get_records(ShardIterator=iterator)["Records"]]

    def invocations(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.strip()]

    def delivered(self) -> list[str]:
        return [seq for invocation in self.invocations() for seq in invocation["seqs"]]

    def close(self) -> None:
        if self.mapping_uuid:
            try:
                self.clients["lambda"].delete_event_source_mapping(UUID=self.mapping_uuid)
            except self.clients["lambda"].exceptions.ResourceNotFoundException:
                pass


def build_zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fn.py", source)
    return buffer.getvalue()


def receive_all(sqs: Any, url: str, expected: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    def enough() -> bool:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages) >= expected

    wait_for(enough, timeout=timeout, what=f"{expected} destination message(s)")
    return messages


@pytest.fixture(scope="module")
def clients(moto_url: str) -> dict[str, Any]:
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    return {name: session.client(name, endpoint_url=moto_url)
            for name in ("dynamodb", "dynamodbstreams", "lambda", "iam", "sqs", "sns", "s3")}


@pytest.fixture
def scenario(clients: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., Scenario]]:
    made: list[Scenario] = []

    def make(handler_source: str, **kwargs: Any) -> Scenario:
        made.append(Scenario(clients, tmp_path, handler_source, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def start_runner(moto_url: str, tmp_path: Path) -> Iterator[Callable[..., tuple[Runner, LogBuffer]]]:
    """Runners serving only the given scenarios' functions, with short intervals; stopped at the end."""
    running: list[Runner] = []

    def start(*scenarios: Scenario, packages: list[Path] | None = None,
              state_dir: Path | None = None) -> tuple[Runner, LogBuffer]:
        log = LogBuffer()
        runner = Runner(endpoint_url=moto_url, region=REGION, state_dir=state_dir or tmp_path / "state",
                        packages=[s.package for s in scenarios] if packages is None else packages,
                        functions=[s.name for s in scenarios], poll_interval=0.05, refresh_interval=0.1,
                        retry_delay=0.05, max_retry_delay=0.2, log_stream=log,
                        env={"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
        runner.start()
        running.append(runner)
        return runner, log

    yield start
    for runner in running:
        runner.stop()


ALWAYS_FAILING = '''
def handler(event, context):
    record_invocation(event, context)
    raise RuntimeError("always failing")
'''
FAIL_ON_POISON = '''
def handler(event, context):
    poisoned = any("poison" in image for image in images(event))
    record_invocation(event, context, failed=poisoned)
    if poisoned:
        raise RuntimeError("poison record in batch")
'''


@pytest.mark.behaviour("bisect")
def test_poison_record_is_isolated_by_bisect_and_sent_to_sqs_after_the_retries(scenario, start_runner, clients):
    s = scenario(FAIL_ON_POISON)
    url, queue_arn = s.queue()
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, BisectBatchOnFunctionError=True, MaximumRetryAttempts=2,
          DestinationConfig={"OnFailure": {"Destination": queue_arn}}, MetricsConfig={"Metrics": ["EventCount"]})
    for i in range(8):
        s.put(f"k{i}", **({"poison": {"BOOL": True}} if i == 5 else {}))
    runner, log = start_runner(s)
    [message] = receive_all(clients["sqs"], url, 1)
    sequences = s.sequences()
    poison = sequences[5]
    info = message["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (poison, poison, 1)
    assert info["streamArn"] == s.stream_arn and info["shardId"].startswith("shardId-")
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["functionArn"] == s.function_arn
    assert message["responseContext"]["functionError"] == "Unhandled" and message["version"] == "1.0"
    assert "Records" not in json.dumps(message) and "k5" not in json.dumps(message)  # coordinates only
    alone = [i for i in s.invocations() if i["seqs"] == [poison]]
    assert len(alone) == 3  # bisect splits are free; then the first try and 2 retries of the lone record
    # The records behind the poison one follow its discard: wait for them.
    good = set(sequences) - {poison}
    wait_for(lambda: {seq for i in s.invocations() if not i["failed"] for seq in i["seqs"]} == good,
             what="every record but the poison one to succeed")
    metrics = wait_for(lambda: runner.metrics(s.mapping_uuid)["DroppedEventCount"] == 1 and
                       runner.metrics(s.mapping_uuid), what="metrics")
    assert metrics["OnFailureDestinationDeliveredEventCount"] == 1 and metrics["PolledEventCount"] == 8
    assert metrics["IteratorAge"] is not None and metrics["Errors"] >= 3
    assert log.events("metrics")[-1]["DroppedEventCount"] == 1


def test_transient_failure_is_retried_then_succeeds(scenario, start_runner, clients):
    s = scenario('''
def handler(event, context):
    failures = len([line for line in open(os.environ["OUT"])]) if os.path.exists(os.environ["OUT"]) else 0
    record_invocation(event, context, failed=failures < 2)
    if failures < 2:
        raise ConnectionError("OpenSearch briefly unavailable")
''')
    url, queue_arn = s.queue()
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=5,
          DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    for i in range(3):
        s.put(f"k{i}")
    runner, _ = start_runner(s)
    wait_for(lambda: any(not i["failed"] for i in s.invocations()), what="a successful retry")
    invocations = s.invocations()
    assert [i["failed"] for i in invocations] == [True, True, False]
    assert all(i["seqs"] == s.sequences() for i in invocations)  # the same whole batch each time
    assert "Messages" not in clients["sqs"].receive_message(QueueUrl=url)
    metrics = runner.metrics(s.mapping_uuid)
    assert metrics["Errors"] == 2 and "PolledEventCount" not in metrics  # EventCount needs MetricsConfig


def test_a_failed_destination_delivery_is_counted_and_logged(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    raise RuntimeError("rejected")
''')
    missing_queue = "arn:aws:sqs:us-east-1:123456789012:no-such-queue"
    s.map(BatchSize=10, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": missing_queue}})
    s.put("k0")
    runner, log = start_runner(s)
    [failure] = wait_for(lambda: log.events("destination_delivery_failed"), what="the delivery failure")
    assert failure["destination"] == missing_queue and "NonExistentQueue" in failure["error"]
    assert runner.metrics(s.mapping_uuid)["DestinationDeliveryFailures"] == 1


def test_records_older_than_the_maximum_age_are_sent_to_the_destination(scenario, start_runner, clients):
    s = scenario(ALWAYS_FAILING)
    url, queue_arn = s.queue()
    destination = {"OnFailure": {"Destination": queue_arn}}
    try:  # plain moto stores 1 s (AWS's minimum is 60 s); the runner honours it with a warning, which keeps this quick
        s.map(BatchSize=10, MaximumRecordAgeInSeconds=1, DestinationConfig=destination)
        age = 1
    except ClientError as exc:  # a moto that refuses what AWS refuses: wait AWS's minimum out
        assert exc.response["Error"]["Code"] == "InvalidParameterValueException", exc
        s.map(BatchSize=10, MaximumRecordAgeInSeconds=60, DestinationConfig=destination)
        age = 60
    for i in range(2):
        s.put(f"k{i}")
    _, log = start_runner(s)
    messages: list[dict[str, Any]] = []
    while sum(m["DDBStreamBatchInfo"]["batchSize"] for m in messages) < 2:
        messages += receive_all(clients["sqs"], url, 1, timeout=age + 30)
    assert {m["requestContext"]["condition"] for m in messages} == {"RecordAgeExceeded"}
    assert {m["DDBStreamBatchInfo"]["startSequenceNumber"] for m in messages} <= set(s.sequences())
    warned = any("MaximumRecordAgeInSeconds=1" in w["detail"] for w in log.events("mapping_setting_warning"))
    assert warned == (age == 1)


def test_filters_deliver_matching_records_and_checkpoint_the_others(scenario, start_runner, tmp_path):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
''')
    # N values are strings in the event: AWS never matches them with "numeric" (tests/fixtures/aws_recordings)
    active = {"dynamodb": {"NewImage": {"status": {"S": ["active"]}, "price": {"N": [{"anything-but": ["5"]}]}}}}
    removed = {"eventName": ["REMOVE"]}
    filters = [{"Pattern": json.dumps(active)}, {"Pattern": json.dumps(removed)}]
    s.map(BatchSize=100, FilterCriteria={"Filters": filters}, MetricsConfig={"Metrics": ["EventCount"]})
    s.put("cheap", status={"S": "active"}, price={"N": "5"})
    s.put("dear", status={"S": "active"}, price={"N": "50"})
    s.put("hidden", status={"S": "hidden"}, price={"N": "50"})
    s.clients["dynamodb"].delete_item(TableName=s.name, Key={"pk": {"S": "cheap"}})
    s.put("last", status={"S": "draft"})
    runner, _ = start_runner(s)
    sequences = s.sequences()
    checkpoint_file = tmp_path / "state" / f"{s.mapping_uuid}.json"
    wait_for(lambda: checkpoint_file.exists() and sequences[-1] in checkpoint_file.read_text(),
             what="the checkpoint to pass the filtered-out last record")
    assert s.delivered() == [sequences[1], sequences[3]]
    assert [k for i in s.invocations() for k in i["keys"]] == ["dear", "cheap"]
    metrics = runner.metrics(s.mapping_uuid)
    assert (metrics["FilteredOutEventCount"], metrics["InvokedEventCount"]) == (3, 2)


@pytest.mark.behaviour("parallelization")
def test_parallelization_keeps_order_per_item(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context, versions=[int(i["version"]["N"]) for i in images(event)],
                      sks=[r["dynamodb"]["Keys"]["sk"]["S"] for r in event["Records"]])
    time.sleep(0.1)
''', hash_and_range=True)
    keys = [("a", "1"), ("a", "2"), ("b", "1"), ("c", "1"), ("d", "1")]
    lanes = {lane_of(json.dumps({"pk": {"S": pk}, "sk": {"S": sk}}, sort_keys=True), 4) for pk, sk in keys}
    assert len(lanes) > 1, "the items must spread over more than one lane for this test to mean anything"
    s.map(BatchSize=2, MaximumBatchingWindowInSeconds=1, ParallelizationFactor=4)
    for version in range(6):
        for pk, sk in keys:
            s.put(pk, sk={"S": sk}, version={"N": str(version)})
    start_runner(s)
    wait_for(lambda: len(s.delivered()) == 30, what="all 30 records")
    seen: dict[tuple[str, str], list[int]] = {}
    for invocation in s.invocations():
        for pk, sk, version in zip(invocation["keys"], invocation["sks"], invocation["versions"], strict=True):
            seen.setdefault((pk, sk), []).append(version)
    assert seen == {key: list(range(6)) for key in keys}  # partition + sort key: ("a","1") and ("a","2") differ
    assert len({i["pid"] for i in s.invocations()}) > 1, "lanes ran concurrently in separate processes"


MALFORMED = [
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"itemIdentifier": None}]},
    {"batchItemFailures": [{"itemIdentifier": "1"}]},
    {"batchItemFailures": [{"itemId": "first"}]},
]
SUCCESS = [None, [], {}, {"batchItemFailures": []}, {"batchItemFailures": None}]
RESPOND = '''
def handler(event, context):
    record_invocation(event, context)
    response = json.loads(os.environ["RESPONSE"])
    for failure in (response or {}).get("batchItemFailures") or []:
        if failure.get("itemId") == "first":
            failure["itemId"] = event["Records"][0]["dynamodb"]["SequenceNumber"]
    return response
'''


@pytest.mark.parametrize("response", MALFORMED, ids=["empty", "null", "not-in-batch", "wrong-key"])
def test_malformed_partial_response_fails_the_whole_batch(scenario, start_runner, clients, response):
    s = scenario(RESPOND, env={"RESPONSE": json.dumps(response)})
    url, queue_arn = s.queue()
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"],
          MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    for i in range(3):
        s.put(f"k{i}")
    start_runner(s)
    [message] = receive_all(clients["sqs"], url, 1)
    assert message["DDBStreamBatchInfo"]["batchSize"] == 3
    assert message["requestContext"]["approximateInvokeCount"] == 2
    assert [len(i["seqs"]) for i in s.invocations()] == [3, 3]


@pytest.mark.parametrize("response", SUCCESS, ids=["None", "list", "empty-object", "empty-list", "null-list"])
def test_success_responses_checkpoint_the_batch(scenario, start_runner, tmp_path, response):
    s = scenario(RESPOND, env={"RESPONSE": json.dumps(response)})
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"],
          MaximumRetryAttempts=0)
    for i in range(3):
        s.put(f"k{i}")
    start_runner(s)
    checkpoint_file = tmp_path / "state" / f"{s.mapping_uuid}.json"
    last = s.sequences()[-1]
    wait_for(lambda: checkpoint_file.exists() and last in checkpoint_file.read_text(), what="checkpoint")
    assert [len(i["seqs"]) for i in s.invocations()] == [3]


def test_partial_failure_redelivers_from_the_lowest_reported_record(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    first_time = not os.path.exists(os.environ["OUT"])
    record_invocation(event, context)
    if first_time:
        seqs = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        return {"batchItemFailures": [{"itemIdentifier": seqs[4]}, {"itemIdentifier": seqs[2]}]}
    return {"batchItemFailures": []}
''')
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"])
    for i in range(6):
        s.put(f"k{i}")
    start_runner(s)
    wait_for(lambda: len(s.invocations()) == 2, what="the retry")
    sequences = s.sequences()
    assert [i["seqs"] for i in s.invocations()] == [sequences, sequences[2:]]  # including 3 and 5, which succeeded


def test_function_timeout_is_enforced_as_a_function_error(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    first_time = not os.path.exists(os.environ["OUT"])
    record_invocation(event, context, remaining=context.get_remaining_time_in_millis())
    if first_time:
        time.sleep(30)
''', timeout=1)
    s.map(BatchSize=10, MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=3)
    s.put("k0")
    _, log = start_runner(s)
    wait_for(lambda: len(s.invocations()) == 2, what="the retry after the timeout")
    first, second = s.invocations()
    assert first["pid"] != second["pid"], "the timed-out process was killed; the retry ran in a new one"
    assert 0 < first["remaining"] <= 1000
    timed_out = [e for e in log.events("invocation") if e["error_type"] == "Sandbox.Timedout"]
    assert len(timed_out) == 1 and "Task timed out after 1.00 seconds" in timed_out[0]["reason"]


@pytest.mark.behaviour("durable_checkpoints")
def test_restart_mid_stream_skips_no_record(scenario, start_runner, tmp_path):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
    time.sleep(0.05)
''')
    s.map(BatchSize=2)
    for i in range(10):
        s.put(f"k{i}")
    first, _ = start_runner(s)
    wait_for(lambda: len(s.delivered()) >= 4, what="a first part of the stream")
    first.stop()
    delivered_before = len(s.delivered())
    for i in range(10, 15):
        s.put(f"k{i}")
    start_runner(s)  # same --state-dir
    sequences = s.sequences()
    wait_for(lambda: set(s.delivered()) == set(sequences), what="every record after the restart")
    assert delivered_before < 15
    assert len(s.delivered()) - len(sequences) <= 2, "at most the in-flight batch is delivered twice"
    assert [int(seq) for seq in s.delivered()] == sorted(int(seq) for seq in s.delivered())


def test_settings_update_is_picked_up_while_running(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
''')
    s.map(BatchSize=1)
    for i in range(3):
        s.put(f"k{i}")
    _, log = start_runner(s)
    wait_for(lambda: len(s.delivered()) == 3, what="the first records")
    s.update(BatchSize=10, MaximumBatchingWindowInSeconds=1)
    wait_for(lambda: log.events("mapping_updated"), what="the update to be picked up")
    for i in range(3, 8):
        s.put(f"k{i}")
    wait_for(lambda: len(s.delivered()) == 8, what="the later records")
    assert [len(i["seqs"]) for i in s.invocations()] == [1, 1, 1, 5]
    assert log.events("mapping_updated")[-1]["batch_size"] == 10


def test_mapping_added_while_running_is_served_disabled_pauses_deleted_stops(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
''')
    runner, log = start_runner(s)
    s.map(BatchSize=10)  # created after the runner started
    s.put("k0")
    wait_for(lambda: len(s.delivered()) == 1, what="the first record")
    s.update(Enabled=False)
    wait_for(lambda: log.events("mapping_disabled"), what="the mapping to be disabled")
    assert runner.active_mappings() == []
    s.put("k1")
    s.update(Enabled=True)
    resumed = wait_for(lambda: log.events("mapping_updated"), what="the mapping to be re-enabled")[-1]["ts"]
    wait_for(lambda: len(s.delivered()) == 2, what="the record written while disabled")
    assert s.invocations()[-1]["at"] >= resumed
    s.close()
    wait_for(lambda: log.events("mapping_deleted"), what="the deletion to be picked up")
    assert runner.active_mappings() == []


def test_s3_destination_gets_the_payload_and_sns_the_coordinates(scenario, start_runner, clients):
    failing = '''
def handler(event, context):
    record_invocation(event, context)
    raise RuntimeError("rejected")
'''
    to_s3, to_sns = scenario(failing), scenario(failing)
    bucket = f"{to_s3.name}-failures"
    clients["s3"].create_bucket(Bucket=bucket)
    topic = clients["sns"].create_topic(Name=to_sns.name)["TopicArn"]
    url, queue_arn = to_sns.queue()
    clients["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                             Attributes={"RawMessageDelivery": "true"})
    to_s3.map(BatchSize=10, MaximumRetryAttempts=0,
              DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}})
    to_sns.map(BatchSize=10, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": topic}})
    to_s3.put("s3-item", note={"S": "kept in the payload"})
    to_sns.put("sns-item")
    start_runner(to_s3, to_sns)
    [via_sns] = receive_all(clients["sqs"], url, 1)
    assert via_sns["requestContext"]["condition"] == "RetryAttemptsExhausted" and "sns-item" not in json.dumps(via_sns)
    objects = wait_for(lambda: clients["s3"].list_objects_v2(Bucket=bucket).get("Contents"), what="the S3 object")
    assert objects[0]["Key"].startswith(f"aws/lambda/{to_s3.mapping_uuid}/shardId-")
    stored = json.loads(clients["s3"].get_object(Bucket=bucket, Key=objects[0]["Key"])["Body"].read())
    payload = json.loads(stored["payload"])
    assert payload["Records"][0]["dynamodb"]["NewImage"]["note"] == {"S": "kept in the payload"}
    assert stored["DDBStreamBatchInfo"]["batchSize"] == 1


@pytest.mark.behaviour("tumbling_window")
def test_tumbling_window_carries_state_to_a_final_invocation(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context, final=event["isFinalInvokeForWindow"], state=event["state"],
                      window=event["window"])
    return {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}}
''')
    s.map(BatchSize=2, TumblingWindowInSeconds=1)
    for i in range(5):
        s.put(f"k{i}")
    start_runner(s)
    finals = wait_for(lambda: sum(i["state"].get("count", 0) for i in s.invocations() if i["final"]) == 5 and
                      [i for i in s.invocations() if i["final"]], what="final invocations covering 5 records")
    for final in finals:
        in_window = [i for i in s.invocations() if i["window"] == final["window"] and not i["final"]]
        assert final["state"]["count"] == sum(len(i["seqs"]) for i in in_window)
        assert final["seqs"] == []


def test_code_not_matching_any_package_is_named_and_loses_no_record(scenario, start_runner, tmp_path):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
''')
    s.map(BatchSize=10)
    s.put("k0")
    stranger = tmp_path / "other.zip"
    stranger.write_bytes(build_zip("def handler(event, context):\n    return None\n"))
    first, log = start_runner(s, packages=[stranger])
    failures = wait_for(lambda: log.events("invoke_failed_before_running"), what="the missing-code error")
    assert code_sha256(s.package.read_bytes()) in failures[0]["error"] and str(stranger) in failures[0]["error"]
    first.stop()
    assert s.invocations() == []
    start_runner(s)  # now with the deployed zip: the record waited, it was not dropped
    wait_for(lambda: s.delivered() == s.sequences(), what="the record once the right zip is given")


def test_runner_stops_promptly_while_a_batch_is_being_retried(scenario, start_runner):
    s = scenario(ALWAYS_FAILING)
    s.map(BatchSize=10)
    s.put("k0")
    runner, _ = start_runner(s)
    wait_for(lambda: len(s.invocations()) >= 2, what="retries")
    stopper = threading.Thread(target=runner.stop)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive(), "stop() returned while retries were pending"


def start_cli(s: Scenario, moto_url: str, state_dir: Path, log: Any, *flags: str) -> subprocess.Popen[bytes]:
    """``python -m esm_runner`` serving the scenario's function, as the embedded stack starts it."""
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    command = [sys.executable, "-m", "esm_runner", "--endpoint-url", moto_url, "--region", REGION,
               "--package", str(s.package), "--state-dir", str(state_dir), "--function", s.name,
               "--poll-interval", "0.05", "--refresh-interval", "0.2", *flags]
    env = {**os.environ, "PYTHONPATH": str(scripts), "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    return subprocess.Popen(command, env=env, stderr=log, stdout=subprocess.DEVNULL)


SLOW_FAILING = '''
def handler(event, context):
    record_invocation(event, context)
    time.sleep(1)
    raise RuntimeError("down")
'''


@pytest.mark.parametrize("moment", ["back-off", "invocation"])
def test_a_runner_killed_mid_retries_resumes_its_retry_budget(scenario, moto_url, tmp_path, clients, moment):
    s = scenario(SLOW_FAILING)
    url, queue_arn = s.queue()
    s.map(BatchSize=10, MaximumRetryAttempts=4, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    s.put("k0")
    state_dir = tmp_path / "cli-state"
    checkpoint = state_dir / f"{s.mapping_uuid}.json"
    back_off = ("--retry-delay", "1", "--max-retry-delay", "1")
    log_path = tmp_path / "runner.log"

    def kill_now() -> bool:
        if moment == "invocation":  # while the third delivery (the second retry) runs
            return len(s.invocations()) == 3
        # in the back-off after the second failed delivery (its outcome logged, its retry state on disk)
        finished = log_path.read_text().count('"event": "invocation"') if log_path.exists() else 0
        return finished == 2 and '"invocations": 2' in checkpoint.read_text()

    with open(log_path, "ab") as log:
        first = start_cli(s, moto_url, state_dir, log, *back_off)
        try:
            wait_for(kill_now, timeout=60, what=f"the moment to kill the runner ({moment})")
        finally:
            first.kill()  # kill -9
            first.wait(timeout=15)
        delivered_before_the_kill = len(s.invocations())
        second = start_cli(s, moto_url, state_dir, log, *back_off)  # what the stack's supervisor does
        try:
            [message] = receive_all(clients["sqs"], url, 1, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=15)
    assert delivered_before_the_kill == {"back-off": 2, "invocation": 3}[moment]
    assert len(s.invocations()) == 5, "1 + MaximumRetryAttempts deliveries in total, across the kill"
    assert message["requestContext"]["approximateInvokeCount"] == 5


def test_cli_serves_mappings_logs_json_lines_and_stops_on_sigterm(scenario, moto_url, tmp_path):
    s = scenario('''
def handler(event, context):
    print("hello from the function")
    record_invocation(event, context)
''')
    s.map(BatchSize=10)
    s.put("k0")
    log_path = tmp_path / "runner.log"
    with open(log_path, "wb") as log:
        process = start_cli(s, moto_url, tmp_path / "cli-state", log)
        try:
            wait_for(lambda: s.delivered() == s.sequences(), what="the CLI runner to deliver the record")
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=15)
    assert code == 0
    events = [json.loads(line) for line in log_path.read_text().splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "runner_started" and names[-1] == "runner_stopped" and "metrics" in names
    assert {"line": "hello from the function"}.items() <= next(e for e in events
                                                            if e["event"] == "function_output").items()


def test_cli_help_explains_every_flag():
    from esm_runner.cli import parser

    text = subprocess.run([sys.executable, "-m", "esm_runner", "--help"], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "scripts")}).stdout
    flags = [a for a in parser()._actions if a.option_strings and a.dest != "help"]
    assert len(flags) >= 10
    for action in flags:
        assert action.option_strings[0] in text and len(action.help or "") > 20, action.dest


def test_a_mapping_with_an_invalid_filter_is_reported_not_run(scenario, start_runner):
    s = scenario('''
def handler(event, context):
    record_invocation(event, context)
''')
    try:
        s.map(BatchSize=10, FilterCriteria={"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]})
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidParameterValueException", exc
        pytest.skip("this moto refuses an invalid filter pattern as AWS does, so no mapping reaches the runner; "
                    "the runner's own refusal is covered by test_runner_mappings.test_unusable_mappings_are_named")
    s.put("k0")
    runner, log = start_runner(s)
    [invalid] = wait_for(lambda: log.events("mapping_invalid"), what="the invalid mapping to be reported")
    assert invalid["mapping"] == s.mapping_uuid
    assert "filter #0" in invalid["error"] and "non-empty list of matchers" in invalid["error"]
    assert runner.active_mappings() == []
    s.update(FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})  # fixed: now it runs
    wait_for(lambda: s.delivered() == s.sequences(), what="delivery once the filter is valid")


@pytest.mark.parametrize("arguments, message", [
    (["--package", "/nonexistent/lambda.zip"], "--package files not found: /nonexistent/lambda.zip"),
    (["--poll-interval", "0"], "--poll-interval must be a positive number of seconds"),
    (["--invoker", "docker"], "invalid choice: 'docker' (choose from 'zip', 'lambda-api')"),
])
def test_cli_rejects_bad_arguments_naming_what_is_allowed(tmp_path, moto_url, arguments, message):
    command = [sys.executable, "-m", "esm_runner", "--endpoint-url", moto_url, "--region", REGION,
               "--state-dir", str(tmp_path / "state"), *arguments]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "scripts")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 2 and message in result.stderr
