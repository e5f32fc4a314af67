"""Documents OpenSearch rejects for good (item-level 400): which fields to leave out so the rest stays searchable.

A rejected document is retried in at most four bounded steps (each step is one more `_bulk` for all the batch's
rejected documents together, never one request per attribute):
1. and 2. without the field OpenSearch names in its reason (`failed to parse field [price] of type [long]`,
   `mapper [l] cannot be changed ...`, `... ambiguous: [.meta]`), every occurrence of it;
3. also without every value whose JSON shape no single mapping can hold: names that are empty, only dots, start
   or end with a dot or contain `..`, and arrays mixing strings, numbers, booleans and objects;
4. the key attributes only.
The written document lists what was left out in `_sync_dropped_fields`: RFC 6901 JSON Pointers into the item
(`["/price", "/a..b", "/items/0/qty"]`). If even the keys are rejected, nothing is written.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from decimal import Decimal

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

DROPPED = "_sync_dropped_fields"
NAMED_STEPS = 2  # a reason names one field; a second one can surface once the first is gone
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")

Path = tuple  # keys (str) and array positions (int) from the document root


def pointer(path: Path) -> str:
    """RFC 6901: '/'-joined, with '~' written '~0' and '/' written '~1'."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def unmappable_name(name: str) -> bool:
    """Attribute names OpenSearch rejects or cannot resolve to one object path."""
    return name == "" or name.strip(".") == "" or name.startswith(".") or name.endswith(".") or ".." in name


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    return "object" if isinstance(value, dict) else "string"


def _flat(values: list) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        elif value is not None:
            yield value


def _fields(value: Any, path: Path = (), dotted: str = "") -> Iterator[tuple[Path, str, str]]:
    """Every object member as (path, OpenSearch field name, own name); arrays are transparent in field names."""
    if isinstance(value, dict):
        for key, child in value.items():
            name = f"{dotted}.{key}" if dotted else key
            yield path + (key,), name, key
            yield from _fields(child, path + (key,), name)
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield from _fields(child, path + (position,), dotted)


def named(source: dict[str, Any], reason: str, protected: set[str]) -> list[Path]:
    """The values of the first field the reason names (bracketed) that the document holds, outermost only:
    by its full dotted name (`failed to parse field [items.qty]`), else by its own name (`ambiguous: [.meta]`)."""
    fields = [(p, full, own) for p, full, own in _fields(source) if p[0] not in protected]
    for candidate in _BRACKETED.findall(reason):
        found = [p for p, full, _ in fields if full == candidate] or [p for p, _, own in fields if own == candidate]
        if found:
            return _outermost(found)
    return []


def unmappable(source: dict[str, Any], protected: set[str]) -> list[Path]:
    """Values no single mapping can hold: bad names and arrays mixing kinds of value."""
    found: list[Path] = []

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if not path and key in protected:
                    continue
                if unmappable_name(key):
                    found.append(path + (key,))
                else:
                    walk(child, path + (key,))
        elif isinstance(value, list):
            if len({_kind(v) for v in _flat(value)}) > 1:
                found.append(path)
            else:
                for position, child in enumerate(value):
                    walk(child, path + (position,))

    walk(source, ())
    return found


def _outermost(paths: list[Path]) -> list[Path]:
    return [p for p in paths if not any(q != p and p[:len(q)] == q for q in paths)]


def without(source: dict[str, Any], paths: list[Path]) -> dict[str, Any]:
    """A copy of the document without the values at the given paths (array positions removed last to first)."""
    result = copy.deepcopy(source)
    for path in sorted(_outermost(paths), key=lambda p: [(0, x) if isinstance(x, str) else (1, x) for x in p],
                       reverse=True):
        parent: Any = result
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    return result


def next_drops(full: dict[str, Any], dropped: list[Path], step: int, reason: str,
               keys: set[str]) -> tuple[list[Path], int] | None:
    """After a rejection at `step` (0: the whole item), the next larger set of paths to leave out and its step;
    None when only the keys were left and still rejected. Key attributes are never dropped."""
    current = without(full, dropped)
    if step < NAMED_STEPS:
        found = named(current, reason, keys)
        if found:
            return dropped + found, step + 1
    if step <= NAMED_STEPS:
        found = unmappable(current, keys)
        if found:
            return dropped + found, NAMED_STEPS + 1
    rest = [(name,) for name in current if name not in keys]
    if step <= NAMED_STEPS + 1 and rest:
        return dropped + rest, NAMED_STEPS + 2
    return None


def document(full: dict[str, Any], dropped: list[Path]) -> dict[str, Any]:
    """What is written: the item without the dropped values, naming them in `_sync_dropped_fields`."""
    return {**without(full, dropped), DROPPED: [pointer(p) for p in dropped]}
