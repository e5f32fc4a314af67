"""The compiled JSON parser and serializer return exactly what moto's own JSONParser and JSONSerializer return.

Compared with strict equality: same types (dict vs XFormedDict, int vs float vs bool, bytes vs str), same key order.
Where the compiled code gives up (it raises), the patched handler methods must behave exactly as moto's.
"""

from __future__ import annotations

import datetime
import json
import random
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.serialize import create_serializer
from moto import mock_aws
from moto.core.parse import JSONParser, XFormedDict
from moto.core.responses import ActionResult
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from test_moto_stream_reads import attribute

from local_stack import moto_json_speed
from local_stack.moto_json_compiler import Unsupported, compile_input, compile_output
from local_stack.moto_server import patch_moto

REGION = "us-east-1"
JSON_10 = "application/x-amz-json-1.0"
REQUEST_SERIALIZER = create_serializer("json", include_validation=False)


def same(fast: Any, moto: Any, path: str = "$") -> None:
    """Strict equality: types, dict key order and values, all the way down."""
    assert type(fast) is type(moto), f"{path}: {type(fast).__name__} != {type(moto).__name__}"
    if isinstance(moto, (dict, XFormedDict)):
        assert list(fast) == list(moto), f"{path}: keys {list(fast)} != {list(moto)}"
        for key in moto:
            same(fast[key], moto[key], f"{path}.{key}")
    elif isinstance(moto, list):
        assert len(fast) == len(moto), f"{path}: {len(fast)} items != {len(moto)}"
        for index, (a, b) in enumerate(zip(fast, moto)):
            same(a, b, f"{path}[{index}]")
    else:
        assert fast == moto, f"{path}: {fast!r} != {moto!r}"


def outcome(action: Any) -> tuple[Any, ...]:
    try:
        return ("ok", action())
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(error), str(error))


# --- requests -------------------------------------------------------------------------------------------

def item(rng: random.Random, attributes: int = 8) -> dict[str, Any]:
    return {"pk": {"S": f"k{rng.randint(0, 10**6)}"}, **{f"a{i}é": attribute(rng) for i in range(attributes)}}


def realistic_requests(rng: random.Random) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, operation, params) as the stack's clients send them."""
    key = lambda: {"pk": {"S": f"k{rng.randint(0, 999)}"}, "sk": {"N": str(rng.randint(0, 9) * 10**37 + 1)}}
    return [
        ("dynamodb", "PutItem", {"TableName": "t", "Item": item(rng), "ConditionExpression": "attribute_not_exists(#k)",
                                 "ExpressionAttributeNames": {"#k": "pk"}, "ReturnValues": "ALL_OLD",
                                 "ExpressionAttributeValues": {":v": {"N": "12345678901234567890123456789012345678"}}}),
        ("dynamodb", "PutItem", {"TableName": "t", "Item": {"pk": {"S": ""}, "e": {"M": {}}, "l": {"L": []},
                                                             "u": {"S": "\u2028😀\x00"}, "b": {"B": b""}}}),
        ("dynamodb", "BatchWriteItem", {"RequestItems": {
            "t": [{"PutRequest": {"Item": item(rng)}} for _ in range(25)],
            "u": [{"DeleteRequest": {"Key": key()}} for _ in range(3)]}, "ReturnConsumedCapacity": "TOTAL"}),
        ("dynamodb", "GetItem", {"TableName": "t", "Key": key(), "ConsistentRead": True,
                                 "ProjectionExpression": "a, #b", "ExpressionAttributeNames": {"#b": "b"}}),
        ("dynamodb", "BatchGetItem", {"RequestItems": {"t": {"Keys": [key() for _ in range(100)],
                                                             "ProjectionExpression": "pk, a0é"}}}),
        ("dynamodb", "Query", {"TableName": "t", "IndexName": "i", "KeyConditionExpression": "pk = :p AND sk > :s",
                               "ExpressionAttributeValues": {":p": {"S": "x"}, ":s": {"N": "-1.5E+10"}},
                               "ExclusiveStartKey": key(), "Limit": 50, "ScanIndexForward": False,
                               "FilterExpression": "attribute_exists(a)", "Select": "ALL_ATTRIBUTES"}),
        ("dynamodb", "Scan", {"TableName": "t", "Segment": 1, "TotalSegments": 4, "Limit": 1000,
                              "ExclusiveStartKey": key(), "ConsistentRead": False}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": key(), "UpdateExpression": "SET a = :a ADD c :one",
                                    "ExpressionAttributeValues": {":a": attribute(rng), ":one": {"N": "1"}},
                                    "ReturnValues": "UPDATED_NEW"}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": key(),
                                    "AttributeUpdates": {"x": {"Value": {"SS": ["a", "b"]}, "Action": "ADD"}},
                                    "Expected": {"y": {"Exists": False}}}),
        ("dynamodb", "DeleteItem", {"TableName": "t", "Key": key(), "ReturnValues": "ALL_OLD"}),
        ("dynamodb", "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "t", "Item": item(rng, 3)}},
            {"ConditionCheck": {"TableName": "t", "Key": key(), "ConditionExpression": "attribute_exists(pk)"}},
            {"Delete": {"TableName": "t", "Key": key()}}], "ClientRequestToken": "tok"}),
        ("dynamodb", "CreateTable", {"TableName": "t", "BillingMode": "PAY_PER_REQUEST",
                                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "B"}],
                                     "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                                     "Tags": [{"Key": "a", "Value": "b"}]}),
        ("dynamodb", "ListBackups", {"TableName": "t", "Limit": 3,
                                     "TimeRangeLowerBound": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000),
                                     "TimeRangeUpperBound": datetime.datetime(2025, 1, 1)}),
        ("dynamodb", "ListTables", {}),
        ("dynamodbstreams", "GetRecords", {"ShardIterator": "arn:aws:dynamodb:x/stream/y|1|AAA", "Limit": 1000}),
        ("dynamodbstreams", "GetShardIterator", {"StreamArn": "arn", "ShardId": "s", "ShardIteratorType":
                                                 "AFTER_SEQUENCE_NUMBER", "SequenceNumber": "1" * 38}),
        ("dynamodbstreams", "DescribeStream", {"StreamArn": "arn", "Limit": 100}),
    ]


# Bodies a client might send that the model does not expect: moto decides what they mean.
ODD_BODIES = [
    b"", b"null", b"[]", b"7", b"not json", b"\xff\xfe{", b'{"TableName": 5, "Unknown": {"x": 1}}',
    b'{"TableName": null, "Item": null}', b'{"Item": "x"}', b'{"Item": {"a": "b"}}', b'{"Item": {"a": {}}}',
    b'{"Item": {"a": {"S": "x", "N": "1"}}}', b'{"Item": {"a": {"S": null}}}', b'{"Item": {"a": {"B": "!!"}}}',
    b'{"Item": {"a": {"B": 5}}}', b'{"Item": {"a": {"L": "abc"}}}', b'{"Item": {"a": {"SS": "abc"}}}',
    b'{"Item": {"a": {"SS": {"x": 1}}}}', b'{"Item": {"a": {"M": []}}}', b'{"Item": {"a": {"NULL": false}}}',
    b'{"Item": {"a": {"BOOL": "yes"}, "b": {"Z": 1}}}', b'{"Item": {"a": {"BS": ["AAEC", "//8=", null]}}}',
    b'{"Item": {"a": {"M": {"b": {"L": [{"NS": ["1", 2]}, null]}}}}}', b'{"Item": {"a": {"N": 12}}}',
    b'{"Item": {"\\u00e9\\ud83d\\ude00": {"S": "\\u0000"}}}', b'{"Item": [["a", {"S": "b"}]]}',
    b'{"Item": {"a": {"L": [{"S": null}, {"S": "x"}, {"B": "AAE="}, {"Z": "y"}, {"S": "a", "N": "1"}, {}]}}}',
    b'{"Item": {"a": {"L": [{"S": "x"}, 5]}}}',
    b'{"Item": {"a": {"M": {"b": {"N": null}, "c": {"N": "1"}, "d": {"BS": ["AA=="]}, "e": {"Q": 1}}}}}',
]
LIMIT_BODIES = [b'{"TableName": "t", "Limit": "12"}', b'{"TableName": "t", "Limit": 1.7}',
                b'{"TableName": "t", "Limit": true}', b'{"TableName": "t", "Limit": "x"}',
                b'{"TableName": "t", "Limit": [1]}', b'{"TableName": "t", "Limit": null, "Segment": 0}']
TIMESTAMP_BODIES = [b'{"TimeRangeLowerBound": 1700000000.5}', b'{"TimeRangeLowerBound": "2024-01-02T03:04:05Z"}',
                    b'{"TimeRangeLowerBound": "yesterday"}', b'{"TimeRangeLowerBound": 1e400}']


def moto_parse(service: str, operation: str, body: bytes, map_type: type = dict) -> Any:
    model = get_service_model(service).operation_model(operation)
    return JSONParser(model, map_type=map_type).parse(
        {"body": body, "headers": {}, "method": "POST", "values": {}, "url_path": "/", "url_params": {}})


@pytest.mark.parametrize("map_type", [dict, XFormedDict])
@pytest.mark.parametrize("seed", range(3))
def test_realistic_requests_parse_as_moto_parses_them(seed, map_type):
    for service, operation, params in realistic_requests(random.Random(seed)):
        model = get_service_model(service).operation_model(operation)
        body = REQUEST_SERIALIZER.serialize_to_request(params, model)["body"]
        fast = compile_input(model, map_type)(body)
        same(fast, moto_parse(service, operation, body, map_type), f"{operation}")
        assert fast or not params  # the compiled path ran and kept the members


def test_every_attribute_type_parses_as_moto_parses_it():
    rng = random.Random(11)
    model = get_service_model("dynamodb").operation_model("PutItem")
    items = [item(rng, 40) for _ in range(30)]
    kinds = {next(iter(v)) for i in items for v in i.values()}
    assert kinds >= {"S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL", "M", "L"}
    for attributes in items:
        body = REQUEST_SERIALIZER.serialize_to_request({"TableName": "t", "Item": attributes}, model)["body"]
        same(compile_input(model, dict)(body), moto_parse("dynamodb", "PutItem", body))


class StubHandler:
    """What parse_parameters reads of a handler."""

    uri_match: dict[str, Any] = {}

    def __init__(self, service: str, action: str, map_type: type = dict) -> None:
        self.boto3_service_name, self.action, self.PROTOCOL_PARSER_MAP_TYPE = service, action, map_type

    def _get_action(self) -> str:
        return self.action


def parsed_by(parse: Any, handler: StubHandler, body: bytes, content_type: str = JSON_10) -> tuple[Any, ...]:
    request = SimpleNamespace(content_type=content_type, data=body, method="POST", values={}, headers={}, path="/")
    return outcome(lambda: (parse(handler, request), handler.params)[1])


@pytest.mark.parametrize("map_type", [dict, XFormedDict])
@pytest.mark.parametrize(("action", "body"), [("PutItem", b) for b in ODD_BODIES]
                         + [("Scan", b) for b in LIMIT_BODIES] + [("ListBackups", b) for b in TIMESTAMP_BODIES]
                         + [("NoSuchAction", b"{}")])
def test_odd_requests_end_as_moto_ends_them(action, body, map_type):
    fast = parsed_by(moto_json_speed._parse_parameters, StubHandler("dynamodb", action, map_type), body)
    moto = parsed_by(moto_json_speed._moto_parse_parameters, StubHandler("dynamodb", action, map_type), body)
    if fast[0] == "ok" and moto[0] == "ok":
        same(fast[1], moto[1])
    else:
        assert fast == moto


def test_other_protocols_are_left_to_moto():
    body = b"Action=ListTables"
    handler = StubHandler("dynamodb", "ListTables")
    fast = parsed_by(moto_json_speed._parse_parameters, handler, body, "application/x-www-form-urlencoded")
    assert fast == parsed_by(moto_json_speed._moto_parse_parameters, handler, body, "application/x-www-form-urlencoded")


# --- responses ------------------------------------------------------------------------------------------

def moto_body(service: str, operation: str, result: Any) -> str:
    model = get_service_model(service).operation_model(operation)
    serializer = JSONSerializer(operation_model=model, pretty_print=False, value_picker=XFormedAttributePicker())
    return serializer.serialize(result)["body"]


def fast_body(service: str, operation: str, result: Any) -> str:
    return json.dumps(compile_output(get_service_model(service).operation_model(operation))(result))


def stored(rng: random.Random) -> dict[str, Any]:
    """An item as moto's DynamoResult hands it to the serializer (binary values as bytes)."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    return dynamo_to_dict({name: DynamoType(value) for name, value in item(rng).items()})


def realistic_results(rng: random.Random) -> list[tuple[str, Any]]:
    capacity = {"TableName": "t", "CapacityUnits": 1, "Table": {"CapacityUnits": 0.5},
                "GlobalSecondaryIndexes": {"i": {"CapacityUnits": 2.0}}}
    return [
        ("GetItem", {"Item": stored(rng), "ConsumedCapacity": capacity}),
        ("GetItem", {}),
        ("BatchGetItem", {"ConsumedCapacity": [{"CapacityUnits": 100, "TableName": "t"}],
                          "Responses": {"t": [stored(rng) for _ in range(100)], "u": []},
                          "UnprocessedKeys": {"t": {"Keys": [{"pk": {"B": b"\x00\xff"}}], "ConsistentRead": None}}}),
        ("Query", {"Items": [stored(rng) for _ in range(20)], "Count": 20, "ScannedCount": 25,
                   "LastEvaluatedKey": {"pk": {"S": "x"}, "sk": {"N": "1"}}, "ConsumedCapacity": capacity}),
        ("Scan", {"Items": [], "Count": 0, "ScannedCount": 0}),
        ("PutItem", {"Attributes": stored(rng)}),
        ("BatchWriteItem", {"ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.0, "Table":
                                                  {"CapacityUnits": 1.0}}], "ItemCollectionMetrics": {},
                            "UnprocessedItems": {"t": [{"PutRequest": {"Item": stored(rng)}}, {"DeleteRequest": {
                                "Key": {"pk": {"S": "k"}}}}]}}),
        ("UpdateItem", {"Attributes": {"n": {"N": "12345678901234567890123456789012345678"}}}),
        ("DeleteItem", None),
        ("DescribeTable", {"Table": {"TableName": "t", "CreationDateTime": datetime.datetime(2024, 1, 2, 3, 4, 5, 6789),
                                     "ItemCount": "12", "TableSizeBytes": 3.0, "TableStatus": "ACTIVE",
                                     "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_realistic_results_serialize_to_moto_bytes(seed):
    for operation, result in realistic_results(random.Random(seed)):
        assert fast_body("dynamodb", operation, result) == moto_body("dynamodb", operation, result), operation


@pytest.mark.parametrize("result", [
    {"Item": {"a": {"S": None, "N": None}}, "Unknown": 1},  # None members dropped, unknown ones too
    {"item": {"a": {"s": "snake"}}},  # moto also finds members under their snake_case names
    {"Item": {"a": {"S": "first"}}, "item": {"a": {"S": "second"}}},  # ... the model's name first
    {"Item": {"a": {"SS": ["x", None], "L": [None, {"NULL": True}], "M": {"b": None}}}},
    {"Item": {"a": {"B": "text is encoded", "BS": [b"", "x"], "BOOL": 0, "N": 5}}},
    {"Item": {"\u2028😀": {"S": "\x00"}, "e": {"M": {}}, "l": {"L": []}, "s": {"S": ""}}},
    {"ConsumedCapacity": {"CapacityUnits": "1.5", "ReadCapacityUnits": 2, "TableName": 7}},
    {"ConsumedCapacity": {"CapacityUnits": True}},
])
def test_odd_results_serialize_to_moto_bytes(result):
    assert fast_body("dynamodb", "GetItem", result) == moto_body("dynamodb", "GetItem", result)


@pytest.mark.parametrize("result", [
    {"Item": {"a": object()}},  # an object: moto looks up its attributes
    {"Item": {"a": {"L": (x for x in [])}}},  # a generator must not be consumed before moto reads it
    {"Item": {"a": {"M": {"": {"S": "x"}}}}},  # moto writes a structure under an empty key into its parent
    {"Item": {"": {"S": "x"}}},
])
def test_what_the_compiled_code_does_not_reproduce_is_refused(result):
    with pytest.raises(Unsupported):
        fast_body("dynamodb", "GetItem", result)


def handler_for(cls: type, target: str, content_type: str = JSON_10) -> Any:
    handler = cls()
    handler.querystring, handler.response_headers = {}, {"server": "amazon.com"}
    handler.headers = {"Content-Type": content_type, "X-Amz-Target": target}
    return handler


@pytest.mark.parametrize("result", [
    ActionResult({"Item": {"a": {"S": "x"}}}), ActionResult({"ConsumedCapacity": {"CapacityUnits": "x"}}),
    ActionResult({"Item": {"a": {"L": (x for x in [{"S": "generated"}])}}}), ActionResult(None),
    ActionResult(ValueError("not a ServiceException")),
])
def test_patched_serialized_answers_as_moto(result):
    handler = handler_for(DynamoHandler, "DynamoDB_20120810.GetItem")
    fast = outcome(lambda: moto_json_speed._serialized(handler, result))
    if isinstance(result.result, dict) and "L" in str(result.result):  # the generator was read once above
        result = ActionResult({"Item": {"a": {"L": (x for x in [{"S": "generated"}])}}})
    assert fast == outcome(lambda: moto_json_speed._moto_serialized(handler, result))


def test_every_result_of_a_moto_session_serializes_as_moto_serializes_it(monkeypatch):
    """Real results: every ActionResult DynamoDB and DynamoDB Streams produce while the stack's operations run."""
    seen: list[tuple[Any, ActionResult]] = []

    def record(self: Any, action_result: ActionResult) -> Any:
        seen.append((self, action_result))
        return moto_json_speed._moto_serialized(self, action_result)

    patch_moto()
    for cls in (DynamoHandler, DynamoDBStreamsHandler):
        monkeypatch.setattr(cls, "serialized", record)
    rng = random.Random(5)
    with mock_aws():
        db, streams = boto3.client("dynamodb", region_name=REGION), boto3.client("dynamodbstreams", region_name=REGION)
        db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST",
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        items = [item(rng) for _ in range(60)]
        for start in range(0, 50, 25):
            db.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]},
                                ReturnConsumedCapacity="TOTAL")
        for i in items[50:]:
            db.put_item(TableName="t", Item=i, ReturnValues="ALL_OLD", ReturnConsumedCapacity="INDEXES")
        db.put_item(TableName="t", Item={**items[0], "x": {"N": "1"}}, ReturnValues="ALL_OLD")
        with pytest.raises(db.exceptions.ConditionalCheckFailedException):
            db.put_item(TableName="t", Item=items[1], ConditionExpression="attribute_not_exists(pk)")
        db.update_item(TableName="t", Key={"pk": items[2]["pk"]}, UpdateExpression="SET x = :x",
                       ExpressionAttributeValues={":x": {"L": [{"B": b"\x00"}, {"NS": ["1", "2.5"]}]}},
                       ReturnValues="ALL_NEW")
        db.delete_item(TableName="t", Key={"pk": items[3]["pk"]}, ReturnValues="ALL_OLD")
        db.get_item(TableName="t", Key={"pk": items[4]["pk"]})
        db.get_item(TableName="t", Key={"pk": {"S": "missing"}})
        db.batch_get_item(RequestItems={"t": {"Keys": [{"pk": i["pk"]} for i in items[:100]]}})
        db.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": items[5]["pk"]})
        db.scan(TableName="t", Limit=10)
        db.scan(TableName="t")
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": item(rng)}}])
        db.describe_table(TableName="t")
        db.list_tables()
        arn = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        streams.list_streams()
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    compiled = 0
    for handler, action_result in seen:
        assert moto_json_speed._serialized(handler, action_result) == moto_json_speed._moto_serialized(
            handler, action_result), handler._get_action()
        if not isinstance(action_result.result, Exception):
            operation = get_service_model(handler.boto3_service_name).operation_model(handler._get_action())
            moto_json_speed._output(operation)[0](action_result.result)  # the compiled path, not moto's
            compiled += 1
    assert compiled == len(seen) >= 20


def test_dynamodb_results_become_the_plain_values_moto_makes_of_them():
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    rng = random.Random(9)
    values = [attribute(rng) for _ in range(300)] + [{"B": "AAE="}, {"BS": ["AAE=", b"\x01"]}, {"NULL": True}]
    typed = [DynamoType(v) for v in values]
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "b": {"B": "//8="}})
    results = [
        {"Items": [{"a": t} for t in typed], "Count": 3, "ScannedCount": 3.5, "LastEvaluatedKey": None},
        {"Table": {"CreationDateTime": datetime.datetime(2024, 1, 1), "Item": item, "Flags": [True, None, b"x"]}},
        typed, item, "text", None, (DynamoType({"S": "in a tuple"}),),
    ]
    for result in results:
        same(moto_json_speed._dynamo_to_dict(result), moto_json_speed._moto_dynamo_to_dict(result))


def test_the_stack_s_operations_answer_the_same_over_the_wire_patched_and_unpatched():
    """Writes then reads through boto3 (which checks each body's CRC32): the same answers, headers and items."""
    from local_stack import moto_write_speed

    def session(db: Any, streams: Any) -> list[Any]:
        rng = random.Random(21)
        db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                                  {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"},
                                              {"AttributeName": "sk", "AttributeType": "N"}],
                        BillingMode="PAY_PER_REQUEST",
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        items = [{**item(rng), "pk": {"B": bytes([n % 5, 0, 255])}, "sk": {"N": str(n)}} for n in range(60)]
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in items]
        answers = [db.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": i}} for i in items[s:s + 25]]})
                   for s in range(0, 60, 25)]
        answers += [
            db.put_item(TableName="t", Item={**items[0], "x": {"S": "new"}}, ReturnValues="ALL_OLD"),
            db.update_item(TableName="t", Key=keys[1], UpdateExpression="SET y = :y REMOVE #a",
                           ExpressionAttributeNames={"#a": "a0é"},
                           ExpressionAttributeValues={":y": {"M": {"z": {"BS": [b"\x00", b"\x01"]}}}},
                           ReturnValues="ALL_NEW", ReturnConsumedCapacity="TOTAL"),
            db.delete_item(TableName="t", Key=keys[2], ReturnValues="ALL_OLD"),
            db.get_item(TableName="t", Key=keys[3], ProjectionExpression="pk, sk, #a",
                        ExpressionAttributeNames={"#a": "a1é"}),
            db.batch_get_item(RequestItems={"t": {"Keys": keys[:100]}}),
            db.query(TableName="t", KeyConditionExpression="pk = :p AND sk > :s",
                     ExpressionAttributeValues={":p": items[4]["pk"], ":s": {"N": "3"}}, ScanIndexForward=False),
            *db.get_paginator("scan").paginate(TableName="t", PaginationConfig={"PageSize": 7}),
        ]
        arn = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        answers.append([{**r, "eventID": None, "dynamodb": {**r["dynamodb"], "ApproximateCreationDateTime": None,
                                                            "SizeBytes": None}} for r in records])
        answers.append([r["dynamodb"]["SizeBytes"] for r in records])
        db.delete_table(TableName="t")
        for answer in answers[:-2]:
            headers = answer.pop("ResponseMetadata")["HTTPHeaders"]
            answer["headers"] = {name: headers[name] for name in ("content-type", "x-amz-crc32")}
        return answers

    patch_moto()
    with mock_aws():
        clients = boto3.client("dynamodb", region_name=REGION), boto3.client("dynamodbstreams", region_name=REGION)
        fast = session(*clients)
        moto_json_speed.unpatch()
        moto_write_speed.unpatch()
        try:
            slow = session(*clients)
        finally:
            patch_moto()
    assert len(fast) == len(slow) > 10 and len(fast[-2]) == 63  # 60 INSERTs, 2 MODIFYs, a REMOVE
    for index, (a, b) in enumerate(zip(fast[:-1], slow[:-1])):
        assert a == b, index
    # moto measures SizeBytes with the record's time in microseconds, whose printed length varies by a few digits
    assert all(abs(a - b) <= 6 for a, b in zip(fast[-1], slow[-1]))


@pytest.mark.parametrize("map_type", [dict, XFormedDict])
@pytest.mark.parametrize(("service", "operation", "params"), [
    ("kinesis", "PutRecords", {"StreamName": "s", "Records": [{"Data": b"\x00\xff", "PartitionKey": "p"},
                                                               {"Data": b"", "PartitionKey": "é"}]}),
    ("logs", "PutLogEvents", {"logGroupName": "g", "logStreamName": "s",
                              "logEvents": [{"timestamp": 1700000000123, "message": "m"}]}),
    ("events", "PutEvents", {"Entries": [{"Time": datetime.datetime(2024, 5, 6, 7, 8, 9, 10000), "Detail": "{}",
                                          "Source": "s", "DetailType": "d", "Resources": []}]}),
    ("sqs", "SendMessageBatch", {"QueueUrl": "q", "Entries": [{"Id": "1", "MessageBody": "b", "DelaySeconds": 3,
                                 "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": b"\x01"},
                                                       "n": {"DataType": "Number", "StringValue": "1.5"}}}]}),
    ("identitystore", "UpdateUser", {"IdentityStoreId": "d-1", "UserId": "u", "Operations": [
        {"AttributePath": "name", "AttributeValue": {"nested": [1, 2.5, None, {"x": True}]}},
        {"AttributePath": "nickName", "AttributeValue": None}]}),
])
def test_other_json_services_parse_as_moto_parses_them(service, operation, params, map_type):
    """The parser is patched for every handler: timestamps, blobs, longs, maps and document types of other models."""
    model = get_service_model(service).operation_model(operation)
    body = REQUEST_SERIALIZER.serialize_to_request(params, model)["body"]
    fast = compile_input(model, map_type)(body)
    same(fast, moto_parse(service, operation, body, map_type))
    assert len(fast) == len(params)


@pytest.mark.parametrize("body", ['{"Items": []}', "<R><RequestId>old</RequestId></R>", b"\x00<RequestId>x</RequestId>",
                                  '{"S": "<RequestId>in a value</RequestId>"}', ""])
def test_responses_are_enriched_as_moto_enriches_them(body, moto_random):
    """The same headers (request id, status as text) and body, with the request-id search skipped for most bodies."""
    moto_random.seed(3)
    fast = moto_json_speed._enrich_response({"status": 200}, body)
    moto_random.seed(3)
    assert fast == moto_json_speed._moto_enrich_response({"status": 200}, body)
    assert fast[0]["x-amzn-requestid"] and fast[0]["status"] == "200"
