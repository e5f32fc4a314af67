"""Document ids from the table's key attributes: stable, URL-safe and unambiguous.

Each key value is rendered canonically (S as is, N as its exact decimal in plain notation without trailing
zeros — every digit of DynamoDB's 38, so "1.0", "1" and "1E0" share an id — B as unpadded base64url),
percent-encoded so that only ``A-Z a-z 0-9 - _ .`` and ``%XX`` remain, and the values are joined with
``~`` in attribute-name order (a table's key names and types never change, so that order is fixed).
Percent-encoding is injective and never emits ``~``, so distinct keys give distinct ids. Ids longer
than OpenSearch's 512-byte limit become ``~`` + SHA-256 of the readable form; readable ids never
start with ``~`` because DynamoDB key values are never empty.
"""
from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import quote

from .convert import ConversionError, decimal, plain

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

MAX_ID_BYTES = 512
_INTEGER = re.compile(r"-?[1-9][0-9]*|0")  # already canonical
_SAFE = re.compile(r"[A-Za-z0-9_.-]+")  # what quote() leaves as it is


class KeyAttributeError(ValueError):
    """The record's Keys are missing or not valid key attributes."""


def _canonical(name: str, typed: Any) -> str:
    if isinstance(typed, dict) and len(typed) == 1:
        (tag, raw), = typed.items()
        if tag == "S" and isinstance(raw, str) and raw:
            return raw
        if tag == "N" and isinstance(raw, str):
            try:
                return raw if _INTEGER.fullmatch(raw) else plain(decimal(raw))
            except ConversionError:
                pass
        if tag == "B" and isinstance(raw, (str, bytes)) and raw:
            try:
                data = raw if isinstance(raw, bytes) else base64.b64decode(raw, validate=True)
            except ValueError:
                raise KeyAttributeError(f"key attribute {name!r}: B must be base64 text, got {raw!r:.80}") from None
            return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    raise KeyAttributeError(f"key attribute {name!r}: expected a non-empty S, N or B value, got {typed!r:.80}")


def _escape(text: str) -> str:
    return text if _SAFE.fullmatch(text) else quote(text, safe="").replace("~", "%7E")


def document_id(keys: Any) -> str:
    if not isinstance(keys, dict) or not 1 <= len(keys) <= 2:
        raise KeyAttributeError(f"Keys must hold the table's one or two key attributes, got {keys!r:.120}")
    readable = "~".join(_escape(_canonical(name, keys[name])) for name in sorted(keys))
    if len(readable) <= MAX_ID_BYTES:
        return readable
    return "~" + hashlib.sha256(readable.encode("ascii")).hexdigest()
