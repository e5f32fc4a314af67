"""moto's per-write and per-request costs cut, with the same results.

- An Item is built attribute by attribute into a dict that re-measures the whole item on every insertion to enforce
  the 400 KB limit: O(attributes²) size walks per write. Here the item is measured once, with a running total, and
  refused at exactly the point moto refuses it; the total is kept as the item's size (`moto_item_json`).
- Measuring a map attribute (`DynamoType.size`) rebuilds every nested value as a new DynamoType, at every level,
  and each set element too; building one (`DynamoType.__init__`) makes two lists to read its one key; and each
  attribute is built, then walked again to measure it. Here both read the values as they are, and the values a JSON
  request gives (S, N, SS, NS of strings, BOOL, NULL, M, L of those) are built and measured in one walk; anything
  else goes through DynamoType and size (the same objects, sizes and failures as moto's).
- A nested attribute's plain JSON (`DynamoType.to_regular_json`, which `Item.to_json` calls for every map and list
  attribute: each stream record's images, PutItem/UpdateItem return values) deep-copies the value at every level of
  nesting, then again below: O(depth x size) copies, about half of moto's CPU per BatchWriteItem item. Here the same
  fresh containers are built in one pass (immutable leaves shared, as a deep copy shares them).
- BatchWriteItem refuses a request whose puts (or deletes) repeat the same JSON (moto compares whole items, not
  keys), and serializes every whole item to find out. Here the serialization is deferred: two items' JSON can only
  be equal if their first attributes' JSON is, so only items with the same first attribute (usually the key, so
  none) are serialized in full, by the stack's one DynamoJsonEncoder (moto's dynamo_json_dump makes one per call).
- Every request lists its handler class's methods with `inspect.getmembers` to find the action; the list of a class
  does not change while the server runs, so it is computed once per class. Likewise the server lists moto's package
  directory on disk (a stat per entry, ~200) twice per request to route it: read once.
"""

from __future__ import annotations

import base64
import copy
import functools
from typing import Any

from moto import backends as moto_backends
from moto.core import responses as moto_responses
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from local_stack import moto_item_json, moto_stream_writes

# moto's own limit in LimitedSizeDict.__setitem__ (it measured DynamoDB's real limit between 409 and 410 KB).
_MOTO_ITEM_LIMIT = 405000

_moto_item_init = Item.__init__
_moto_dynamo_type_init = DynamoType.__init__
_moto_size = DynamoType.size
_moto_to_regular_json = DynamoType.to_regular_json
_SHARED_BY_DEEPCOPY = (str, bytes, bool, int, float, type(None))  # copy.deepcopy returns these very objects
_moto_method_names = moto_responses.method_names_from_class
_moto_batch_write_dump = dynamodb_responses.dynamo_json_dump  # only BatchWriteItem's duplicate check calls it there
_moto_modules = moto_backends.list_of_moto_modules
_new_dynamo_type = object.__new__  # what DynamoType.__init__ would fill: .type, then .value


@functools.cache
def _module_names() -> tuple[str, ...]:
    return tuple(_moto_modules())


def _built(raw: Any) -> tuple[DynamoType, int] | None:
    """`DynamoType(raw)` and its `size()` in one walk, for values of the types a JSON request gives (S, N, SS, NS of
    strings, BOOL and NULL of booleans, M and L of those); None for anything else, including a string UTF-8 cannot
    encode (moto builds and measures those, and fails its own way)."""
    if type(raw) is not dict or len(raw) != 1:
        return None
    (kind, value), = raw.items()
    value_type = type(value)
    if value_type is str and (kind == "S" or kind == "N"):
        size = len(value) if kind == "N" else len(value.encode())
    elif value_type is bool and (kind == "BOOL" or kind == "NULL"):
        size = 1
    elif value_type is dict and kind == "M":
        size, members = 0, {}
        for name, member in value.items():
            built = _built(member) if type(name) is str else None
            if built is None:
                return None
            members[name] = built[0]
            size += len(name.encode()) + built[1]
        value = members
    elif value_type is list and kind == "L":
        size, elements = 0, []
        for element in value:
            built = _built(element)
            if built is None:
                return None
            elements.append(built[0])
            size += built[1]
        value = elements
    elif value_type is list and (kind == "SS" or kind == "NS") and all(type(v) is str for v in value):
        size = sum(map(len, value)) if kind == "NS" else sum(len(v.encode()) for v in value)
    else:
        return None
    typed = _new_dynamo_type(DynamoType)
    typed.type, typed.value = kind, value
    return typed, size


def _typed_and_size(value: Any) -> tuple[DynamoType, int]:
    try:
        built = _built(value)
    except (UnicodeEncodeError, RecursionError):
        built = None
    if built is None:
        typed = DynamoType(value)
        return typed, typed.size()
    return built


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        typed, value_size = _typed_and_size(value)
        size += bytesize(key) + value_size
        if size > _MOTO_ITEM_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, key, typed)
    moto_item_json.keep_size(self.attrs, size)  # Item.size() is this very sum


def _dynamo_type_init(self: DynamoType, type_as_dict: DynamoType | dict[str, Any]) -> None:
    if type(type_as_dict) is dict and len(type_as_dict) == 1:
        (kind, value), = type_as_dict.items()
    elif type(type_as_dict) is DynamoType:
        kind, value = type_as_dict.type, type_as_dict.value
    else:  # moto takes the first of several keys, and fails its own way on the rest
        _moto_dynamo_type_init(self, type_as_dict)
        return
    self.type = kind
    if kind == "L":
        value = [DynamoType(v) for v in value]
    elif kind == "M":
        value = {k: DynamoType(v) for k, v in value.items()}
    self.value = value


def _size(self: DynamoType) -> int:
    """moto's DynamoType.size, without wrapping each map value and set element in a new DynamoType first."""
    kind, value = self.type, self.value
    if kind == "N":
        return len(str(value))
    if kind in ("SS", "NS", "BS"):
        if kind == "NS":
            return sum(len(str(v)) for v in value)
        return sum(1 if isinstance(v, bool) else bytesize(v) for v in value)
    if kind == "L":
        return sum(v.size() for v in value)
    if kind == "M":  # a DynamoType of a DynamoType is a copy of it, of the same size
        return sum(bytesize(k) + (v.size() if type(v) is DynamoType else DynamoType(v).size())
                   for k, v in value.items())
    if isinstance(value, bool):
        return 1
    return bytesize(value)


def _to_regular_json(self: DynamoType) -> dict[str, Any]:
    """moto's DynamoType.to_regular_json (deep copy of the value, nested DynamoTypes as plain JSON, binary strings
    decoded) in one pass."""
    value = self.value
    kind = type(value)
    if kind is dict:
        value = {key: nested.to_regular_json() if isinstance(nested, DynamoType) else copy.deepcopy(nested)
                 for key, nested in value.items()}
    elif kind is list:
        value = [nested.to_regular_json() if isinstance(nested, DynamoType) else copy.deepcopy(nested)
                 for nested in value]
    elif kind not in _SHARED_BY_DEEPCOPY:  # anything else (a container subclass, ...): moto's own code
        return _moto_to_regular_json(self)
    if self.type == "B" and kind is str:
        value = base64.b64decode(value)
    return {self.type: value}


class _DeferredDump:
    """Stands for `dynamo_json_dump(value)` in BatchWriteItem's duplicate check, which only compares them (`in`).

    Equal JSON texts of two dicts have equal first "key: value" pairs (JSON is read one way only), so different
    first pairs mean different texts without writing the rest."""

    __slots__ = ("value", "_head", "_text")

    def __init__(self, value: Any) -> None:
        self.value, self._head, self._text = value, None, None

    def text(self) -> str:
        if self._text is None:
            self._text = moto_stream_writes.SIZE_ENCODER.encode(self.value)
        return self._text

    def head(self) -> str:
        if self._head is None:
            value = self.value
            first = dict([next(iter(value.items()))]) if type(value) is dict and value else None
            self._head = self.text() if first is None else moto_stream_writes.SIZE_ENCODER.encode(first)
        return self._head

    def __eq__(self, other: object) -> bool:
        if type(other) is not _DeferredDump:
            return self.text() == other
        return self.head() == other.head() and self.text() == other.text()

    __hash__ = None  # type: ignore[assignment]


def patch() -> None:
    Item.__init__ = _item_init  # type: ignore[method-assign]
    DynamoType.__init__ = _dynamo_type_init  # type: ignore[method-assign]
    DynamoType.size = _size  # type: ignore[method-assign]
    DynamoType.to_regular_json = _to_regular_json  # type: ignore[method-assign]
    if moto_responses.method_names_from_class is _moto_method_names:
        moto_responses.method_names_from_class = functools.cache(_moto_method_names)
    moto_backends.list_of_moto_modules = _module_names
    dynamodb_responses.dynamo_json_dump = _DeferredDump


def unpatch() -> None:
    """Back to moto's own code (the benchmark compares the two)."""
    Item.__init__ = _moto_item_init  # type: ignore[method-assign]
    DynamoType.__init__ = _moto_dynamo_type_init  # type: ignore[method-assign]
    DynamoType.size = _moto_size  # type: ignore[method-assign]
    DynamoType.to_regular_json = _moto_to_regular_json  # type: ignore[method-assign]
    moto_responses.method_names_from_class = _moto_method_names
    moto_backends.list_of_moto_modules = _moto_modules
    dynamodb_responses.dynamo_json_dump = _moto_batch_write_dump
