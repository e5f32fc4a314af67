"""One invocation: stream records → latest change per document → `_bulk` → partial-batch response.

Invariants: every reported identifier is a SequenceNumber from this batch; a record counts as done only
when its change (or a newer change to the same document in this batch) is in OpenSearch, was stale
(OpenSearch holds a newer version), was a TTL delete kept by setting, or is poison sent to the
failure destination.
"""
from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from . import aws, degrade, destination, records, version
from .bulk import Action, Result, Sender, current, dumps
from .config import Settings, load
from .observe import Summary
from .records import Change
from .transport import Transport

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

OK = frozenset({"written", "stale", "skipped", "poison_sent", "degraded_sent"})
MAX_ERROR = 4000  # characters of a record's reasons kept (each OpenSearch reason part is bounded by bulk.MAX_PART)
DEFAULT_REMAINING_MS = 300_000  # when called without a Lambda context (tools, tests)
# Documents whose last write this container remembers, to see a same-second tie coming. A shard's partition writes
# at most ~1,000 items per second, so this covers several seconds of the hot keys of a few shards (~3 MB, measured).
REMEMBERED_WRITES = 10_000


class Syncer:
    def __init__(self, settings: Settings, transport: Transport | None = None,
                 fetch: Callable[[str, dict[str, Any]], dict[str, Any] | None] | None = None,
                 send_poison: Callable[[str, dict[str, Any], str, str], None] = destination.send) -> None:
        self.settings = settings
        self.sender = Sender(transport or Transport(settings), settings.bulk_max_bytes, settings.bulk_max_actions,
                             settings.max_retries, settings.timeout_seconds,
                             prefix="" if settings.index_fields else "/" + settings.index)
        # One batched consistent read per invocation; a single-item `fetch` (tools, tests) is called per key.
        self.fetch_many: Callable[[str, list[dict[str, Any]]], list[dict[str, Any] | None]] = (
            aws.get_items if fetch is None else lambda arn, keys_list: [fetch(arn, keys) for keys in keys_list])
        self.send_poison = send_poison
        # (index, doc id) -> (version, SequenceNumber) of this container's last successful write, oldest first
        self.written: dict[tuple[str, str], tuple[int, int]] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Syncer":
        return cls(load(env))

    def handle(self, event: Any, context: Any = None) -> dict[str, list[dict[str, str]]]:
        """One invocation, with the cyclic garbage collector paused: the event's many young objects would make
        it scan the whole heap during the batch (up to 2x a batch's CPU). The handler makes few cycles; those
        are collected after the invocation."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._handle(event, context)
        finally:
            if enabled:
                gc.enable()

    def _handle(self, event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
        sequences = records.sequences(event)  # MalformedEvent → whole-batch failure, nothing lost
        remaining: Callable[[], int] = getattr(context, "get_remaining_time_in_millis", lambda: DEFAULT_REMAINING_MS)
        self.sender.stats = {"requests": 0, "retries": 0, "splits": 0, "bulk_ms": 0.0}
        summary = Summary(self.settings.metrics_namespace)
        raw = event["Records"]
        changes = [records.parse(self.settings, raw[i], i, s) for i, s in enumerate(sequences)]
        outcome: dict[int, str] = {}
        latest = self._plan(changes, outcome, summary)
        foreseen = self._foreseen_ties(latest.values())
        if foreseen:
            summary.outcomes["ties_foreseen"] += len(foreseen)
        self._fetch([(c, foreseen.get(c.position, c.version)) for c in latest.values()
                     if c.op == "fetch" or c.position in foreseen], outcome, summary)
        self._write([c for c in latest.values() if c.position not in outcome], outcome, summary, remaining, retry_ties=True)
        for change in changes:
            result = outcome.get(change.position)
            if result == "poison" or (result == "written" and change.full is not None):
                outcome[change.position] = self._poison(change, raw[change.position], summary)
        failed = self._failures(changes, latest, outcome, summary)
        summary.emit(len(changes), len(failed), self.sender.stats)
        return {"batchItemFailures": failed}

    def _plan(self, changes: list[Change], outcome: dict[int, str], summary: Summary) -> dict[str, Change]:
        """Version every usable change; return each document's latest change (the only one written). Only
        that change's images are converted: if they cannot be, it is poison and the next latest one is tried."""
        usable = [c for c in changes if not c.error]
        for change, assigned in zip(usable, version.assign((c.second, int(c.sequence)) for c in usable)):
            change.version = assigned
        by_doc: dict[str, list[Change]] = {}
        for change in changes:
            if change.error:
                outcome[change.position] = "poison"
            elif change.op == "skip":
                outcome[change.position] = "skipped"
            else:
                by_doc.setdefault(change.doc_id, []).append(change)
        latest: dict[str, Change] = {}
        for doc_id, group in by_doc.items():
            for change in sorted(group, key=lambda c: int(c.sequence), reverse=True):  # stable: first of equals wins
                records.prepare(self.settings, change)
                if not change.error:
                    latest[doc_id] = change
                    break
                outcome[change.position] = "poison"
        for change in changes:
            if not change.error:
                summary.actions["ttl_" + change.op if change.ttl else change.op] += 1
        return latest

    def _foreseen_ties(self, latest: Iterable[Change]) -> dict[int, int]:
        """Changes that would meet a same-second 409 from this container's own earlier write (a hot item changed
        again in a later batch: the ordinal restarted, so its version is not higher), by position, with the version
        to write. They skip the doomed `_bulk` and the `_mget`, and are settled as a tie is: the table's current
        state, read now, written with that stored version + 1. If the index holds a higher version of the same
        second (another container wrote it), that write meets a tie and is settled the usual way. A replay (the
        SequenceNumber this container wrote, or an older one) takes the usual path, where OpenSearch alone may
        settle it."""
        foreseen = {}
        for change in latest:
            seen = self.written.get((change.index, change.doc_id))
            if (seen is not None and change.version <= seen[0] and version.tie(change.version, seen[0])
                    and int(change.sequence) > seen[1]):
                foreseen[change.position] = seen[0] + 1
        return foreseen

    def _remember(self, change: Change) -> None:
        key = (change.index, change.doc_id)
        self.written.pop(key, None)
        self.written[key] = (change.version, int(change.sequence))
        if len(self.written) > REMEMBERED_WRITES:
            del self.written[next(iter(self.written))]

    def _failures(self, changes: list[Change], latest: dict[str, Change], outcome: dict[int, str],
                  summary: Summary) -> list[dict[str, str]]:
        """batchItemFailures: every record whose change (or, if superseded, its document's latest) is not done."""
        failed = []
        for change in changes:
            result = outcome.get(change.position) or outcome[latest[change.doc_id].position]
            summary.outcomes["superseded" if change.position not in outcome else result] += 1
            if result not in OK:
                failed.append({"itemIdentifier": change.sequence})
                if self.settings.log_level == "DEBUG":
                    print(json.dumps({"level": "DEBUG", "sequenceNumber": change.sequence, "docId": change.doc_id,
                                      "outcome": result, "error": change.error}), flush=True)
        return failed

    def _fetch(self, pending: list[tuple[Change, int]], outcome: dict[int, str], summary: Summary) -> None:
        """Replace each change by its item's current state, read in one batch (consistent BatchGetItem)."""
        by_stream: dict[str, list[tuple[Change, int]]] = {}
        for change, new_version in pending:
            by_stream.setdefault(change.stream_arn, []).append((change, new_version))
        for stream_arn, group in by_stream.items():
            try:
                items = self.fetch_many(stream_arn, [change.keys for change, _ in group])
            except Exception as exc:  # throttling, permissions, network: retry through Lambda
                for change, _ in group:
                    change.error = f"reading the item failed: {type(exc).__name__}: {exc}"[:1000]
                    outcome[change.position] = "failed"
                    summary.note("error", change.sequence, change.error)
                continue
            for (change, new_version), item in zip(group, items):
                try:
                    records.resolve(self.settings, change, item)
                    change.version = new_version
                except (ValueError, TypeError) as exc:  # the stored item cannot be converted or named: poison
                    change.error = f"{type(exc).__name__}: {exc}"[:1000]
                    outcome[change.position] = "poison"

    def _write(self, changes: list[Change], outcome: dict[int, str], summary: Summary,
               remaining: Callable[[], int], retry_ties: bool) -> None:
        actions = [Action(c.op, c.index, c.doc_id, c.version, c.source) for c in changes]
        ties: list[tuple[Change, int]] = []
        rejected: list[Change] = []
        for change, result in zip(changes, self.sender.send(actions, remaining) if actions else []):
            kind = classify(change, result)
            if kind == "tie" and retry_ties:
                ties.append((change, version.stored_version(result.error) or change.version))
                continue
            if kind == "poison" and degrade_further(change, result):
                rejected.append(change)  # written again, without more of its fields
                continue
            outcome[change.position] = "failed" if kind == "tie" else kind
            if kind == "written":
                self._remember(change)
            if kind in ("failed", "tie"):
                change.error = result.error or f"HTTP {result.status}"
                summary.note("error", change.sequence, change.error)
            elif kind == "poison" and not change.error:
                change.error = result.error or f"HTTP {result.status}"
        if rejected:
            summary.outcomes["rejected_attempts"] += len(rejected)
            self._write(rejected, outcome, summary, remaining, retry_ties)
        if ties:
            summary.outcomes["ties"] += len(ties)
            self._write(self._settle(ties, outcome, summary), outcome, summary, remaining, retry_ties=False)

    def _settle(self, ties: list[tuple[Change, int]], outcome: dict[int, str], summary: Summary) -> list[Change]:
        """Resolve same-second 409s. If OpenSearch already holds exactly this change's result, it is
        written (the usual replay); otherwise read the item's current state from DynamoDB and write
        that with the stored version + 1. Returns the changes still to write.

        An indexed document is read as of the last refresh and counts only with the version the 409 named (a
        realtime read would refresh the shard first, the cost of a hot item changed moments ago); a delete's
        result, no document, shows only in a realtime read."""
        unsettled = []
        for realtime in (False, True):
            group = [(change, stored) for change, stored in ties if (change.op == "delete") == realtime]
            if not group:
                continue
            stored_docs = current(self.sender.transport, [(c.index, c.doc_id) for c, _ in group],
                                  self.settings.timeout_seconds, self.sender.prefix, realtime)
            for (change, stored_version), doc in zip(group, stored_docs):
                if doc is not None and same(change, doc, stored_version):
                    outcome[change.position] = "written"
                else:
                    unsettled.append((change, stored_version + 1))
        self._fetch(unsettled, outcome, summary)
        return [change for change, _ in unsettled if change.position not in outcome]

    def _poison(self, change: Change, record: dict[str, Any], summary: Summary) -> str:
        """A record OpenSearch rejected (indexed without some fields, or not at all) or could not be turned into
        a document: log it, and send it to the failure destination, or report it when there is none (or it fails)."""
        degraded = change.full is not None and bool(change.dropped)
        kept, sent = ("degraded", "degraded_sent") if degraded else ("poison", "poison_sent")
        report = destination.Report(change.error, change.doc_id, change.index,
                                    [degrade.pointer(p) for p in change.dropped] if degraded else [])
        if self.settings.poison_policy != "destination":
            summary.poison_record(record, report, kept)
            return kept
        try:
            self.send_poison(self.settings.failure_destination_arn, record, report,
                             os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"))
        except Exception as exc:  # the destination is unreachable: report, so the record is retried
            summary.note("error", change.sequence, f"failure destination: {type(exc).__name__}: {exc}")
            summary.poison_record(record, report, kept)
            return kept
        summary.poison_record(record, report, sent)
        return sent


def degrade_further(change: Change, result: Result) -> bool:
    """After OpenSearch rejected an index action for good: prepare the next, smaller document (degrade.py).
    False when there is none (a delete, a whole-request status, or even the keys were rejected)."""
    if change.op != "index" or result.whole or change.source is None:
        change.dropped = []  # nothing of the record is indexed, even if an earlier step was rejected differently
        return False
    if change.full is None:
        change.full = change.source
    step = degrade.next_drops(change.full, change.dropped, change.step, result.error, change.key_names)
    change.error = ((f"{change.error}; then, without {len(change.dropped)} field(s): " if change.error else "")
                    + result.error)[:MAX_ERROR]
    if step is None:
        change.source, change.dropped = change.full, []
        return False
    change.dropped, change.step = step
    change.source = degrade.document(change.full, change.dropped)
    return True


def same(change: Change, doc: dict[str, Any], stored_version: int) -> bool:
    """Does the stored document (from _mget) already equal what this change would write, at the version the
    409 named (an older copy, from before the last refresh, proves nothing)?"""
    if change.op == "delete":
        return doc.get("found") is False
    if change.op != "index" or doc.get("found") is not True or doc.get("_version") != stored_version:
        return False
    return json.loads(dumps(change.source), parse_float=Decimal) == doc.get("_source")


def classify(change: Change, result: Result) -> str:
    """One item result → written | stale | tie | poison | failed. Only an item-level 400 (or a single action
    too large) is poison: anything else about the node, the network or permissions is retried, never discarded."""
    if 200 <= result.status < 300 or (change.op == "delete" and result.status == 404 and not result.error):
        return "written"
    if result.status == 409:
        return "tie" if version.tie(change.version, version.stored_version(result.error)) else "stale"
    if result.status == 413 or (result.status == 400 and not result.whole):
        return "poison"  # this document (or one action over the request size cap) is rejected for good
    return "failed"  # 401/403, 404 index, 429, 5xx, no response, a whole-request error: wait and retry
