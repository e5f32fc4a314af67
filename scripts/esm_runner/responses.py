"""Interpreting a function's result for a stream batch, as AWS does (tests/fixtures/aws_recordings).

Success: no error and, with ReportBatchItemFailures, ``None``, ``[]``, ``{}``, ``{"batchItemFailures": []}`` or
``{"batchItemFailures": null}`` (the five success shapes recorded against AWS).
Partial: ``batchItemFailures`` naming records by ``dynamodb.SequenceNumber``; the batch checkpoints before the lowest.
Full failure: a function error, or an identifier that is empty, null, not a string, not in the batch, or under a
wrongly named key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """``failed_from``: index of the first record to retry, None for success. ``full_failure``: the whole batch
    failed (an error or a malformed response), which bisects in halves; a valid partial response splits at
    ``failed_from`` instead."""

    failed_from: int | None
    reason: str = ""
    full_failure: bool = False
    function_error: str | None = None
    state: Any = None
    invoked: bool = True  # False for errors before invocation, which are retried until the records expire


    @property
    def succeeded(self) -> bool:
        return self.failed_from is None


def _full_failure(reason: str, function_error: str | None = None) -> Outcome:
    return Outcome(0, reason, full_failure=True, function_error=function_error)


def not_invoked(reason: str) -> Outcome:
    """An error before the function ran (code not found, throttle, API error): not a function error."""
    return Outcome(0, reason, invoked=False)


def interpret(
    payload: Any, error: str | None, sequence_numbers: list[str], report_batch_item_failures: bool
) -> Outcome:
    """Classify one invocation's result for a batch whose records carry ``sequence_numbers`` in order."""
    if error is not None:
        return _full_failure(f"function error: {error}", "Unhandled")
    state = payload.get("state") if isinstance(payload, dict) else None
    if not report_batch_item_failures or payload is None or payload == []:
        return Outcome(None, state=state)
    if not isinstance(payload, dict):
        return _full_failure(f"response is neither null nor an object: {type(payload).__name__}")
    failures = payload.get("batchItemFailures")
    if failures is None or failures == []:
        return Outcome(None, state=state)
    if not isinstance(failures, list):
        return _full_failure(f"batchItemFailures must be a list, got {type(failures).__name__}")
    positions: dict[int, int] = {}
    for index, seq in enumerate(sequence_numbers):  # a duplicated number names its first record: never skip one
        positions.setdefault(int(seq), index)
    indices: list[int] = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or "itemIdentifier" not in entry:
            return _full_failure(f"batchItemFailures entry {entry!r} has no itemIdentifier key")
        if not isinstance(identifier, str) or not identifier.strip():
            return _full_failure(f"itemIdentifier {identifier!r} is empty or null")
        index = positions.get(int(identifier)) if identifier.strip().isdigit() else None
        if index is None:
            return _full_failure(f"itemIdentifier {identifier!r} is not a SequenceNumber of this batch")
        indices.append(index)
    lowest = min(indices)  # checkpoint before the lowest reported record (facts §2)
    return Outcome(lowest, f"batchItemFailures from SequenceNumber {sequence_numbers[lowest]}", state=state)
