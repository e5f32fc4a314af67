"""An item's kept JSON text and size (moto_item_json) are always the item's own: every kind of write, then the stream
and every read, answer exactly as moto without the speed patches answers; and the kept values of every stored item
equal what moto computes from the item, so one left stale by an in-place change is caught."""

from __future__ import annotations

import copy
import json
import random
import threading
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from test_moto_stream_reads import attribute

from local_stack import moto_item_json, moto_json_compiler, moto_stream_writes
from local_stack.moto_json_compiler import Preserialized, dump_with_texts
from local_stack.moto_server import SPEED_PATCHES, patch_moto

ACCOUNT, REGION = "123456789012", "us-east-1"


def stale(table: Any) -> list[str]:
    """The stored items whose kept text or size is not what moto computes from them now."""
    found = []
    for item in table.all_items():
        kept = vars(item.attrs)
        if moto_item_json._TEXT in kept:
            try:
                text = moto_item_json.DUMP(item.to_json()["Attributes"])
            except TypeError:  # binary values
                text = None
            if kept[moto_item_json._TEXT] != (text, text is not None and moto_item_json.plain(text)):
                found.append(f"text of {item.hash_key.value}/{item.range_key.value}")
        if moto_item_json._SIZE in kept and kept[moto_item_json._SIZE] != moto_item_json._moto_item_size(item):
            found.append(f"size of {item.hash_key.value}/{item.range_key.value}")
    return found


def strip(answer: Any) -> Any:
    """A response without what differs between two runs (request ids, record ids and times), CRC32 kept."""
    if isinstance(answer, dict) and "ResponseMetadata" in answer:
        headers = answer.pop("ResponseMetadata")["HTTPHeaders"]
        answer["crc32"] = headers.get("x-amz-crc32")
    if isinstance(answer, dict) and "Records" in answer:
        answer.pop("crc32", None)  # records carry random ids, the time and a random iterator
        answer["NextShardIterator"] = None
        answer["SizeBytes"] = []  # compared apart (see below)
        for record in answer["Records"]:
            record["eventID"] = None
            record["dynamodb"]["ApproximateCreationDateTime"] = None
            answer["SizeBytes"].append(record["dynamodb"].pop("SizeBytes"))
    return answer


def session(checks: list[list[str]] | None, view: str) -> list[Any]:
    """Every kind of write the stack's moto takes, each followed by reads of the item it wrote; then the stream and
    whole-table reads with and without projections. `checks` (patched runs): `stale()` after each step."""
    db = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = db.create_table(
        TableName="t", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]["LatestStreamArn"]
    table = dynamodb_backends[ACCOUNT][REGION].tables["t"]
    rng = random.Random(3)
    keys = [{"pk": {"S": f"k{n % 4}"}, "sk": {"N": str(n)}} for n in range(40)]
    items = [{**key, "n": {"N": "1"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
              "m": {"M": {"a": {"M": {"b": {"S": "x"}, "c": {"L": [{"N": "1"}]}}}}},
              "l": {"L": [{"S": "p"}, {"S": "q"}]},
              **{f"r{i}": attribute(rng, binary=n % 5 == 4) for i in range(rng.randint(0, 5))}}
             for n, key in enumerate(keys)]
    answers: list[Any] = []

    def step(write: Any, key: dict[str, Any] | None = None) -> None:
        try:
            answers.append(strip(write()))
        except db.exceptions.ClientError as error:
            answers.append(error.response["Error"]["Code"])
        if key is not None:
            answers.append(strip(db.get_item(TableName="t", Key=key)))
            answers.append(strip(db.batch_get_item(RequestItems={"t": {"Keys": [key]}})))
        if checks is not None:
            checks.append(stale(table))

    def update(n: int, expression: str, values: dict[str, Any] | None = None, **more: Any) -> None:
        step(lambda: db.update_item(TableName="t", Key=keys[n], UpdateExpression=expression,
                                    **({"ExpressionAttributeValues": values} if values else {}),
                                    ReturnValues="ALL_NEW", **more), keys[n])

    for start in range(0, 30, 10):
        step(lambda s=start: db.batch_write_item(
            RequestItems={"t": [{"PutRequest": {"Item": i}} for i in items[s:s + 10]]}))
    step(lambda: db.put_item(TableName="t", Item={**items[0], "n": {"N": "9"}}, ReturnValues="ALL_OLD"), keys[0])
    update(1, "SET m.a.b = :v, n = n + :one", {":v": {"S": "changed"}, ":one": {"N": "1"}})
    update(2, "ADD ss :s, n :one", {":s": {"SS": ["c"]}, ":one": {"N": "2"}})  # the stored set grows in place
    update(2, "ADD ss :s", {":s": {"SS": ["d"]}})
    update(3, "REMOVE m.a.c[0], l[0]")
    update(4, "SET l = list_append(l, :more), m.a.c[0] = :z",
           {":more": {"L": [{"BOOL": True}]}, ":z": {"NULL": True}})
    update(5, "DELETE ss :s, ns :n", {":s": {"SS": ["a"]}, ":n": {"NS": ["2.5"]}})
    update(6, "SET #new = :b", {":b": {"B": b"\x00\xff"}}, ExpressionAttributeNames={"#new": "bin"})
    update(6, "REMOVE bin")  # back to an item without binary values
    step(lambda: db.update_item(TableName="t", Key=keys[7], AttributeUpdates={
        "n": {"Action": "ADD", "Value": {"N": "5"}}, "x": {"Action": "PUT", "Value": {"S": "y"}},
        "m": {"Action": "DELETE"}, "ss": {"Action": "DELETE", "Value": {"SS": ["b"]}}},
        ReturnValues="ALL_NEW"), keys[7])
    update(35, "SET a = :v", {":v": {"S": "created by an update"}})
    update(8, "SET n = :v", {":v": {"N": "0"}}, ConditionExpression="n = :v")  # fails: nothing changes
    step(lambda: db.delete_item(TableName="t", Key=keys[9], ReturnValues="ALL_OLD"), keys[9])
    step(lambda: db.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": {**items[10], "n": {"N": "10"}}}},
        {"Update": {"TableName": "t", "Key": keys[11], "UpdateExpression": "SET m.a.b = :v, ss = :s",
                    "ExpressionAttributeValues": {":v": {"S": "t"}, ":s": {"SS": ["z"]}}}}]), keys[11])
    step(lambda: db.transact_write_items(TransactItems=[  # cancelled: the update of 12 is rolled back
        {"Update": {"TableName": "t", "Key": keys[12], "UpdateExpression": "SET m.a.b = :v, n = n + :v",
                    "ExpressionAttributeValues": {":v": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "t", "Key": keys[13], "ConditionExpression": "attribute_not_exists(pk)"}}]),
        keys[12])
    update(12, "ADD ss :s", {":s": {"SS": ["after the rollback"]}})
    step(lambda: db.execute_statement(Statement="UPDATE t SET x = 'partiql' WHERE pk = ? AND sk = ?",
                                            Parameters=[keys[14]["pk"], keys[14]["sk"]]),
         keys[14])
    step(lambda: db.batch_write_item(RequestItems={"t": [
        {"PutRequest": {"Item": {**items[15], "ss": {"SS": ["new"]}}}}, {"PutRequest": {"Item": items[30]}},
        {"DeleteRequest": {"Key": keys[16]}}]}), keys[15])
    update(30, "SET m.a.b = :v", {":v": {"M": {"deep": {"SS": ["x"]}}}})
    update(30, "ADD m.a.b.deep :s", {":s": {"SS": ["y"]}})

    projected = {"ProjectionExpression": "pk, sk, m.a.b, #s", "ExpressionAttributeNames": {"#s": "ss"}}
    for n in (0, 1, 2, 30):
        answers.append(strip(db.get_item(TableName="t", Key=keys[n], **projected)))
    answers.append(strip(db.batch_get_item(RequestItems={"t": {"Keys": keys[:36]}})))
    answers.append(strip(db.batch_get_item(RequestItems={"t": {"Keys": keys[:36], **projected}})))
    answers.append(strip(db.batch_get_item(RequestItems={"t": {"Keys": keys[:36], "AttributesToGet": ["pk", "n"]}})))
    for query in ({}, projected, {"Limit": 3},
                  {"FilterExpression": "n > :z", "ExpressionAttributeValues": {":z": {"N": "1"}}}):
        answers.append(strip(db.scan(TableName="t", **query)))
    answers.append(strip(db.query(TableName="t", KeyConditionExpression="pk = :p", ScanIndexForward=False,
                                  ExpressionAttributeValues={":p": {"S": "k2"}})))
    answers.append(strip(db.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={
        ":p": {"S": "k3"}}, ProjectionExpression="sk, l")))
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    answers.append(strip(streams.get_records(ShardIterator=iterator["ShardIterator"])))
    return answers


def run_patched(checks: list[list[str]] | None, view: str = "NEW_AND_OLD_IMAGES") -> list[Any]:
    patch_moto()
    with mock_aws():
        return session(checks, view)


def run_unpatched(view: str = "NEW_AND_OLD_IMAGES") -> list[Any]:
    patch_moto()
    for module in SPEED_PATCHES:
        module.unpatch()
    try:
        with mock_aws():
            return session(None, view)
    finally:
        patch_moto()


# Texts kept from stream images (NEW_AND_OLD_IMAGES) or from reads (KEYS_ONLY: no image is made)
@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "KEYS_ONLY"])
def test_every_write_then_stream_and_reads_answer_as_moto_without_the_speed_patches(view):
    checks: list[list[str]] = []
    fast = run_patched(checks, view)
    slow = run_unpatched(view)
    assert len(fast) == len(slow) > 70
    # moto measures SizeBytes with the record's time in microseconds, whose printed length varies by a few digits
    sizes = fast[-1].pop("SizeBytes"), slow[-1].pop("SizeBytes")
    assert len(sizes[0]) == len(sizes[1]) and all(abs(a - b) <= 6 for a, b in zip(*sizes))
    for index, (a, b) in enumerate(zip(fast, slow)):
        assert a == b, index
    records = fast[-1]["Records"]
    assert len(records) > 40 and {r["eventName"] for r in records} == {"INSERT", "MODIFY", "REMOVE"}
    assert checks and not any(checks), [found for found in checks if found]


def test_the_check_finds_a_text_left_stale_by_an_in_place_update(monkeypatch):
    """Without dropping the kept values before UpdateItem changes an item in place, `stale()` and the answers differ
    (so the test above would turn red)."""
    monkeypatch.setattr(moto_item_json, "forget", lambda item: None)
    checks: list[list[str]] = []
    fast = run_patched(checks)
    assert any(checks)
    monkeypatch.undo()
    assert fast != run_unpatched()


@pytest.fixture()
def table_t() -> Any:
    """An in-process patched moto with table "t" (hash key pk, KEYS_ONLY stream) holding item "a"; yields the
    client and the stored item."""
    patch_moto()
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)
        db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST",
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        db.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"S": "x"}})
        yield db, dynamodb_backends[ACCOUNT][REGION].tables["t"].get_item(DynamoType({"S": "a"}))


def test_reads_answer_with_the_kept_text_and_keep_it_when_no_write_runs(table_t):
    db, item = table_t
    assert moto_item_json._TEXT not in vars(item.attrs)  # KEYS_ONLY: no image made at the write
    assert db.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}, "v": {"S": "x"}}
    assert vars(item.attrs)[moto_item_json._TEXT] == ('{"pk": {"S": "a"}, "v": {"S": "x"}}', True)
    # what the answer is written from, so the answer shows it is spliced (a kept text is never changed so)
    vars(item.attrs)[moto_item_json._TEXT] = ('{"pk": {"S": "a"}, "v": {"S": "kept"}}', True)
    assert db.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "kept"}
    assert db.batch_get_item(RequestItems={"t": {"Keys": [{"pk": {"S": "a"}}]}})["Responses"]["t"][0]["v"] == \
        {"S": "kept"}
    assert db.scan(TableName="t")["Items"][0]["v"] == {"S": "kept"}
    projected = db.get_item(TableName="t", Key={"pk": {"S": "a"}}, ProjectionExpression="v")
    assert projected["Item"] == {"v": {"S": "x"}}
    attributes_to_get = db.batch_get_item(RequestItems={"t": {"Keys": [{"pk": {"S": "a"}}], "AttributesToGet": ["v"]}})
    assert attributes_to_get["Responses"]["t"] == [{"v": {"S": "x"}}]


def test_a_read_while_another_thread_writes_keeps_nothing(table_t):
    db, item = table_t
    taken, done = threading.Event(), threading.Event()

    def writer() -> None:
        with moto_stream_writes._WRITE_LOCK:
            taken.set()
            done.wait(timeout=60)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert taken.wait(timeout=60)
        assert db.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}, "v": {"S": "x"}}
        assert moto_item_json._TEXT not in vars(item.attrs)
    finally:
        done.set()
        thread.join(timeout=60)
    db.get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert moto_item_json._TEXT in vars(item.attrs)


def test_items_built_keep_moto_s_size_and_deep_copies_keep_both():
    patch_moto()
    rng = random.Random(8)
    for _ in range(50):
        attrs = {"pk": {"S": "k"}, **{f"a{i}": attribute(rng) for i in range(rng.randint(0, 6))}}
        item = Item(DynamoType(attrs["pk"]), None, attrs)
        assert vars(item.attrs)[moto_item_json._SIZE] == moto_item_json._moto_item_size(item) == item.size()
        moto_item_json.image_text(item, item.to_json()["Attributes"], keep=True)
        assert vars(copy.deepcopy(item).attrs) == vars(item.attrs)


def test_dump_with_texts_writes_each_text_where_its_value_is():
    texts = ['{"a": {"S": "1"}}', '{"b": {"N": "2"}}', "{}"]
    value = {"Items": [Preserialized(t) for t in texts], "S": '{"x": 0}', "Count": 3}
    assert dump_with_texts(value) == '{"Items": [' + ", ".join(texts) + '], "S": "{\\"x\\": 0}", "Count": 3}'
    mark = moto_json_compiler._MARK + "0" + moto_json_compiler._MARK_END  # a string holding a mark is no mark
    assert dump_with_texts({"s": mark, "i": Preserialized("[1]")}) == json.dumps({"s": mark})[:-1] + \
        ', "i": [1]}'
    assert dict(Preserialized(texts[0])) == {"a": {"S": "1"}}
    with pytest.raises(TypeError):
        dump_with_texts({"x": object()})
