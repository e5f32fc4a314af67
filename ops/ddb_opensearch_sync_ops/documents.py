"""The one adapter to the handler package: every document the CLI writes is built by the handler's own code.

All imports from `ddb_opensearch_sync` live here, so a change of the handler's internals is fixed in one place.
A document built here is byte-for-byte what the handler sends for the same item: same conversion (`convert.item`),
field selection (`records.shape`), index (`records.index_name`), id (`doc_id.document_id`) and JSON (`bulk.dumps`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping
from urllib.parse import unquote

from ddb_opensearch_sync import bulk, config, convert, doc_id, records, version

Settings = config.Settings
ConfigError = config.ConfigError
PER_SECOND = version.PER_SECOND
INDEX_FORBIDDEN = config.INDEX_FORBIDDEN
dumps = bulk.dumps


def load_settings(env: Mapping[str, str]) -> Settings:
    """The handler's settings from the handler's environment variables (ConfigError names a bad one)."""
    return config.load(env)


@dataclass(frozen=True)
class Document:
    index: str
    doc_id: str
    source: str | None  # the exact JSON the handler writes; None for a delete


def event_style(attributes: dict[str, Any]) -> dict[str, Any]:
    """boto3's low-level client gives binary values as bytes; stream events (what the handler converts) carry base64."""
    def walk(typed: dict[str, Any]) -> dict[str, Any]:
        (tag, raw), = typed.items()
        if tag == "B":
            return {"B": base64.b64encode(bytes(raw)).decode()}
        if tag == "BS":
            return {"BS": [base64.b64encode(bytes(b)).decode() for b in raw]}
        if tag == "M":
            return {"M": {k: walk(v) for k, v in raw.items()}}
        if tag == "L":
            return {"L": [walk(v) for v in raw]}
        return typed
    return {name: walk(typed) for name, typed in attributes.items()}


def key_of(item: dict[str, Any], key_names: list[str]) -> dict[str, Any]:
    return {name: item[name] for name in key_names}


def document(settings: Settings, item: dict[str, Any], key_names: list[str]) -> Document:
    """An item as boto3's client returns it → the document the handler writes for it (ValueError if unusable)."""
    attributes = event_style(item)
    converted = convert.item(attributes)
    return Document(records.index_name(settings, converted), doc_id.document_id(key_of(attributes, key_names)),
                    dumps(records.shape(settings, converted)))


def deletion(settings: Settings, keys: dict[str, Any]) -> Document:
    """The delete the handler sends for an item that no longer exists (index resolved from the key, as it does)."""
    attributes = event_style(keys)
    return Document(records.index_name(settings, convert.item(attributes)), doc_id.document_id(attributes), None)


def document_id(keys: dict[str, Any]) -> str:
    return doc_id.document_id(event_style(keys))


def keys_from_id(identifier: str, key_schema: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Invert a readable document id into boto3 key attributes (key_schema: (name, S|N|B) sorted by name).
    None for hashed ids (over 512 bytes) or ids that are not this table's: the caller reads keys from `_source`."""
    if identifier.startswith("~"):
        return None
    parts = identifier.split("~")
    if len(parts) != len(key_schema):
        return None
    keys: dict[str, Any] = {}
    for (name, kind), part in zip(key_schema, parts):
        text = unquote(part)
        if kind == "B":
            try:
                keys[name] = {"B": base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))}
            except ValueError:
                return None
        else:
            keys[name] = {kind: text}
    try:
        return keys if document_id(keys) == identifier else None
    except ValueError:
        return None


def keys_from_source(source: dict[str, Any], key_schema: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Key attributes from a document's `_source` (when the key fields are indexed)."""
    keys: dict[str, Any] = {}
    for name, kind in key_schema:
        value = source.get(name)
        if value is None or isinstance(value, (bool, dict, list)):
            return None
        if kind == "B":
            keys[name] = {"B": base64.b64decode(str(value))}
        elif kind == "N":
            keys[name] = {"N": str(value)}
        else:
            keys[name] = {"S": str(value)}
    return keys


def parsed(source: str) -> Any:
    """A document's JSON as OpenSearch gives `_source` back to an exact reader (decimals as Decimal)."""
    return json.loads(source, parse_float=Decimal)


def index_pattern(settings: Settings) -> str:
    """The index name, or for a template such as 'orders-{tenant}' the pattern of every index it can name."""
    return settings.index.format(**{name: "*" for name in settings.index_fields})


def stored_version(reason: str) -> int | None:
    """The version OpenSearch holds, from a 409's reason."""
    return version.stored_version(reason)
