"""DynamoDB and DynamoDB Streams requests answered without moto's Flask app get the answer moto's app gives."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from local_stack import moto_wsgi_speed
from local_stack.moto_server import patch_moto

HEADERS = {"Content-Type": "application/x-amz-json-1.0",
           "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=host, Signature=0"}
TABLE = {"TableName": "t", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
         "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
ITEM = {"pk": {"S": "a"}, "n": {"N": "12345678901234567890.5"}, "m": {"M": {"l": {"L": [{"B": "AAE="}]}}},
        "s": {"SS": ["x", "y"]}}
# (target, body): deterministic answers, errors included (their status, type and message must be moto's)
REQUESTS = [
    ("DynamoDB_20120810.PutItem", {"TableName": "t", "Item": ITEM}),
    ("DynamoDB_20120810.BatchWriteItem", {"RequestItems": {"t": [
        {"PutRequest": {"Item": {**ITEM, "pk": {"S": f"k{n}"}}}} for n in range(25)]}}),
    ("DynamoDB_20120810.GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}, "ConsistentRead": True}),
    ("DynamoDB_20120810.BatchGetItem", {"RequestItems": {"t": {"Keys": [{"pk": {"S": f"k{n}"}} for n in range(3)]}}}),
    ("DynamoDB_20120810.Query", {"TableName": "t", "KeyConditionExpression": "pk = :p",
                                 "ExpressionAttributeValues": {":p": {"S": "k1"}}}),
    ("DynamoDB_20120810.PutItem", {"TableName": "t", "Item": {"pk": {"S": "b"}, "x": {"N": "not a number"}}}),
    ("DynamoDB_20120810.PutItem", {"TableName": "missing", "Item": ITEM}),
    ("DynamoDB_20120810.GetItem", {"TableName": "missing", "Key": {"pk": {"S": "a"}}}),
    ("DynamoDB_20120810.GetItem", {"TableName": "t"}),  # moto raises: a 500 from the server either way
    ("DynamoDB_20120810.NoSuchAction", {}),
    ("DynamoDB_20120810.ListTables", {}),
    ("DynamoDBStreams_20120810.DescribeStream",
     {"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/x/stream/y"}),
    ("DynamoDBStreams_20120810.GetRecords", {"ShardIterator": "not an iterator"}),
]


def session(origin: bool = False) -> list[tuple[Any, ...]]:
    """Every request of REQUESTS on a fresh moto (after creating the table): status, headers and decoded body, or
    the exception moto raised (the server turns it into a 500)."""
    client = Client(DomainDispatcherApplication(create_backend_app))
    extra = {"Origin": "http://localhost"} if origin else {}
    out = []
    with mock_aws():
        for target, body in [("DynamoDB_20120810.CreateTable", TABLE), *REQUESTS]:
            try:
                response = client.post("/", data=json.dumps(body).encode(),
                                       headers={**HEADERS, **extra, "X-Amz-Target": target})
            except Exception as error:  # noqa: BLE001 - the error itself is what is compared
                out.append(("raised", type(error).__name__, str(error)))
                continue
            headers = {k: v for k, v in response.headers.items() if k.lower() != "x-amzn-requestid"}
            decoded = json.loads(response.data) if response.data else None
            if target.endswith("CreateTable"):
                assert response.status_code == 200, response.data
                continue
            out.append((response.status_code, headers, decoded))
    return out


@pytest.fixture()
def routes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stack's moto; each request of this test's thread that went through moto's dispatcher (Flask) is noted.
    The session's in-process moto serves the runner from its own threads meanwhile; its requests are not this test's."""
    patch_moto()
    taken: list[str] = []
    original = DomainDispatcherApplication.get_application
    test_thread = threading.get_ident()

    def noted(self: Any, environ: dict[str, Any]) -> Any:
        if threading.get_ident() == test_thread:
            taken.append(environ.get("HTTP_X_AMZ_TARGET", environ.get("PATH_INFO")))
        return original(self, environ)

    monkeypatch.setattr(DomainDispatcherApplication, "get_application", noted)
    yield taken
    patch_moto()


def test_json_protocol_requests_skip_flask_and_get_moto_s_answers(routes: list[str]) -> None:
    fast = session()
    assert routes == [], "these requests should not have gone through moto's Flask app"
    moto_wsgi_speed.unpatch()
    moto = session()
    assert len(routes) == len(REQUESTS) + 1
    assert fast == moto
    assert [answer[0] for answer in moto] == [200] * 5 + [400] * 3 + ["raised"] * 2 + [200, 400, "raised"]
    assert moto[2][2]["Item"] == ITEM  # what was written is read back, every digit
    assert all(h["Content-Type"] == "application/x-amz-json-1.0" for _, h, _ in moto[:5])


def test_a_request_with_an_origin_takes_moto_s_route_for_its_cors_headers(routes: list[str]) -> None:
    answers = session(origin=True)
    assert len(routes) == len(REQUESTS) + 1
    assert all(answer[1].get("Access-Control-Allow-Origin") for answer in answers if answer[0] != "raised")


def test_requests_of_other_threads_through_flask_are_not_counted(routes: list[str]) -> None:
    """What the session's in-process moto does meanwhile (its own threads) must not be counted as this test's."""
    stop = threading.Event()
    other = Client(DomainDispatcherApplication(create_backend_app))

    def through_flask() -> None:
        while not stop.is_set():
            other.post("/", data=b"{}", headers={**HEADERS, "Origin": "http://localhost",
                                                  "X-Amz-Target": "DynamoDB_20120810.ListTables"})

    thread = threading.Thread(target=through_flask)
    thread.start()
    try:
        session()
    finally:
        stop.set()
        thread.join()
    assert routes == []
