"""The stack's moto records writes as DynamoDB Streams does, and refuses mappings AWS refuses (boto3 against the
real moto server)."""

from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from handler_helpers import Table

from local_stack import moto_esm_validation, moto_stream_iterators


@pytest.fixture()
def aws(moto_url: str) -> dict[str, Any]:
    kwargs = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    return {"url": moto_url,
            **{name: boto3.client(name, **kwargs) for name in ("dynamodb", "dynamodbstreams", "lambda", "iam")}}


def new_table(aws: dict[str, Any], range_key: bool = False) -> tuple[str, str]:
    """A table (key pk S, sort key sk N) with a NEW_AND_OLD_IMAGES stream; returns its name and stream ARN."""
    table = Table(aws["url"], sort_key=range_key)
    return table.name, table.stream_arn


def shard_iterator(aws: dict[str, Any], stream_arn: str) -> str:
    streams = aws["dynamodbstreams"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    return streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]


def read_all(aws: dict[str, Any], stream_arn: str, iterator: str | None = None) -> list[dict[str, Any]]:
    """Every record of the table's shard, in shard order."""
    iterator = iterator or shard_iterator(aws, stream_arn)
    records: list[dict[str, Any]] = []
    while True:
        page = aws["dynamodbstreams"].get_records(ShardIterator=iterator, Limit=1000)
        records += page["Records"]
        if not page["Records"]:
            return records
        iterator = page["NextShardIterator"]


def summary(records: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    return [(r["eventName"], r["dynamodb"].get("NewImage")) for r in records]


def test_concurrent_writers_get_unique_increasing_sequence_numbers_in_item_order(aws):
    table, stream = new_table(aws)
    writers, writes = 6, 40
    counters: dict[int, list[int]] = {}

    def writer(number: int) -> None:
        dynamodb = aws["dynamodb"]
        seen = counters.setdefault(number, [])
        for version in range(writes):
            dynamodb.put_item(TableName=table, Item={"pk": {"S": f"own-{number}"}, "v": {"N": str(version)}})
            new = dynamodb.update_item(TableName=table, Key={"pk": {"S": "hot"}}, UpdateExpression="ADD c :one",
                                       ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
            seen.append(int(new["Attributes"]["c"]["N"]))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = read_all(aws, stream)
    assert len(records) == 2 * writers * writes
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert len(set(numbers)) == len(numbers), "two records share a SequenceNumber"
    assert numbers == sorted(numbers), "sequence numbers do not increase in shard order"
    assert all(len(r["dynamodb"]["SequenceNumber"]) >= 21 for r in records)
    # The shard order is each item's write order: every writer's own versions, and the shared counter 1, 2, 3, ...
    for number in range(writers):
        versions = [int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in records
                    if r["dynamodb"]["Keys"]["pk"]["S"] == f"own-{number}"]
        assert versions == list(range(writes))
    hot = [int(r["dynamodb"]["NewImage"]["c"]["N"]) for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == "hot"]
    assert hot == list(range(1, writers * writes + 1))
    assert sorted(c for seen in counters.values() for c in seen) == hot


def test_update_item_that_creates_an_item_emits_one_insert_with_the_full_image(aws):
    table, stream = new_table(aws, range_key=True)
    aws["dynamodb"].update_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                                UpdateExpression="SET #n = :n, tags = :t", ExpressionAttributeNames={"#n": "name"},
                                ExpressionAttributeValues={":n": {"S": "x"}, ":t": {"SS": ["p", "q"]}})
    records = read_all(aws, stream)
    assert summary(records) == [("INSERT", {"pk": {"S": "a"}, "sk": {"N": "1"}, "name": {"S": "x"},
                                            "tags": {"SS": ["p", "q"]}})]
    assert "OldImage" not in records[0]["dynamodb"]


def test_writes_that_change_nothing_emit_nothing(aws):
    table, stream = new_table(aws)
    dynamodb = aws["dynamodb"]
    item = {"pk": {"S": "a"}, "n": {"N": "1.50"}, "s": {"SS": ["x", "y"]}, "m": {"M": {"b": {"B": b"\x00"}}}}
    dynamodb.put_item(TableName=table, Item=item)
    dynamodb.put_item(TableName=table, Item=item)  # identical
    dynamodb.put_item(TableName=table, Item={**item, "n": {"N": "1.5"}, "s": {"SS": ["y", "x"]}})  # same values
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                         ExpressionAttributeValues={":n": {"N": "1.50"}})
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE absent_attribute")
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "never-written"}})
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                         ExpressionAttributeValues={":n": {"N": "2"}})  # a real change, so the stream is read on
    assert [name for name, _ in summary(read_all(aws, stream))] == ["INSERT", "MODIFY"]


def test_failed_conditional_writes_emit_nothing(aws):
    table, stream = new_table(aws)
    dynamodb = aws["dynamodb"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    exists = {"ConditionExpression": "attribute_not_exists(pk)"}
    failing = [
        lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "2"}}, **exists),
        lambda: dynamodb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                                     ExpressionAttributeValues={":v": {"N": "3"}}, **exists),
        lambda: dynamodb.update_item(TableName=table, Key={"pk": {"S": "new"}}, UpdateExpression="SET v = :v",
                                     ConditionExpression="attribute_exists(pk)",
                                     ExpressionAttributeValues={":v": {"N": "3"}}),
        lambda: dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}}, **exists),
    ]
    for write in failing:
        with pytest.raises(ClientError, match="ConditionalCheckFailed"):
            write()
    assert summary(read_all(aws, stream)) == [("INSERT", {"pk": {"S": "a"}, "v": {"N": "1"}})]


def test_batch_write_emits_one_record_per_changed_item_only(aws):
    table, stream = new_table(aws)
    dynamodb = aws["dynamodb"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "same"}, "v": {"N": "1"}})
    dynamodb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "same"}, "v": {"N": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "new"}, "v": {"N": "2"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "missing"}}}},
    ]})
    assert summary(read_all(aws, stream)) == [("INSERT", {"pk": {"S": "same"}, "v": {"N": "1"}}),
                                              ("INSERT", {"pk": {"S": "new"}, "v": {"N": "2"}})]


def test_transactions_emit_like_single_writes_and_a_cancelled_one_emits_nothing(aws):
    table, stream = new_table(aws)
    dynamodb = aws["dynamodb"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "same"}, "v": {"N": "1"}})
    iterator = shard_iterator(aws, stream)  # taken before the transactions: it must see what follows them
    dynamodb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"pk": {"S": "created"}}, "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "7"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "same"}, "v": {"N": "1"}}}},
    ])
    with pytest.raises(ClientError, match="TransactionCanceled"):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "cancelled"}, "v": {"N": "1"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "same"}},
                        "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "cancelled"}})
    assert summary(read_all(aws, stream, iterator)) == [
        ("INSERT", {"pk": {"S": "same"}, "v": {"N": "1"}}),
        ("INSERT", {"pk": {"S": "created"}, "v": {"N": "7"}}),
        ("INSERT", {"pk": {"S": "after"}}),
    ]


def test_approximate_creation_date_time_is_whole_seconds(aws):
    table, stream = new_table(aws)
    for number in range(5):
        aws["dynamodb"].put_item(TableName=table, Item={"pk": {"S": str(number)}})
    times = [r["dynamodb"]["ApproximateCreationDateTime"] for r in read_all(aws, stream)]
    assert len(times) == 5 and all(t.microsecond == 0 for t in times)


def test_shard_iterators_expire_like_dynamodb_streams(aws, monkeypatch):
    monkeypatch.setattr(moto_stream_iterators, "LIFETIME_S", 0.3)  # 15 minutes on DynamoDB Streams
    table, stream = new_table(aws)
    aws["dynamodb"].put_item(TableName=table, Item={"pk": {"S": "a"}})
    iterator = shard_iterator(aws, stream)
    time.sleep(0.6)  # past the iterator's lifetime
    with pytest.raises(ClientError) as expired:
        aws["dynamodbstreams"].get_records(ShardIterator=iterator)
    assert expired.value.response["Error"]["Code"] == "ExpiredIteratorException"
    assert expired.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    monkeypatch.setattr(moto_stream_iterators, "LIFETIME_S", 900.0)
    assert len(read_all(aws, stream)) == 1  # a new iterator reads on


def _function(aws: dict[str, Any]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {}\n")
    name = f"f-{uuid.uuid4().hex[:8]}"
    role = aws["iam"].create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return aws["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                         Code={"ZipFile": buffer.getvalue()})["FunctionArn"]


REFUSED = [
    ({"MaximumRecordAgeInSeconds": 59}, "MaximumRecordAgeInSeconds"),
    ({"MaximumRecordAgeInSeconds": 0}, "MaximumRecordAgeInSeconds"),
    ({"MaximumRecordAgeInSeconds": 604801}, "MaximumRecordAgeInSeconds"),
    ({"MaximumRecordAgeInSeconds": -2}, "MaximumRecordAgeInSeconds"),
    ({"MaximumRetryAttempts": 10001}, "MaximumRetryAttempts"),
    ({"MaximumRetryAttempts": -2}, "MaximumRetryAttempts"),
    ({"BatchSize": 0}, "BatchSize"),
    ({"BatchSize": 10001}, "BatchSize"),
    ({"ParallelizationFactor": 11}, "ParallelizationFactor"),
    ({"ParallelizationFactor": 0}, "ParallelizationFactor"),
    ({"MaximumBatchingWindowInSeconds": 301}, "MaximumBatchingWindowInSeconds"),
    ({"MaximumBatchingWindowInSeconds": -1}, "MaximumBatchingWindowInSeconds"),
    ({"TumblingWindowInSeconds": 901}, "TumblingWindowInSeconds"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}}, "filter pattern"),
    ({"FilterCriteria": {"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]}}, "filter pattern"),
    ({"FilterCriteria": {"Filters": [{"Pattern": '{"eventName": [{"bogus": 1}]}'}]}}, "filter pattern"),
]
ACCEPTED = {"MaximumRecordAgeInSeconds": 60, "MaximumRetryAttempts": 10000, "BatchSize": 10000,
            "ParallelizationFactor": 10, "MaximumBatchingWindowInSeconds": 300, "TumblingWindowInSeconds": 900,
            "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}}


@pytest.mark.parametrize(("parameters", "named"), REFUSED, ids=[str(p) for p, _ in REFUSED])
def test_event_source_mappings_aws_refuses_are_refused_with_aws_error(aws, parameters, named):
    _, stream = new_table(aws)
    function = _function(aws)
    lambda_ = aws["lambda"]
    with pytest.raises(ClientError) as refused:
        lambda_.create_event_source_mapping(EventSourceArn=stream, FunctionName=function,
                                            StartingPosition="TRIM_HORIZON", **parameters)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert named in refused.value.response["Error"]["Message"]
    assert lambda_.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"] == []

    mapping = lambda_.create_event_source_mapping(EventSourceArn=stream, FunctionName=function,
                                                  StartingPosition="TRIM_HORIZON", MaximumRecordAgeInSeconds=-1)
    with pytest.raises(ClientError) as refused_update:
        lambda_.update_event_source_mapping(UUID=mapping["UUID"], **parameters)
    assert refused_update.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lambda_.get_event_source_mapping(UUID=mapping["UUID"])["MaximumRecordAgeInSeconds"] == -1


def test_event_source_mapping_limits_aws_accepts_are_accepted(aws):
    _, stream = new_table(aws)
    mapping = aws["lambda"].create_event_source_mapping(EventSourceArn=stream, FunctionName=_function(aws),
                                                        StartingPosition="TRIM_HORIZON", **ACCEPTED)
    assert mapping["MaximumRecordAgeInSeconds"] == 60 and mapping["BatchSize"] == 10000
    updated = aws["lambda"].update_event_source_mapping(UUID=mapping["UUID"], MaximumRecordAgeInSeconds=604800,
                                                        MaximumRetryAttempts=-1, BatchSize=1)
    assert updated["MaximumRecordAgeInSeconds"] == 604800 and updated["BatchSize"] == 1


def test_unchecked_lets_tests_store_what_aws_refuses_and_checks_resume_after(aws):
    _, stream = new_table(aws)
    function = _function(aws)
    with moto_esm_validation.unchecked():
        mapping = aws["lambda"].create_event_source_mapping(EventSourceArn=stream, FunctionName=function,
                                                            StartingPosition="TRIM_HORIZON",
                                                            MaximumRecordAgeInSeconds=1)
    assert mapping["MaximumRecordAgeInSeconds"] == 1
    with pytest.raises(ClientError, match="MaximumRecordAgeInSeconds"):
        aws["lambda"].update_event_source_mapping(UUID=mapping["UUID"], MaximumRecordAgeInSeconds=2)


def test_update_item_that_fails_leaves_neither_item_nor_record(aws):
    table, stream = new_table(aws)
    with pytest.raises(ClientError, match="size"):
        aws["dynamodb"].update_item(TableName=table, Key={"pk": {"S": "big"}}, UpdateExpression="SET v = :v",
                                    ExpressionAttributeValues={":v": {"S": "x" * 410_000}})
    assert "Item" not in aws["dynamodb"].get_item(TableName=table, Key={"pk": {"S": "big"}})
    aws["dynamodb"].put_item(TableName=table, Item={"pk": {"S": "after"}})
    assert summary(read_all(aws, stream)) == [("INSERT", {"pk": {"S": "after"}})]
