"""The fast GetRecords path writes exactly the bytes moto's own serializer writes, for every attribute type."""

from __future__ import annotations

import random
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamRecord
from moto.dynamodbstreams.models import dynamodbstreams_backends

from local_stack import moto_stream_reads
from local_stack.moto_server import patch_moto

ACCOUNT, REGION = "123456789012", "us-east-1"


def attribute(rng: random.Random, depth: int = 0, binary: bool = True) -> dict[str, Any]:
    """A random DynamoDB attribute value of any type (binary ones only if `binary`), nested up to three levels."""
    kinds = [kind for kind in ("S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL") if binary or kind not in ("B", "BS")]
    kinds += ["M", "L"] if depth < 3 else []
    kind = rng.choice(kinds)
    text = lambda: "".join(rng.choice("aé\u2028\"\\\n\x00😀z") for _ in range(rng.randint(0, 6)))
    number = lambda: str(Decimal(rng.randint(-10**38 + 1, 10**38 - 1)).scaleb(rng.randint(-40, 20)))
    blob = lambda: bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 9)))
    return {
        "S": lambda: {"S": text()},
        "N": lambda: {"N": number()},
        "B": lambda: {"B": blob()},
        "SS": lambda: {"SS": list({text() + str(i) for i in range(rng.randint(1, 3))})},
        "NS": lambda: {"NS": list({str(i) + "." + str(rng.randint(0, 9)) for i in range(rng.randint(1, 3))})},
        "BS": lambda: {"BS": list({blob() + bytes([i]) for i in range(rng.randint(1, 3))})},
        "NULL": lambda: {"NULL": True},
        "BOOL": lambda: {"BOOL": rng.random() < 0.5},
        "M": lambda: {"M": {text() + str(i): attribute(rng, depth + 1, binary) for i in range(rng.randint(0, 3))}},
        "L": lambda: {"L": [attribute(rng, depth + 1, binary) for _ in range(rng.randint(0, 3))]},
    }[kind]()


@pytest.fixture()
def stream() -> Any:
    """An in-process moto (patched as the stack patches it) with a stream holding every kind of record."""
    patch_moto()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        streams = boto3.client("dynamodbstreams", region_name=REGION)
        arn = dynamodb.create_table(
            TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        rng = random.Random(7)
        for number in range(60):
            key = {"pk": {"B": bytes([number % 7, 255])}, "sk": {"N": str(number % 5)}}
            item = {**key, **{f"a{i}": attribute(rng) for i in range(rng.randint(0, 8))}}
            if number % 9 == 8:
                dynamodb.delete_item(TableName="t", Key=key)
            else:
                dynamodb.put_item(TableName="t", Item=item)
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        yield streams, iterator
        moto_stream_reads.patch()


def moto_body(result: dict[str, Any]) -> str:
    """What moto's own serializer writes for a GetRecords result."""
    operation = get_service_model("dynamodbstreams").operation_model("GetRecords")
    serializer = JSONSerializer(operation_model=operation, pretty_print=False, value_picker=XFormedAttributePicker())
    return serializer.serialize(result)["body"]


def test_body_equals_moto_serializer_byte_for_byte(stream):
    _, iterator = stream
    result = dynamodbstreams_backends[ACCOUNT][REGION].get_records(iterator, 1000)
    assert len(result["Records"]) >= 50
    kinds = {next(iter(v)) for r in result["Records"] for v in r["dynamodb"].get("NewImage", {}).values()}
    assert kinds >= {"S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL", "M", "L"}
    fast = moto_stream_reads.get_records_body([moto_stream_reads.record_json(r) for r in result["Records"]],
                                              result["NextShardIterator"])
    assert fast == moto_body(result)
    empty = {"Records": [], "NextShardIterator": result["NextShardIterator"]}
    assert moto_stream_reads.get_records_body([], empty["NextShardIterator"]) == moto_body(empty)


def test_get_records_over_the_wire_is_the_same_patched_and_unpatched_and_on_rereads(stream):
    streams, iterator = stream

    def read(limit: int) -> list[list[dict[str, Any]]]:
        pages, current = [], iterator
        while True:
            page = streams.get_records(ShardIterator=current, Limit=limit)
            if not page["Records"]:
                return pages
            pages.append(page["Records"])
            current = page["NextShardIterator"]

    moto_stream_reads.patch()
    fast, fast_again = read(7), read(13)  # the second read comes from the cache, in other page sizes
    moto_stream_reads.unpatch()
    slow = read(7)
    assert fast == slow
    assert [r for page in fast_again for r in page] == [r for page in slow for r in page]


# Values moto's serializer writes otherwise than json.dumps does (or that look so): the record's JSON must still be
# moto's, from the write or from the first read.
ODD_VALUES = [{"N": 1.5}, {"N": 2}, {"N": None}, {"NS": [None]}, {"NS": ["1", 2]}, {"NS": [0.5]}, {"SS": []},
              {"BS": ["eA=="]}, {"B": b"\x00\xff"}, {"B": "AAE="}, {"BOOL": "yes"}, {"NULL": False}, {"L": []},
              {"M": {}},
              {"M": {"": {"S": "x"}}},
              {"M": {"S": {"N": "1"}, "x\"S": {"S": "v"}, "N": {"NS": ["1"]}}}, {"S": 'null: null, "S": 5'},
              {"L": [{"S": "a\\"}, {"N": "1"}]}, {"S": "\u2028\x00\"\\é😀"}]


@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"])
def test_records_json_written_when_made_is_moto_serializer_s(view):
    table = SimpleNamespace(hash_key_attr="pk", range_key_attr="sk")
    rng = random.Random(11)
    plain = [{f"a{i}": attribute(rng, binary=False) for i in range(rng.randint(0, 8))} for _ in range(60)]
    written = 0
    for n, attrs in enumerate(plain + [{"odd": value} for value in ODD_VALUES]):
        key = {"pk": {"S": f"k{n}"}, "sk": {"N": str(n)}}
        old, new = Item(DynamoType(key["pk"]), DynamoType(key["sk"]), {**key, **attrs}), \
            Item(DynamoType(key["pk"]), DynamoType(key["sk"]), {**key, **attrs, "n": {"N": "1"}})
        for event, before, after in (("INSERT", None, new), ("MODIFY", old, new), ("REMOVE", old, None)):
            record = StreamRecord.__new__(StreamRecord)
            moto_stream_reads._stream_record(record, table, view, event, before, after, n)
            text = vars(record).get("get_records_json")
            if n < len(plain):
                assert text is not None, "a record without binary values is serialized when it is made"
            if text is not None:
                written += 1
                assert moto_stream_reads.get_records_body([text], None) == moto_body({"Records": [record.to_json()]})
    assert written > 3 * len(plain)  # some odd values (empty sets, lists, maps...) are written as they are too
