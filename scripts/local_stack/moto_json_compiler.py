"""moto's JSON-protocol request parser and response serializer, compiled once per botocore shape.

moto's `JSONParser` and `JSONSerializer` walk the botocore model for every value of every request and response,
dispatching on the type name each time; the serializer also tries up to a dozen attribute aliases per structure
member. Here a shape is compiled once into plain functions that return exactly what moto's classes return: the same
member order, the same types (the handler's `PROTOCOL_PARSER_MAP_TYPE` for parsed structures and maps), the same
blob, timestamp, integer and float conversions, None and unknown members dropped as moto drops them, document types
passed through. What they do not reproduce (a non-dict object to serialize, a shape trait that changes moto's output
in odd ways) raises `Unsupported`: callers then use moto's own code. A `Preserialized` value in a structure or map
position is passed through as it is: the caller's JSON dump writes its text (`dump_with_texts`).
tests/unit/test_moto_json_compiler.py compares both against moto's classes.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel, Shape, StructureShape
from moto.core.parse import JSONParser, default_blob_parser, default_timestamp_parser
from moto.core.serialize import BaseJSONSerializer, TimestampSerializer

Encoder = Callable[[Any], Any]
Parser = Callable[[Any], Any]

_TIMESTAMPS = TimestampSerializer(BaseJSONSerializer.DEFAULT_TIMESTAMP_FORMAT)
_NOT_STRINGIFIED = [None, {}, []]  # moto's JSON serializer writes these as they are for a string shape
_PLAN_CACHE_LIMIT = 256  # distinct member-key sets remembered per structure (a model allows only a few)


class Unsupported(Exception):
    """A value or shape the compiled code does not reproduce exactly; moto's own code must handle it."""


def _unsupported(_: Any) -> Any:
    raise Unsupported


class Preserialized(Mapping[str, Any]):
    """A JSON object whose text is known. The compiled encoders pass it through; any other reader (moto's own
    serializer, when the compiled code gives up) sees the mapping the text holds."""

    __slots__ = ("text", "_value")

    def __init__(self, text: str) -> None:
        self.text, self._value = text, None

    def _loaded(self) -> dict[str, Any]:
        if self._value is None:
            self._value = json.loads(self.text)
        return self._value  # type: ignore[return-value]

    def __getitem__(self, key: str) -> Any:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


# Stands for the i-th Preserialized in a dump: `{"<token>i": 0}` cannot be part of a JSON string (its quotes would be
# escaped) and no encoded result holds a one-key object of 0 under this process's random token.
_MARK = '{"' + uuid.uuid4().hex
_MARK_END = '": 0}'


def dump_with_texts(value: Any) -> str:
    """json.dumps(value), each Preserialized in it written as its text."""
    texts: list[str] = []

    def mark(obj: Any) -> Any:
        if type(obj) is not Preserialized:
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
        texts.append(obj.text)
        return {f"{_MARK[2:]}{len(texts) - 1}": 0}

    body = json.dumps(value, default=mark)
    if not texts:
        return body
    parts = body.split(_MARK)
    out = [parts[0]]
    for part in parts[1:]:
        index, rest = part.split(_MARK_END, 1)
        out += (texts[int(index)], rest)
    return "".join(out)


# --- responses ------------------------------------------------------------------------------------------

def _candidates(parent: StructureShape, key: str, shape: Shape) -> tuple[str, ...]:
    """The keys moto's XFormedAttributePicker tries, in order, to find member `key` of a dict (first present wins).

    Its alias providers, for a plain dict: ExplicitAlias (a dict has no Meta), ShapeNameAlias, NoAlias,
    ShapePrefixAlias, ClassPrefixAlias (class name "dict"), ModelAlias; each alias followed by its xform_name."""
    aliases: list[str] = []
    if shape.type_name in ("list", "structure") and shape.name not in parent.members and key != shape.name:
        aliases.append(shape.name)
    aliases.append(key)
    if key.lower().startswith(parent.name.lower()) and key[len(parent.name):] not in parent.members:
        aliases.append(key[len(parent.name):])
    if key.lower().startswith("dict"):
        aliases.append(key[len("dict"):])
    if shape.serialization.get("name", key) != key:
        aliases.append(shape.serialization["name"])
    keys: list[str] = []
    for alias in aliases:
        for candidate in (alias, xform_name(alias)):
            if "." in candidate:  # moto's get_value would read it as a path
                raise Unsupported
            if candidate not in keys:
                keys.append(candidate)
    return tuple(keys)


def _is_document(shape: Shape) -> bool:
    return getattr(shape, "is_document_type", False)  # only structure shapes have the attribute


def _is_structure(shape: Shape) -> bool:
    return shape.type_name == "structure" and not _is_document(shape)


def _structure_encoder(shape: StructureShape, compiled: dict[Any, Encoder]) -> Encoder:
    members: list[tuple[str, tuple[str, ...], Encoder]] = []
    plans: dict[tuple[str, ...], list[tuple[str, str, Encoder]]] = {}

    def plan_for(keys: tuple[str, ...]) -> list[tuple[str, str, Encoder]]:
        present = set(keys)
        plan = [(name, next(c for c in candidates if c in present), encode)
                for name, candidates, encode in members if not present.isdisjoint(candidates)]
        if len(plans) < _PLAN_CACHE_LIMIT:
            plans[keys] = plan
        return plan

    def structure(value: Any) -> Any:
        if type(value) is not dict:  # objects: moto also looks up attributes, Meta aliases, class-name prefixes
            if type(value) is Preserialized:
                return value
            raise Unsupported
        keys = tuple(value)
        out = {}
        plan = plans.get(keys)
        for name, key, encode in plan_for(keys) if plan is None else plan:
            member = value[key]
            if member is not None:
                out[name] = encode(member)
        return out

    compiled[shape.name] = structure  # before the members: AttributeValue contains itself
    for key, member in shape.members.items():
        name = key if _is_document(member) else member.serialization.get("name", key)
        members.append((name, _candidates(shape, key, member), compile_encoder(member, compiled)))
    return structure


def compile_encoder(shape: Shape, compiled: dict[Any, Encoder]) -> Encoder:
    """A function turning a value of `shape` into what moto's JSON serializer puts in the body for it."""
    kind = shape.type_name
    cache_key = (shape.name, shape.serialization.get("timestampFormat")) if kind == "timestamp" else shape.name
    if cache_key in compiled:
        return compiled[cache_key]
    encoder: Encoder
    if _is_structure(shape):
        return _structure_encoder(shape, compiled)  # type: ignore[arg-type]
    if kind == "map":
        encoder = _map_encoder(shape, compiled)
    elif kind == "list":
        encoder = _list_encoder(shape, compiled)
    elif kind == "string":
        def encoder(value: Any) -> Any:
            if type(value) is str:
                return value
            if isinstance(value, Enum):
                value = value.value
            return value if value in _NOT_STRINGIFIED else str(value)
    elif kind == "blob":
        encoder = lambda value: base64.b64encode(value.encode() if isinstance(value, str) else value).strip().decode()
    elif kind == "timestamp":
        timestamp_format = shape.serialization.get("timestampFormat", _TIMESTAMPS.default_format)
        encoder = lambda value: _TIMESTAMPS._convert_timestamp_to_str(value, timestamp_format)
    elif kind in ("integer", "long"):
        encoder = int
    elif kind in ("float", "double"):
        encoder = float
    else:  # boolean, document types, and every type moto writes as it is
        encoder = lambda value: value
    compiled[cache_key] = encoder
    return encoder


def _map_encoder(shape: Any, compiled: dict[Any, Encoder]) -> Encoder:
    if "name" in shape.value.serialization:  # moto would write every entry under that one name
        return _unsupported
    value_encoder = compile_encoder(shape.value, compiled)
    if not _is_structure(shape.value):
        return lambda value: {k: value_encoder(v) for k, v in value.items()} if type(value) is dict \
            else _unsupported(value)

    def structure_map(value: Any) -> Any:
        if type(value) is not dict:
            if type(value) is Preserialized:
                return value
            raise Unsupported
        out = {}
        for k, v in value.items():
            if not k:  # moto writes a structure under an empty key into the map itself
                raise Unsupported
            if v is not None:  # moto drops a None structure, keeps a None scalar
                out[k] = value_encoder(v)
        return out

    return structure_map


def _list_encoder(shape: Any, compiled: dict[Any, Encoder]) -> Encoder:
    member = shape.member
    if member.serialization.get("name", member.name) != member.name:  # moto would append the raw items then
        return _unsupported
    item_encoder = compile_encoder(member, compiled)
    if _is_structure(member):  # a None structure is appended as None, a None scalar goes through its encoder
        return lambda value: [None if item is None else item_encoder(item) for item in value] \
            if type(value) in (list, tuple) else _unsupported(value)
    return lambda value: [item_encoder(item) for item in value] if type(value) in (list, tuple) \
        else _unsupported(value)


def compile_output(operation: OperationModel) -> Encoder:
    """The body dict moto's JSON serializer builds for an operation's result (before json.dumps)."""
    shape = operation.output_shape
    if shape is None:
        return lambda result: {}
    if _is_document(shape):
        return _unsupported
    structure = compile_encoder(shape, {})
    return lambda result: {} if result is None else structure(result)


# --- requests -------------------------------------------------------------------------------------------

def _as_is(value: Any) -> Any:
    """The parser of the shapes whose JSON value moto keeps (the compiled code skips calling it)."""
    return value


def _structure_parser(shape: StructureShape, map_type: type, compiled: dict[str, Parser]) -> Parser:
    members: list[tuple[str, str, Parser]] = []
    by_json_name: dict[str, tuple[str, Parser]] = {}
    kept: set[str] = set()  # the JSON names of members a one-key dict (an AttributeValue) is parsed to as it is

    def structure(value: Any) -> Any:
        if type(value) is dict and len(value) == 1 and one_key:
            (json_name, raw), = value.items()  # at most one member matches
            if json_name in kept and raw is not None:
                return value  # {name: raw} of the body's fresh JSON: parsed to an equal dict of the same type
            parsed = map_type()
            member = by_json_name.get(json_name)
            if member is not None and raw is not None:
                parsed[member[0]] = member[1](raw)
            return parsed
        if value is None:
            return None
        parsed = map_type()
        for name, json_name, parse in members:
            raw = value.get(json_name)
            if raw is not None:
                parsed[name] = raw if parse is _as_is else parse(raw)
        return parsed

    compiled[shape.name] = structure
    for name, member in shape.members.items():
        json_name = member.serialization.get("name", name)
        members.append((name, json_name, compile_parser(member, map_type, compiled)))
        by_json_name.setdefault(json_name, (name, members[-1][2]))
    one_key = len(by_json_name) == len(members)  # no two members share a JSON name
    if map_type is dict:
        kept.update(json_name for name, json_name, parse in members if name == json_name and parse is _as_is)
    return structure


def compile_parser(shape: Shape, map_type: type, compiled: dict[str, Parser]) -> Parser:
    """A function turning the json.loads() value of `shape` into what moto's JSONParser returns for it."""
    if shape.name in compiled:
        return compiled[shape.name]
    kind = shape.type_name
    parser: Parser
    if _is_structure(shape):
        return _structure_parser(shape, map_type, compiled)  # type: ignore[arg-type]
    if kind == "list":
        item_parser = compile_parser(shape.member, map_type, compiled)  # type: ignore[attr-defined]
        parser = list if item_parser is _as_is else lambda node: [item_parser(item) for item in node]
    elif kind == "map":
        key_parser = compile_parser(shape.key, map_type, compiled)  # type: ignore[attr-defined]
        value_parser = compile_parser(shape.value, map_type, compiled)  # type: ignore[attr-defined]
        if map_type is dict and key_parser is _as_is:  # the same dict, without a call per key
            parser = lambda value: {key: value_parser(val) for key, val in value.items()}
            compiled[shape.name] = parser
            return parser

        def parser(value: Any) -> Any:
            parsed = map_type()
            for key, val in value.items():
                actual_key = key_parser(key)
                parsed[actual_key] = value_parser(val)
            return parsed
    elif kind == "blob":
        parser = default_blob_parser
    elif kind == "timestamp":
        parser = default_timestamp_parser
    elif kind in ("float", "double"):
        parser = float
    elif kind in ("integer", "byte", "short", "long"):
        parser = int
    else:  # string, boolean, document types: moto keeps the JSON value
        parser = _as_is
    compiled[shape.name] = parser
    return parser


_json_body = JSONParser(None)._parse_body_as_json  # type: ignore[arg-type]  # moto's own body decoding


def compile_input(operation: OperationModel, map_type: type) -> Parser:
    """What `JSONParser(operation, map_type=map_type).parse({"body": body, ...})` returns, from the body."""
    shape = operation.input_shape
    if shape is None:
        return lambda body: {}
    structure = compile_parser(shape, map_type, {})
    return lambda body: structure(_json_body(body))
