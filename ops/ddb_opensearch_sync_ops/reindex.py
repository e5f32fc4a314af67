"""`reindex`: rebuild into a new versioned index with new mappings, without downtime.

1. create `<name>-00000N+1` (gc_deletes, the new mappings);
2. one `_aliases` call moves the write alias `<name>` (the handler's OPENSEARCH_INDEX) to it with
   is_write_index, so every stream change from now on lands in the new index;
3. backfill the new index (versions below those changes, as `backfill` does);
4. verify it against the table, repairing what differs, until every difference found is repaired or was already
   current when re-read (or give up after a few rounds, leaving reads where they are);
5. one `_aliases` call swaps the read alias to the new index. The old index is kept for the operator to remove.
Running it again after an interruption resumes: an existing newest index behind the write alias is reused.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .backfill import Options as BackfillOptions, backfill
from .context import Context
from .errors import OpsError, explained
from .index_setup import create, resolve, versioned, write_index
from .repair import repair
from .verify import Options as VerifyOptions

ROUNDS = 5


def next_index(name: str, current: str) -> str:
    suffix = current.rsplit("-", 1)[-1]
    if not (current.startswith(name + "-") and suffix.isdigit()):
        return versioned(name, 1)
    return versioned(name, int(suffix) + 1)


def reindex(ctx: Context, read_alias: str, mappings: dict[str, Any], gc: str, extra_settings: dict[str, Any],
            backfill_options: BackfillOptions, verify_options: VerifyOptions, settle_seconds: float = 2.0
            ) -> tuple[dict[str, Any], int]:
    client, name = ctx.opensearch, ctx.settings.handler.index
    kind, _ = resolve(client, name)
    if kind != "alias":
        raise OpsError(f"{name!r} is {'a concrete index' if kind == 'index' else 'missing'}; reindex needs the write "
                       "alias setup-index creates (OPENSEARCH_INDEX names the alias, the data lives in <name>-000001)")
    source = write_index(client, name)
    read_kind, read_indices = resolve(client, read_alias)
    if read_kind != "alias":
        raise OpsError(f"read alias {read_alias!r} does not exist; run setup-index --read-alias {read_alias} first")
    old = read_indices[0] if len(read_indices) == 1 else source
    if source == old:  # a fresh reindex: make the new index and move writes to it
        target = next_index(name, source)
        create(client, target, mappings, gc, extra_settings, {})
        with explained(f"moving write alias {name!r} to {target!r}"):
            client.indices.update_aliases(body={"actions": [
                {"remove": {"index": source, "alias": name}},
                {"add": {"index": target, "alias": name, "is_write_index": True}}]})
    else:
        target = source  # resumed: writes already go to the new index
    options = BackfillOptions(**{**backfill_options.__dict__,
                                 "checkpoint": Path(backfill_options.checkpoint).with_name(f"reindex-{target}.json")})
    filled, status = backfill(ctx, options)
    if status != 0:
        return {"command": "reindex", "old_index": old, "new_index": target, "status": "backfill not complete",
                "backfill": filled, "reads_on": old}, status
    direct = ctx.for_index(target)
    rounds = []
    for _ in range(ROUNDS):
        # Verified: every difference found was either already current when re-read (a change in flight) or has
        # been written from the table. Changes made after the re-read come through the stream.
        checked, status = repair(direct, verify_options, backfill_options.min_gc_deletes, check_stream=False)
        rounds.append({k: checked[k] for k in ("missing", "extra", "different", "repaired", "already_current", "busy",
                                               "failed")})
        if status == 0:
            break
        time.sleep(settle_seconds)  # let in-flight stream batches land before looking again
    else:
        return {"command": "reindex", "old_index": old, "new_index": target, "status": "not equal; reads not swapped",
                "backfill": filled, "verify_rounds": rounds, "reads_on": old}, 1
    with explained(f"swapping read alias {read_alias!r} to {target!r}"):
        client.indices.update_aliases(body={"actions": [
            {"remove": {"index": old, "alias": read_alias}},
            {"add": {"index": target, "alias": read_alias}}]})
    return {"command": "reindex", "old_index": old, "new_index": target, "status": "complete", "reads_on": target,
            "writes_on": target, "old_index_kept": old, "backfill": {k: filled[k] for k in ("items_read", "written",
            "newer_in_index", "failed", "seconds", "items_per_second")}, "verify_rounds": rounds}, 0
