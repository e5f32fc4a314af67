"""Invalid writes get the same errors with the speed patches as from moto's own code, and change the same items.

Each bad item goes through PutItem, a BatchWriteItem of itself, and a BatchWriteItem after a good item (moto writes
a batch's puts one by one: the good one stays); then the table and its stream are compared.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from local_stack.moto_server import SPEED_PATCHES, patch_moto

REGION = "us-east-1"
KEY = {"pk": {"S": "k"}}
BAD_ITEMS: dict[str, dict[str, Any]] = {
    "key of the wrong type": {"pk": {"N": "1"}},
    "empty string key": {"pk": {"S": ""}},
    "empty binary key": {"pk": {"B": b""}},
    "empty string index key": {**KEY, "g": {"S": ""}},
    "index key of the wrong type": {**KEY, "g": {"N": "1"}},
    "empty attribute value": {**KEY, "x": {}},
    "empty string, not a key": {**KEY, "x": {"S": ""}},
    "no key": {"x": {"S": "a"}},
    "key too long": {"pk": {"S": "k" * 2049}},
    "key value a map": {"pk": {"S": {"a": "b"}}},
    "key value a string attribute value": {"pk": {"S": {"S": "x"}}},
    "not a number": {**KEY, "n": {"N": "abc"}},
    "number with a space": {**KEY, "n": {"N": " 1"}},
    "number overflow": {**KEY, "n": {"N": "1e200"}},
    "number underflow": {**KEY, "n": {"N": "1e-200"}},
    "infinite number": {**KEY, "n": {"N": "Infinity"}},
    "number as a JSON number": {**KEY, "n": {"N": 5}},
    "string as a JSON number": {**KEY, "s": {"S": 5}},
    "NULL false": {**KEY, "z": {"NULL": False}},
    "bad number in a map": {**KEY, "m": {"M": {"a": {"S": "x"}, "n": {"N": "x1"}}}},
    "bad number in a list (moto does not look)": {**KEY, "l": {"L": [{"N": "x1"}]}},
    "attributes named N and S": {**KEY, "N": {"S": "x"}, "S": {"N": "1"}, "NULL": {"BOOL": True}},
    "bad number under a name N": {**KEY, "N": {"N": "x"}},
    "map member named S holding a string": {**KEY, "m": {"M": {"S": {"S": "x"}, "N": {"N": "2"}}}},
    "two errors, number first": {**KEY, "a": {"N": "x"}, "b": {"S": 5}},
    "two errors, string first": {**KEY, "b": {"S": 5}, "a": {"N": "x"}},
    "oversized item": {**KEY, "big": {"S": "x" * 410_000}},
    "empty string set": {**KEY, "ss": {"SS": []}},
    "good item": {**KEY, "n": {"N": "1.50"}, "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}]}}}},
}


def outcomes() -> dict[str, Any]:
    """Every bad item's error (or "accepted") per way of writing it, then the table and its stream."""
    with mock_aws():
        config = Config(parameter_validation=False)  # send the values boto3 would refuse, as moto must take them
        db = boto3.client("dynamodb", region_name=REGION, config=config)
        streams = boto3.client("dynamodbstreams", region_name=REGION)
        arn = db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                    {"AttributeName": "g", "AttributeType": "S"}],
                              GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                                       "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
                              BillingMode="PAY_PER_REQUEST",
                              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                              )["TableDescription"]["LatestStreamArn"]

        def attempt(call: Any, **kwargs: Any) -> str:
            try:
                call(**kwargs)
            except db.exceptions.ClientError as error:
                return f"{error.response['ResponseMetadata']['HTTPStatusCode']} {error}"
            except Exception as error:  # noqa: BLE001 - moto's own failures (in-process) are compared too
                return f"raised {error!r}"
            return "accepted"

        result: dict[str, Any] = {}
        for n, (name, item) in enumerate(BAD_ITEMS.items()):
            if item.get("pk") == KEY["pk"]:  # an item of its own: a rewrite compares with the stored one
                item = {**item, "pk": {"S": f"k{n}"}}
            good = {"pk": {"S": f"good{n}"}}
            result[name] = (
                attempt(db.put_item, TableName="t", Item=item),
                attempt(db.batch_write_item, RequestItems={"t": [{"PutRequest": {"Item": item}}]}),
                attempt(db.batch_write_item, RequestItems={"t": [{"PutRequest": {"Item": good}},
                                                                 {"PutRequest": {"Item": item}}]}),
                attempt(db.batch_write_item, RequestItems={"t": [{"PutRequest": {"Item": item}}] * 2}),
            )
        result["items"] = sorted(db.scan(TableName="t")["Items"], key=lambda i: str(i["pk"]))
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        # (SizeBytes varies with the time's digits; tests/unit/test_moto_stream_writes.py compares it)
        result["stream"] = [(r["eventName"], r["dynamodb"]["Keys"], r["dynamodb"].get("NewImage")) for r in records]
        return result


@pytest.fixture()
def moto_alone() -> Any:
    """The stack's moto with the speed patches undone for the block, then put back."""
    patch_moto()
    for module in SPEED_PATCHES:
        module.unpatch()
    yield
    patch_moto()


def test_bad_writes_fail_as_moto_fails_them(moto_alone: Any) -> None:
    moto = outcomes()
    for module in SPEED_PATCHES:
        module.patch()
    fast = outcomes()
    assert fast == moto
    refused = [name for name in BAD_ITEMS if all(o != "accepted" for o in moto[name][:2])]
    assert len(refused) >= 15, refused  # most of them are errors, whose messages were compared
    assert moto["good item"][:3] == ("accepted",) * 3
    assert "duplicates" in moto["good item"][3]
