"""`setup-index`: a versioned index (`<name>-000001`) behind a write alias `<name>` (what the handler's
OPENSEARCH_INDEX names) and a read alias, with `index.gc_deletes` and the user's mappings. Idempotent: on an existing
index or alias it raises a too-short gc_deletes, adds new fields, and refuses a mapping change OpenSearch cannot
apply, naming each field that differs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from .errors import OpsError, explained
from .preconditions import gc_deletes, seconds

FIRST = "000001"


def read_mappings(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        body = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise OpsError(f"--mappings {path}: cannot read JSON ({exc})") from None
    body = body.get("mappings", body) if isinstance(body, dict) else body
    if not isinstance(body, dict) or not set(body) <= {"properties", "dynamic", "dynamic_templates", "_source",
                                                       "date_detection", "numeric_detection", "_meta"}:
        raise OpsError(f"--mappings {path}: expected a mappings object like {{\"properties\": {{...}}}}")
    return body


def conflicts(existing: dict[str, Any], wanted: dict[str, Any], path: str = "") -> list[str]:
    """Fields whose type or sub-fields the wanted mapping changes (new fields are compatible)."""
    out = []
    for name, spec in (wanted.get("properties") or {}).items():
        here, there = f"{path}{name}", (existing.get("properties") or {}).get(name)
        if there is None:
            continue
        old_type, new_type = there.get("type", "object"), spec.get("type", "object")
        if old_type != new_type:
            out.append(f"{here}: existing type {old_type}, requested {new_type}")
        for key in ("analyzer", "format", "scaling_factor", "index"):
            if key in spec and spec[key] != there.get(key):
                out.append(f"{here}: existing {key} {there.get(key)!r}, requested {spec[key]!r}")
        out += conflicts(there, spec, here + ".")
    return out


def versioned(name: str, number: int) -> str:
    return f"{name}-{number:06d}"


def resolve(client: OpenSearch, name: str) -> tuple[str, list[str]]:
    """('alias', indices) | ('index', [name]) | ('missing', [])."""
    with explained(f"looking up {name!r}"):
        if client.indices.exists_alias(name=name):
            return "alias", sorted(client.indices.get_alias(name=name))
        if client.indices.exists(index=name):
            return "index", [name]
    return "missing", []


def write_index(client: OpenSearch, alias: str) -> str:
    """The index an alias sends writes to."""
    with explained(f"reading alias {alias!r}"):
        found = client.indices.get_alias(name=alias)
    indices = sorted(found)
    flagged = [i for i in indices if (found[i]["aliases"][alias] or {}).get("is_write_index")]
    if flagged:
        return flagged[0]
    if len(indices) == 1:
        return indices[0]
    raise OpsError(f"alias {alias!r} points to {', '.join(indices)} and none is its write index (is_write_index)")


def create(client: OpenSearch, index: str, mappings: dict[str, Any], gc: str, extra_settings: dict[str, Any],
           aliases: dict[str, Any]) -> None:
    body = {"settings": {"index": {"gc_deletes": gc, **extra_settings}}, "mappings": mappings, "aliases": aliases}
    with explained(f"creating index {index!r}"):
        client.indices.create(index=index, body=body)


def ensure(client: OpenSearch, index: str, mappings: dict[str, Any], gc: str) -> list[str]:
    """Bring an existing index to the wanted mappings and gc_deletes (nothing changes when the mappings conflict);
    returns what changed."""
    changed = []
    if mappings:
        with explained(f"reading the mappings of {index!r}"):
            existing = client.indices.get_mapping(index=index)[index]["mappings"]
        differences = conflicts(existing, mappings)
        if differences:
            raise OpsError(f"index {index!r} has an incompatible mapping: " + "; ".join(differences)
                           + ". A field's type cannot change in place: use `ddb-opensearch-sync reindex --mappings FILE`")
        try:
            with explained(f"updating the mappings of {index!r}"):
                client.indices.put_mapping(index=index, body=mappings)
        except RequestError as exc:  # a conflict the comparison above does not know about
            raise OpsError(f"index {index!r} refuses the mapping change: {exc.info}") from None
        if existing != client.indices.get_mapping(index=index)[index]["mappings"]:
            changed.append("mappings extended")
    current = gc_deletes(client, index).get(index, 60.0)
    if current < seconds(gc):
        with explained(f"setting index.gc_deletes on {index!r}"):
            client.indices.put_settings(index=index, body={"index": {"gc_deletes": gc}})
        changed.append(f"index.gc_deletes {current:g}s -> {gc}")
    return changed


def setup_index(client: OpenSearch, name: str, read_alias: str, mappings: dict[str, Any], gc: str,
                extra_settings: dict[str, Any]) -> dict[str, Any]:
    if "{" in name:
        raise OpsError(f"OPENSEARCH_INDEX={name!r} is a template: create an OpenSearch index template with "
                       f"index.gc_deletes >= {gc} for its pattern instead; setup-index manages one index behind aliases")
    seconds(gc)
    kind, indices = resolve(client, name)
    if kind == "missing":
        index = versioned(name, 1)
        create(client, index, mappings, gc, extra_settings, {name: {"is_write_index": True}, read_alias: {}})
        return {"index": index, "write_alias": name, "read_alias": read_alias, "changes": ["created"]}
    index = write_index(client, name) if kind == "alias" else name
    changes = ensure(client, index, mappings, gc)
    if read_alias != name and resolve(client, read_alias)[0] == "missing":
        with explained(f"adding read alias {read_alias!r}"):
            client.indices.put_alias(index=index, name=read_alias)
        changes.append(f"read alias {read_alias} added")
    return {"index": index, "write_alias": name if kind == "alias" else None, "read_alias": read_alias,
            "changes": changes or ["unchanged"]}
