"""The faster Item construction builds the same items and refuses exactly the items moto refuses."""

from __future__ import annotations

import random

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
