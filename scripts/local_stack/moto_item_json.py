"""A stored item's JSON text and size, computed once and reused while the item is unchanged.

A stream record's NewImage is its item's `json.dumps(item.to_json()["Attributes"])`; the item's next change needs
the same text as its OldImage, and GetItem, BatchGetItem, Query and Scan answer with it (moto's serializers write an
image of plain values exactly as json.dumps does, see `plain`). moto also measures every item it reads (`Item.size`,
twice per item in BatchGetItem, once in Query and Scan), walking every value. So both are kept on the item's
attribute dict (`item.attrs`, the dict the read handlers answer with): the size when the item is built
(`moto_write_speed`), the text when its stream record is made (`moto_stream_reads`, under the write lock) or when a
read first answers with it (if no write is running then; the read then writes the text from `Item.to_json`, which
json.dumps writes faster than moto's serializer walks the item).

They stay true because moto changes a stored item in place only in UpdateItem (its update expression, or its
AttributeUpdates), and both are dropped before either runs; a deep copy (UpdateItem's old image, TransactWriteItems'
backup of its tables) is equal to its original, so it keeps them. PutItem, BatchWriteItem, PartiQL and a failed
transaction's restore store other Item objects; DeleteItem removes one. A value is filled only where no write can run
at the same time (the item not stored yet, or the write lock held): a read that finds a write running measures or
serializes an item without them as moto does, keeping nothing.

Once `patch()` has run, the drop-on-change hooks stay (`unpatch()` only stops using and keeping values), so a value
kept earlier can never outlive a change made while unpatched.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
from moto.dynamodb.parsing.executors import UpdateExpressionExecutor

from local_stack import moto_stream_writes
from local_stack.moto_json_compiler import Preserialized

# json.dumps' text, without its cycle check: an image is a tree of fresh containers (Item.to_json)
DUMP = json.JSONEncoder(check_circular=False).encode
_STRING = r'"(?:[^"\\]|\\.)*"'
# What in an image's json.dumps text may make moto's serializers write the image differently, each found as the type
# key of an attribute value or a value that is not a string: binary values (B as text would be base64-encoded again
# by the stream serializer and decoded first by the read one; B as bytes makes json.dumps fail), binary sets, S/N
# values and SS/NS elements that are not strings (stringified; None among them), empty map keys (written their own
# way). A match inside a string value only costs the slower path.
CHANGED_BY_SERIALIZER = re.compile(
    rf'"BS?": |"[SN]": (?!")|"[SN]S": (?!\[(?:{_STRING}(?:, {_STRING})*)?\])|"": ')

_TEXT, _SIZE = "_wire_text", "_wire_size"  # keys in the attribute dict's instance __dict__ (not among its items)
_state = {"active": False, "hooked": False}
_moto_item_size = Item.size
_moto_item_deepcopy = Item.__deepcopy__
_moto_attribute_updates = Item.update_with_attribute_updates
_moto_execute = UpdateExpressionExecutor.execute


def plain(text: str) -> bool:
    """Whether moto's stream and read serializers write the image whose json.dumps text this is as that text."""
    return CHANGED_BY_SERIALIZER.search(text) is None


def dumped(attributes: Any) -> tuple[str | None, bool]:
    """(`DUMP(attributes)`, whether it is `plain`); the text is None if json.dumps refuses it (bytes)."""
    try:
        text = DUMP(attributes)
    except (TypeError, ValueError):
        return None, False
    return text, plain(text)


def image_text(item: Item, attributes: dict[str, Any], keep: bool) -> tuple[str | None, bool]:
    """(`DUMP(attributes)`, whether it is `plain`), where `attributes` is `item.to_json()["Attributes"]` now; the text
    is None if json.dumps refuses it (binary values). The item's kept pair when it has one; `keep` (only under the
    write lock): keep it."""
    cache = vars(item.attrs)
    if _state["active"] and _TEXT in cache:
        return cache[_TEXT]
    pair = dumped(attributes)
    if keep and _state["active"]:
        cache[_TEXT] = pair
    return pair


class _Owner:
    """What `Item.to_json` reads of an item: its attribute dict."""

    __slots__ = ("attrs",)

    def __init__(self, attrs: LimitedSizeDict) -> None:
        self.attrs = attrs


def keep_size(attrs: LimitedSizeDict, size: int) -> None:
    """Note the size of a new item's attributes (`Item.size`), measured while it was built."""
    if _state["active"]:
        vars(attrs)[_SIZE] = size


def read_image(attrs: Any) -> Preserialized | None:
    """The attribute dict a read answers with, as its kept text, if the serializers write it as that text."""
    if not _state["active"]:
        return None
    kept = vars(attrs).get(_TEXT)
    if kept is None:
        with moto_stream_writes.no_write_running() as still:
            if not still:  # the item may be changing: moto's own conversion, as before
                return None
            kept = vars(attrs)[_TEXT] = dumped(Item.to_json(_Owner(attrs))["Attributes"])  # type: ignore[arg-type]
    text, is_plain = kept
    return Preserialized(text) if is_plain else None


def _item_size(self: Item) -> int:
    cache = vars(self.attrs)
    size = cache.get(_SIZE) if _state["active"] else None
    return _moto_item_size(self) if size is None else size


def _deepcopy(self: Item, memo: dict[int, Any]) -> Item:
    """moto's deep copy, with the original's kept values (the copy is equal to it)."""
    result = _moto_item_deepcopy(self, memo)
    vars(result.attrs).update(vars(self.attrs))
    return result


def forget(item: Item) -> None:
    """Drop an item's kept values: it is about to change in place."""
    vars(item.attrs).clear()


def _attribute_updates(self: Item, attribute_updates: dict[str, Any]) -> None:
    forget(self)
    _moto_attribute_updates(self, attribute_updates)


def _execute(self: UpdateExpressionExecutor, node: Any = None) -> None:
    forget(self.item)
    _moto_execute(self, node)


def patch() -> None:
    if not _state["hooked"]:
        Item.update_with_attribute_updates = _attribute_updates  # type: ignore[method-assign]
        UpdateExpressionExecutor.execute = _execute  # type: ignore[method-assign]
        Item.__deepcopy__ = _deepcopy  # type: ignore[method-assign]
        Item.size = _item_size  # type: ignore[method-assign]
        _state["hooked"] = True
    _state["active"] = True


def unpatch() -> None:
    """Stop using and keeping texts and sizes (the drop-on-change hooks stay: see the module's docstring)."""
    _state["active"] = False

