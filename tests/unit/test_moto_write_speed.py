"""The faster Item construction builds the same items and refuses exactly the items moto refuses."""

from __future__ import annotations

import random
from typing import Any

import pytest
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from test_moto_json_compiler import same
from test_moto_stream_reads import attribute

from local_stack import moto_write_speed

KEY = DynamoType({"S": "k"})


def build(init, attrs):
    item = Item.__new__(Item)
    try:
        init(item, KEY, None, attrs)
    except ItemSizeTooLarge:
        return "refused"
    return item.attrs


def test_same_items_as_moto():
    attrs = {"pk": {"S": "k"}, "n": {"N": "1.50"}, "ss": {"SS": ["a", "é"]}, "bs": {"BS": [b"\x00"]},
             "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}, {"M": {}}]}}}, "b": {"B": b"\xff" * 3}}
    fast, moto = build(moto_write_speed._item_init, attrs), build(moto_write_speed._moto_item_init, attrs)
    assert fast == moto and list(fast) == list(moto) and type(fast) is type(moto)


@pytest.mark.parametrize("padding", range(-3, 4))
def test_refuses_exactly_where_moto_refuses(padding):
    # "pk" + "k" (3 bytes), "x" + 1000 bytes, "a" + its value: the item measures 405000 + padding bytes.
    attrs = {"pk": {"S": "k"}, "x": {"S": "y" * 1000}, "a": {"S": "z" * (405000 - 1005 + padding)}}
    fast, moto = build(moto_write_speed._item_init, attrs), build(moto_write_speed._moto_item_init, attrs)
    assert fast == moto
    assert (fast == "refused") == (padding > 0)


def test_plain_json_of_every_attribute_type_is_moto_s():
    """Item.to_json (stream images, return values) through the one-pass to_regular_json: same values and types."""
    rng = random.Random(3)
    attributes = {f"a{i}": attribute(rng) for i in range(300)}
    attributes.update({"b64": {"B": "AAE="}, "nested_b64": {"M": {"b": {"B": "//8="}, "l": {"L": [{"B": "AA=="}]}}}})
    item = Item(KEY, None, attributes)
    moto_write_speed.patch()
    try:
        fast = item.to_json()
        nested = [v.to_regular_json() for v in item.attrs.values()]
    finally:
        moto_write_speed.unpatch()
    same(fast, item.to_json())
    same(nested, [v.to_regular_json() for v in item.attrs.values()])
    fast["Attributes"]["nested_b64"]["M"]["l"]["L"].append("changed")  # fresh containers: the item is untouched
    assert item.to_json()["Attributes"]["nested_b64"]["M"]["l"]["L"] == [{"B": b"\x00"}]


def tree(value: Any) -> Any:
    """A DynamoType as plain data, its class included, to compare strictly."""
    if isinstance(value, DynamoType):
        return [type(value).__name__, value.type, tree(value.value)]
    if isinstance(value, dict):
        return {k: tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tree(v) for v in value]
    return value


def test_attribute_values_are_built_and_measured_as_moto_does():
    rng = random.Random(5)
    values = [attribute(rng) for _ in range(500)] + [{"NS": {}}, {"SS": ["é", "😀"]}, {"BS": [b"\x00", "AA=="]},
                                                     {"BOOL": True}, {"NULL": True}, {"M": {"k": {"BOOL": False}}}]
    moto = [DynamoType(v) for v in values]
    moto_sizes = [v.size() for v in moto] + [Item(KEY, None, {"a": v}).size() for v in values]
    moto_write_speed.patch()
    try:
        fast = [DynamoType(v) for v in values] + [DynamoType(DynamoType(v)) for v in values]
        fast_sizes = [v.size() for v in moto] + [Item(KEY, None, {"a": v}).size() for v in values]
    finally:
        moto_write_speed.unpatch()
    same(tree(fast), tree(moto + [DynamoType(DynamoType(v)) for v in values]))
    assert fast_sizes == moto_sizes
    with pytest.raises(IndexError):  # what moto does with an empty AttributeValue, patched or not
        moto_write_speed._dynamo_type_init(DynamoType.__new__(DynamoType), {})


def test_items_are_built_and_measured_in_one_walk_as_moto_builds_them():
    """Item.__init__ (every put) through the one-walk build: the same DynamoTypes, sizes, and failures, for every
    attribute type and for values the walk leaves to moto (binary, odd types, strings UTF-8 cannot encode)."""
    rng = random.Random(7)
    attrs = {f"a{i}": attribute(rng) for i in range(400)}
    attrs.update({"ns": {"NS": ["1", "2.50"]}, "num_set_ints": {"NS": [1, 2]}, "int_n": {"N": 12},
                  "null_str": {"NULL": "true"}, "two_keys": {"S": "a", "N": "1"},
                  "deep": {"M": {"l": {"L": [{"M": {"b": {"B": b"\x01"}}}, {"SS": ["x", "ü"]}]}}}})
    odd = [{"x": {"S": "\ud800"}}, {"x": {"M": {"\udfff": {"S": "y"}}}}, {"x": {"L": [{"S": "a"}, {}]}},
           {"x": {"SS": ["a", "\ud800"]}}, {"x": {"M": {"k": "not an attribute value"}}}, {"x": {"M": {1: {"S": "y"}}}},
           {"x": {"M": {"a": {"S": "\ud800"}, "b": "no attribute value"}}}]  # moto fails on "b" first

    def outcome(attributes: dict[str, Any]) -> Any:
        try:
            item = Item(KEY, None, attributes)
        except Exception as error:  # noqa: BLE001 - the failure itself is compared
            return repr(error)
        return tree(dict(item.attrs)), item.size(), type(item.attrs)

    moto = [outcome(attrs)] + [outcome(a) for a in odd]
    moto_write_speed.patch()
    try:
        fast = [outcome(attrs)] + [outcome(a) for a in odd]
        assert moto_write_speed._built(attrs["ns"]) is not None  # the walk is taken for request values
    finally:
        moto_write_speed.unpatch()
    assert fast == moto
    assert type(moto[0]) is tuple and sum(type(o) is str for o in moto) >= 4  # the item is built; odd ones fail


def test_the_routing_list_of_moto_packages_is_moto_s_read_once():
    from moto import backends
    moto_write_speed.patch()
    try:
        assert backends.list_of_moto_modules() is backends.list_of_moto_modules()  # read once
        assert list(backends.list_of_moto_modules()) == list(moto_write_speed._moto_modules())
        assert "dynamodb" in backends.list_of_moto_modules()
    finally:
        moto_write_speed.unpatch()
    assert backends.list_of_moto_modules is moto_write_speed._moto_modules


def test_batch_write_duplicates_are_refused_exactly_as_moto_refuses_them():
    import inspect

    import boto3
    from moto import mock_aws
    from moto.dynamodb import responses

    # the deferred dump stands in for moto's only where moto just compares the dumps: its duplicate check
    assert inspect.getsource(responses).count("dynamo_json_dump(") == 2
    assert "dynamo_json_dump(" in inspect.getsource(responses.DynamoHandler.batch_write_item)

    a = {"pk": {"S": "a"}, "n": {"N": "1"}, "m": {"M": {"x": {"B": b"\x00"}}}}
    batches = {
        "same item twice": [a, dict(a)],
        "same key, other attributes (moto lets it through)": [a, {**a, "n": {"N": "2"}}],
        "same first attribute, other binary later": [a, {**a, "m": {"M": {"x": {"B": b"\x01"}}}}],
        "same attributes in another order": [a, dict(reversed(list(a.items())))],
        "other keys": [a, {**a, "pk": {"S": "b"}}, {**a, "pk": {"S": "c"}}],
        "a duplicate among many": [{**a, "pk": {"S": str(i % 20)}} for i in range(21)],
    }

    def outcomes() -> dict[str, str]:
        with mock_aws():
            db = boto3.client("dynamodb", region_name="us-east-1")
            db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")
            result = {}
            for name, items in batches.items():
                try:
                    db.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": i}} for i in items]})
                    result[name] = "accepted"
                except db.exceptions.ClientError as error:
                    result[name] = str(error)
            deletes = [{"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}] * 2
            try:
                db.batch_write_item(RequestItems={"t": deletes})
            except db.exceptions.ClientError as error:
                result["same delete twice"] = str(error)
            return result

    moto_write_speed.patch()
    try:
        fast = outcomes()
    finally:
        moto_write_speed.unpatch()
    assert fast == outcomes()
    assert fast["same item twice"] == fast["a duplicate among many"] == fast["same delete twice"] != "accepted"
    assert "duplicates" in fast["same item twice"]
    assert fast["same key, other attributes (moto lets it through)"] == fast["other keys"] == "accepted"
