"""Exact conversion of DynamoDB JSON (as stream events and GetItem carry it) to plain JSON values.

- N: integers stay ``int`` at any size; other numbers become ``float`` when the float prints as the
  same decimal (up to 15 significant digits), else ``Decimal`` — ``bulk.dumps`` writes those digits verbatim.
  Nothing here depends on the ambient ``decimal`` context (its default 28 digits would round DynamoDB's 38).
- SS / NS / BS become lists sorted by value (strings by code point, numbers numerically, binary by bytes).
- B stays base64 text (Lambda events already carry it that way); raw bytes (boto3's GetItem) are encoded.
- An array (L or NS) holding both integers and decimals writes its integers as ``n.0``: same value, but
  OpenSearch's dynamic mapping then sees one number type instead of rejecting the array (400).

``item`` first tries a fast path that builds no attribute paths; anything it does not take for granted
(a malformed value, an unusual number form) sends the item through the validating path, which gives the
same result or the error naming the attribute path.
"""
from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
FLOAT_DIGITS = 15  # any decimal with at most 15 significant digits survives a round trip through a double


class ConversionError(ValueError):
    """The value is not valid DynamoDB JSON; the message names the attribute path and the problem."""


def decimal(text: Any, path: str = "") -> Decimal:
    """The exact finite decimal an N string holds (Decimal(str) never rounds, whatever the context)."""
    try:
        value = Decimal(text) if isinstance(text, str) else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None:
        raise ConversionError(f"{path or 'value'}: N must be a decimal number string, got {text!r:.80}")
    if not value.is_finite():
        raise ConversionError(f"{path or 'value'}: N must be finite, got {text!r:.80}")
    return value


def significant(value: Decimal) -> tuple[str, int]:
    """(digits without trailing zeros, exponent) of a finite decimal: exact, no context involved."""
    _, digits, exponent = value.as_tuple()
    text = "".join(map(str, digits)).lstrip("0")
    stripped = text.rstrip("0")
    return stripped or "0", (exponent + len(text) - len(stripped)) if stripped else 0


def plain(value: Decimal) -> str:
    """The canonical decimal text of a finite value: no exponent, no trailing zeros ("1E+2" → "100", "1.50" → "1.5")."""
    digits, exponent = significant(value)
    sign = "-" if value.is_signed() and digits != "0" else ""
    if exponent >= 0:
        return sign + digits + "0" * exponent
    whole, fraction = digits[:exponent], digits[exponent:]
    return f"{sign}{whole or '0'}.{fraction.rjust(-exponent, '0')}"


def number(text: str, path: str = "") -> int | float | Decimal:
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    value = decimal(text, path)
    digits, exponent = significant(value)
    if exponent >= 0:
        return int(value)
    if len(digits) <= FLOAT_DIGITS:
        return float(value)
    return value


def _fast_number(text: str) -> int | float | Decimal:
    """number() for the common forms: a plain integer, or a decimal the float prints back as the same text."""
    if text.isdigit():
        return int(text)
    try:
        as_float = float(text)
    except ValueError:
        return number(text)  # raises with the problem; the validating path adds the attribute path
    if repr(as_float) == text and "e" not in text and not as_float.is_integer():
        return as_float  # the exact decimal number() gives (15 digits or fewer), or the same text it would write
    return number(text)


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
    kinds = set(map(type, values))
    if int in kinds and (float in kinds or Decimal in kinds):
        return [Decimal(f"{v}.0") if type(v) is int else v for v in values]
    return values


def value(typed: Any, path: str = "value") -> Any:
    """Convert one DynamoDB-typed value such as {"N": "1"}, validating everything."""
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


class _Unusual(Exception):
    """The fast path met something it does not handle; the validating path decides."""


def _fast(typed: dict) -> Any:
    (tag, raw), = typed.items()
    if tag == "S":
        if raw.__class__ is str:
            return raw
    elif tag == "N":
        if raw.__class__ is str:
            return _fast_number(raw)
    elif tag == "M":
        if raw.__class__ is dict:
            return {k: _fast(v) for k, v in raw.items()}
    elif tag == "L":
        if raw.__class__ is list:
            return _one_number_type([_fast(v) for v in raw])
    elif tag == "BOOL":
        if raw is True or raw is False:
            return raw
    elif tag == "NULL":
        if raw is True:
            return None
    elif tag in ("SS", "NS", "BS"):
        if raw.__class__ is list:
            return _set(tag, raw, "")
    elif tag == "B" and raw.__class__ is str:
        return raw
    raise _Unusual


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
        except (InvalidOperation, ValueError):
            raise ConversionError(f"{path}: NS must be a list of number strings, got {raw!r:.80}") from None
        return _one_number_type([number(s, path) for s in ordered])
    return sorted((_binary(b, path) for b in raw), key=_sort_key_binary)


def item(attributes: Any, path: str = "item") -> dict[str, Any]:
    """Convert a whole item (attribute name → typed value)."""
    if attributes.__class__ is dict:
        try:
            return {k: _fast(v) for k, v in attributes.items()}
        except Exception:  # noqa: BLE001 - anything unusual: the validating path converts it or names the problem
            pass
    if not isinstance(attributes, dict):
        raise ConversionError(f"{path}: expected an object of attributes, got {type(attributes).__name__}")
    return {k: value(v, f"{k}") for k, v in attributes.items()}
