"""Records keep the JSON text GetRecords returned; the event sent to the function is assembled from those texts and
must say exactly what the records (dicts) say."""

from __future__ import annotations

import json

import boto3
import pytest

from esm_runner.batching import Pending
from esm_runner.shards import DynamoDBStreamSource, Position
from esm_runner.wire import WireRecord, event_json, event_record, split_records
from local_stack.moto_server import start_moto

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2025-01-01T00:00:00.000"
RECORDS = [
    {"eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
     "awsRegion": "eu-west-1",
     "dynamodb": {"ApproximateCreationDateTime": 1700000000, "Keys": {"pk": {"S": "a \"quoted\" } ]"}},
                  "NewImage": {"pk": {"S": "a \"quoted\" } ]"}, "ApproximateCreationDateTime": {"N": "5"},
                               "note": {"S": "\"ApproximateCreationDateTime\": 7, é \u2603 \\"},
                               "b": {"B": "AAE="}, "l": {"L": [{"M": {}}, {"NULL": True}]}},
                  "SequenceNumber": "100000000000000000001", "SizeBytes": 70, "StreamViewType": "NEW_IMAGE"}},
    {"eventID": "2", "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
     "dynamodb": {"ApproximateCreationDateTime": 1.7000000001e9, "Keys": {"pk": {"S": "b"}},
                  "SequenceNumber": "100000000000000000002", "SizeBytes": 10, "StreamViewType": "KEYS_ONLY"}},
]


@pytest.mark.parametrize("dump", [
    lambda body: json.dumps(body),
    lambda body: json.dumps(body, separators=(",", ":")),
    lambda body: json.dumps(body, indent=2, ensure_ascii=False),
], ids=["moto-spacing", "compact", "indented"])
@pytest.mark.parametrize("iterator_first", [False, True])
def test_a_body_splits_into_records_with_their_own_text(dump, iterator_first):
    members = [("Records", RECORDS), ("NextShardIterator", "it|1")]
    body = dump(dict(members[::-1] if iterator_first else members))
    records, rest = split_records(body)
    assert [record for record, _ in records] == RECORDS
    assert [json.loads(text) for _, text in records] == RECORDS
    assert rest == {"NextShardIterator": "it|1"}


def test_an_empty_page_and_a_closed_shard():
    assert split_records('{"Records": []}') == ([], {})
    assert split_records(' { "Records" : [ ] , "NextShardIterator" : null } ') == ([], {"NextShardIterator": None})


def test_a_body_that_is_not_an_object_is_refused_by_name():
    with pytest.raises(ValueError, match="GetRecords body: expected '{'"):
        split_records('["Records"]')


def test_the_event_record_and_its_text_change_together():
    (first, first_text), (second, second_text) = split_records(json.dumps({"Records": RECORDS}))[0]
    delivered = event_record(first, first_text, ARN, "us-east-1")
    assert delivered["dynamodb"]["ApproximateCreationDateTime"] == 1700000000.0
    assert isinstance(delivered["dynamodb"]["ApproximateCreationDateTime"], float)  # Lambda's type
    assert isinstance(json.loads(delivered.text)["dynamodb"]["ApproximateCreationDateTime"], float)
    assert delivered["awsRegion"] == "eu-west-1" and delivered["eventSourceARN"] == ARN
    assert json.loads(delivered.text) == delivered
    assert json.loads(delivered.text)["dynamodb"]["NewImage"]["ApproximateCreationDateTime"] == {"N": "5"}
    missing_region = event_record(second, second_text, ARN, "us-east-1")
    assert missing_region["awsRegion"] == "us-east-1" and json.loads(missing_region.text) == missing_region


def test_the_event_is_the_records_texts_joined_and_says_what_the_dicts_say():
    wire = [event_record(record, text, ARN, "us-east-1")
            for record, text in split_records(json.dumps({"Records": RECORDS}))[0]]
    event = {"Records": wire, "window": {"start": "2025-01-01T00:00:00Z"}, "isFinalInvokeForWindow": False}
    text = event_json(event)
    assert json.loads(text) == event
    assert all(record.text in text for record in wire)  # joined, not encoded again
    assert json.loads(event_json({"Records": wire})) == {"Records": wire}
    plain = {"Records": [dict(record) for record in wire]}
    assert event_json(plain) == json.dumps(plain)


def test_a_records_size_is_what_it_adds_to_the_event():
    wire = [event_record(record, text, ARN, "us-east-1")
            for record, text in split_records(json.dumps({"Records": RECORDS}))[0]]
    sizes = [Pending(record).size for record in wire]
    assert len(event_json({"Records": wire})) == len('{"Records": []}') + sum(sizes) - 2
    assert Pending(dict(wire[0])).size == sizes[0]  # a record without its text is measured as it would be sent


def test_records_read_from_moto_carry_texts_equal_to_them():
    server, url = start_moto()
    try:
        kwargs = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "t",
                  "aws_secret_access_key": "t"}
        dynamodb = boto3.client("dynamodb", **kwargs)
        stream_arn = dynamodb.create_table(
            TableName="wire", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        item = {"pk": {"B": b"\x00\xff"}, "n": {"N": "-1.2345678901234567890123456789012345678E+97"},
                "ss": {"SS": ["é", "\u2603"]}, "bs": {"BS": [b"\x01"]}, "m": {"M": {"l": {"L": [{"BOOL": True}]}}}}
        dynamodb.put_item(TableName="wire", Item=item)
        dynamodb.put_item(TableName="wire", Item={**item, "n": {"N": "2"}})
        source = DynamoDBStreamSource(boto3.client("dynamodbstreams", **kwargs), stream_arn, "us-east-1")
        shard = source.shards()[0].shard_id
        records, _ = source.read(source.iterator(shard, Position("TRIM_HORIZON")), 1000)
    finally:
        server.stop()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert all(isinstance(r, WireRecord) and json.loads(r.text) == r for r in records)
    assert records[1]["dynamodb"]["OldImage"]["pk"] == {"B": "AP8="}  # binary as base64, as Lambda delivers it
    assert isinstance(json.loads(records[0].text)["dynamodb"]["ApproximateCreationDateTime"], float)
    assert json.loads(event_json({"Records": records})) == {"Records": records}
