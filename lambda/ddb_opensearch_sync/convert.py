"""Exact conversion of DynamoDB JSON (as stream events and GetItem carry it) to plain JSON values.

- N: integers stay ``int`` at any size; other numbers become ``float`` when the float prints as the
  same decimal (up to 15 significant digits), else ``Decimal`` — ``bulk.dumps`` writes those digits verbatim.
- SS / NS / BS become lists sorted by value (strings by code point, numbers numerically, binary by bytes).
- B stays base64 text (Lambda events already carry it that way); raw bytes (boto3's GetItem) are encoded.
- An array (L or NS) holding both integers and decimals writes its integers as ``n.0``: same value, but
  OpenSearch's dynamic mapping then sees one number type instead of rejecting the array (400).
"""
from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import Any

TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
FLOAT_DIGITS = 15  # any decimal with at most 15 significant digits survives a round trip through a double


class ConversionError(ValueError):
    """The value is not valid DynamoDB JSON; the message names the attribute path and the problem."""


def number(text: str, path: str = "") -> int | float | Decimal:
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ConversionError(f"{path or 'value'}: N must be a decimal number string, got {text!r}") from None
    if not value.is_finite():
        raise ConversionError(f"{path or 'value'}: N must be finite, got {text!r}")
    if value == value.to_integral_value():
        return int(value)
    if len(value.normalize().as_tuple().digits) <= FLOAT_DIGITS:
        return float(value)
    return value


def _binary(value: Any, path: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return value
    raise ConversionError(f"{path}: B must be base64 text or bytes, got {type(value).__name__}")


def _sort_key_binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return text.encode()


def _one_number_type(values: list) -> list:
    """Write integers as n.0 when the array also holds decimals (see the module docstring)."""
    kinds = {type(v) for v in values}
    if int in kinds and kinds & {float, Decimal}:
        return [Decimal(f"{v}.0") if type(v) is int else v for v in values]
    return values


def value(typed: Any, path: str = "value") -> Any:
    """Convert one DynamoDB-typed value such as {"N": "1"}."""
    if not isinstance(typed, dict) or len(typed) != 1:
        raise ConversionError(f"{path}: expected an object with exactly one type key ({', '.join(TYPES)}), got {typed!r:.80}")
    (tag, raw), = typed.items()
    if tag == "S":
        if isinstance(raw, str):
            return raw
    elif tag == "N":
        if isinstance(raw, str):
            return number(raw, path)
    elif tag == "M":
        if isinstance(raw, dict):
            return {k: value(v, f"{path}.{k}") for k, v in raw.items()}
    elif tag == "L":
        if isinstance(raw, list):
            return _one_number_type([value(v, f"{path}[{i}]") for i, v in enumerate(raw)])
    elif tag == "BOOL":
        if isinstance(raw, bool):
            return raw
    elif tag == "NULL":
        if raw is True:
            return None
    elif tag == "B":
        return _binary(raw, path)
    elif tag in ("SS", "NS", "BS"):
        if isinstance(raw, list):
            return _set(tag, raw, path)
    else:
        raise ConversionError(f"{path}: unknown DynamoDB type {tag!r}; allowed: {', '.join(TYPES)}")
    raise ConversionError(f"{path}: invalid {tag} value {raw!r:.80}")


def _set(tag: str, raw: list, path: str) -> list:
    if tag == "SS":
        if not all(isinstance(s, str) for s in raw):
            raise ConversionError(f"{path}: SS must be a list of strings")
        return sorted(raw)
    if tag == "NS":
        if not all(isinstance(s, str) for s in raw):
            raise ConversionError(f"{path}: NS must be a list of number strings")
        try:
            ordered = sorted(raw, key=Decimal)  # order by the exact decimal, not by a rounded float
        except InvalidOperation:
            raise ConversionError(f"{path}: NS must be a list of number strings, got {raw!r:.80}") from None
        return _one_number_type([number(s, path) for s in ordered])
    return sorted((_binary(b, path) for b in raw), key=_sort_key_binary)


def item(attributes: Any, path: str = "item") -> dict[str, Any]:
    """Convert a whole item (attribute name → typed value)."""
    if not isinstance(attributes, dict):
        raise ConversionError(f"{path}: expected an object of attributes, got {type(attributes).__name__}")
    return {k: value(v, f"{k}") for k, v in attributes.items()}
