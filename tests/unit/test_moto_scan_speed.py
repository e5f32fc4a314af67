"""Scan pages from the faster Scan are moto's own pages, byte for byte, for every start key, limit and option."""

from __future__ import annotations

import base64
import copy
import json
import random
from typing import Any

import pytest
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from local_stack import moto_scan_speed
from local_stack.moto_server import patch_moto

HEADERS = {"Content-Type": "application/x-amz-json-1.0",
           "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=host, Signature=0"}
# (hash type, range type or None)
SCHEMAS = [("S", None), ("N", None), ("S", "N"), ("N", "S"), ("B", None), ("S", "B")]


def key_value(rng: random.Random, kind: str) -> dict[str, str]:
    if kind == "N":  # equal numbers written differently, negatives, big and small
        return {"N": rng.choice(["1", "1.0", "-3", "10", "2.50", "1E+2", "0.001", "123456789012345678901234567890"])
                     if rng.random() < 0.3 else str(rng.randint(-500, 500))}
    if kind == "B":
        return {"B": base64.b64encode(rng.randbytes(rng.randint(1, 3))).decode()}
    return {"S": rng.choice(["a", "b", "B", "é", "a b", "zz", "10", "9"]) + str(rng.randint(0, 60))}


def other(rng: random.Random) -> dict[str, Any]:
    return rng.choice([{"S": "x" * rng.randint(5000, 40000)}, {"N": str(rng.randint(0, 9))},
                       {"M": {"l": {"L": [{"SS": ["a", "b"]}, {"NULL": True}]}, "n": {"N": "1.50"}}},
                       {"NS": ["1", "2.5"]}, {"BOOL": True}])


class Session:
    """One moto in this process; requests through its WSGI app, answers decoded (or the error raised)."""

    def __init__(self) -> None:
        self.client = Client(DomainDispatcherApplication(create_backend_app))

    def __call__(self, target: str, body: dict[str, Any]) -> Any:
        try:
            response = self.client.post("/", data=json.dumps(body).encode(),
                                        headers={**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{target}"})
        except Exception as error:  # noqa: BLE001 - the error itself is compared
            return "raised", type(error).__name__, str(error)
        return response.status_code, json.loads(response.data) if response.data else None


def table(session: Session, rng: random.Random, name: str, hash_type: str, range_type: str | None) -> int:
    """A table with 400 puts (some keys repeat: overwrites) and some deletes; returns how many items it holds."""
    keys = [{"AttributeName": "h", "KeyType": "HASH"}] + ([{"AttributeName": "r", "KeyType": "RANGE"}]
                                                            if range_type else [])
    definitions = [{"AttributeName": "h", "AttributeType": hash_type}, {"AttributeName": "g", "AttributeType": "S"}]
    definitions += [{"AttributeName": "r", "AttributeType": range_type}] if range_type else []
    status, answer = session("CreateTable", {
        "TableName": name, "KeySchema": keys, "AttributeDefinitions": definitions, "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}]})
    assert status == 200, answer
    stored = {}
    for n in range(400):
        key = {"h": key_value(rng, hash_type), **({"r": key_value(rng, range_type)} if range_type else {})}
        item = {**key, "v": {"N": str(n)}, "o": other(rng), **({"g": {"S": f"g{n % 7}"}} if n % 3 else {})}
        assert session("PutItem", {"TableName": name, "Item": item})[0] == 200
        stored[json.dumps(session("GetItem", {"TableName": name, "Key": key})[1]["Item"], sort_keys=True)] = key
    for key in list(stored.values())[::9]:  # holes in the table's dict
        assert session("DeleteItem", {"TableName": name, "Key": key})[0] == 200
    return session("DescribeTable", {"TableName": name})[1]["Table"]["ItemCount"]


def pages(session: Session, request: dict[str, Any]) -> list[Any]:
    """Every page of a Scan, following LastEvaluatedKey."""
    out = []
    while True:
        answer = session("Scan", request)
        out.append(answer)
        if answer[0] != 200 or "LastEvaluatedKey" not in answer[1] or len(out) > 500:
            return out
        request = {**request, "ExclusiveStartKey": answer[1]["LastEvaluatedKey"]}


REQUESTS = [
    {},
    {"Limit": 7},
    {"Limit": 50, "ScanFilter": {"v": {"AttributeValueList": [{"N": "200"}], "ComparisonOperator": "GT"}}},
    {"Limit": 30, "FilterExpression": "attribute_exists(g)", "ProjectionExpression": "h, v"},
    {"Limit": 25, "Segment": 1, "TotalSegments": 3},
    {"Limit": 40, "IndexName": "by-g"},
    {"Limit": 60, "ConsistentRead": True},
]


def session_answers(hash_type: str, range_type: str | None) -> list[Any]:
    session, rng = Session(), random.Random(f"{hash_type}{range_type}")
    with mock_aws():
        answers: list[Any] = [table(session, rng, "t", hash_type, range_type)]
        answers += [pages(session, {"TableName": "t", **request}) for request in REQUESTS]
        start = {"h": key_value(rng, hash_type), **({"r": key_value(rng, range_type)} if range_type else {})}
        odd_starts = [start, {"h": start["h"]}, {**start, "x": {"S": "1"}}, {"h": {"BOOL": True}},
                      {**start, "h": {"N": "not a number"}}, {**start, "h": {"N": "NaN"}},
                      {"h": {"S": "a"}, "r": {"S": "a"}}, {}]
        answers += [session("Scan", {"TableName": "t", "Limit": 5, "ExclusiveStartKey": s}) for s in odd_starts]
    return answers


@pytest.fixture()
def moto_patched():
    patch_moto()
    yield
    patch_moto()


@pytest.mark.parametrize(("hash_type", "range_type"), SCHEMAS)
def test_every_page_is_moto_s(moto_patched, hash_type, range_type):
    fast = session_answers(hash_type, range_type)
    moto_scan_speed.unpatch()
    moto = session_answers(hash_type, range_type)
    assert fast == moto
    count, full, small_pages = moto[0], moto[1], moto[2]
    assert 200 < count < 400 and sum(len(page[1]["Items"]) for page in full) == count  # every item once
    assert len(full) > 1 and len(small_pages) > count // 7


def test_a_deep_copy_is_an_equal_tree_with_moto_s_sharing():
    shared = DynamoType({"SS": ["a"]})
    item = Item(DynamoType({"S": "k"}), None, {"h": {"S": "k"}, "m": {"M": {"l": {"L": [{"N": "1"}, {"NULL": True}]},
                                                                        "b": {"B": "AAE="}}}})
    item.attrs["x"] = item.attrs["y"] = shared  # one value under two names, and twice in one map
    item.attrs["z"] = DynamoType({"M": {}})
    item.attrs["z"].value.update(a=shared, b=shared)
    moto_scan_speed.patch()
    try:
        fast = copy.deepcopy(item)
    finally:
        moto_scan_speed.unpatch()
    moto = copy.deepcopy(item)
    assert fast == moto == item and fast.to_json() == moto.to_json()
    assert fast.attrs["x"] is fast.attrs["y"] is fast.attrs["z"].value["a"] is fast.attrs["z"].value["b"]
    assert fast.attrs["x"] is not shared
    assert fast.attrs["m"].value["l"].value is not item.attrs["m"].value["l"].value
    fast.attrs["m"].value["l"].value.append(DynamoType({"S": "new"}))
    fast.attrs["x"].value.append("b")
    assert item.attrs["m"].value["l"].value == moto.attrs["m"].value["l"].value and shared.value == ["a"]
