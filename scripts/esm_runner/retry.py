"""Retries of a failed batch as AWS does them (tests/fixtures/aws_recordings): bisect on function error (not counted
as a retry), MaximumRetryAttempts, MaximumRecordAgeInSeconds, and what is discarded to the on-failure destination.

A chunk's retry state (retries used, invocations, first failure, and its size, which records a bisect split) is kept
in an ``AttemptStore`` after every failure and before every retry (counted as spent), so a restarted runner resumes
the same budget instead of a fresh one, even when it died during a retry. A batch's first attempt writes nothing
(the happy path stays free): a crash during it delivers that batch once more, uncounted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from esm_runner.batching import Pending
from esm_runner.mappings import UNLIMITED
from esm_runner.responses import Outcome

STREAM_RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keep a record 24 hours; then it is gone from the stream
# Cap of the back-off between retries of a failing batch: a shard blocked by an outage, however long, is retried at
# least this often, so it recovers within seconds of the endpoint coming back (README "Retries and back-off").
MAX_RETRY_DELAY = 5.0

Attempt = Callable[[list[Pending]], Outcome]
# discard(records, condition, last outcome or None, approximate invoke count, first failure epoch or None)
Discard = Callable[[list[Pending], str, "Outcome | None", int, "float | None"], None]


class Stopped(Exception):
    """The runner is stopping; the batch is not checkpointed and will be delivered again (at-least-once)."""


class AttemptStore(Protocol):
    """Durable retry state of in-flight chunks, keyed by the chunk's first sequence number."""

    def load(self, first_sequence: str) -> dict[str, Any] | None: ...

    def save(self, first_sequence: str, state: dict[str, Any] | None) -> None:
        """Remember ``state``; None forgets the key."""
        ...


class _Forgetful:
    def load(self, first_sequence: str) -> dict[str, Any] | None:
        return None

    def save(self, first_sequence: str, state: dict[str, Any] | None) -> None:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    bisect_on_error: bool = False
    max_retry_attempts: int = UNLIMITED
    max_record_age: int = UNLIMITED
    retry_delay: float = 1.0
    max_retry_delay: float = MAX_RETRY_DELAY

    def delay(self, retries: int) -> float:
        return min(self.max_retry_delay, self.retry_delay * 2 ** min(max(retries - 1, 0), 10))

    def exhausted(self, retries: int) -> bool:
        return self.max_retry_attempts != UNLIMITED and retries > self.max_retry_attempts

    def expired(self, item: Pending, now: float) -> bool:
        """Older than MaximumRecordAgeInSeconds, or (with -1, unlimited) than the stream keeps records."""
        limit = STREAM_RETENTION_SECONDS if self.max_record_age == UNLIMITED else self.max_record_age
        return now - item.created > min(limit, STREAM_RETENTION_SECONDS)


@dataclass
class Chunk:
    """Records delivered together and what their retries have used so far."""

    records: list[Pending]
    retries: int = 0
    invocations: int = 0
    first_failure: float | None = None
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = str(self.records[0].sequence)

    def remember(self, store: AttemptStore, spending: int = 0) -> None:
        """Save the state; ``spending=1`` saves it as if the attempt about to start had failed."""
        store.save(self.key, {"size": len(self.records), "retries": self.retries + spending,
                              "invocations": self.invocations + spending, "first_failure": self.first_failure})


def deliver(records: list[Pending], policy: RetryPolicy, attempt: Attempt, discard: Discard,
            wait: Callable[[float], bool], on_done: Callable[[list[Pending]], None],
            clock: Callable[[], float] = time.time, store: AttemptStore | None = None) -> None:
    """Deliver ``records`` (in order) until each has succeeded or been discarded; ``wait`` returns False to stop.

    A partial failure further into a chunk makes the rest a new batch (AWS then delivers its first record
    1 + MaximumRetryAttempts more times); halves of a bisected chunk inherit its retry state.
    """
    store = store or _Forgetful()
    work: deque[Chunk] = deque(_resume(records, store))
    while work:
        chunk = work.popleft()
        now = clock()
        expired = [item for item in chunk.records if policy.expired(item, now)]
        if expired:
            store.save(chunk.key, None)
            discard(expired, "RecordAgeExceeded", None, chunk.invocations, chunk.first_failure)
            on_done(expired)
            rest = [item for item in chunk.records if not policy.expired(item, now)]
            if not rest:
                continue
            chunk = Chunk(rest, chunk.retries, chunk.invocations, chunk.first_failure)
            if chunk.invocations:
                chunk.remember(store)
        if chunk.invocations:  # a retry is spent before it runs, so a crash during it cannot give it back
            chunk.remember(store, spending=1)
        outcome = attempt(chunk.records)
        if outcome.succeeded:
            store.save(chunk.key, None)
            on_done(chunk.records)
            continue
        if not outcome.invoked:  # retried until the records expire, not counted (facts §5)
            if chunk.invocations:
                chunk.remember(store)
            _pause(wait, policy.delay(1))
            work.appendleft(chunk)
            continue
        chunk.invocations += 1
        chunk.first_failure = chunk.first_failure or now
        split = outcome.failed_from or 0
        if split > 0:  # partial failure: the records before the lowest reported one succeeded
            store.save(chunk.key, None)
            on_done(chunk.records[:split])
            work.appendleft(Chunk(chunk.records[split:]))
            continue
        if outcome.full_failure and policy.bisect_on_error and len(chunk.records) > 1:
            middle = len(chunk.records) // 2
            halves = [Chunk(part, chunk.retries, chunk.invocations, chunk.first_failure)
                      for part in (chunk.records[:middle], chunk.records[middle:])]
            for half in halves:
                half.remember(store)  # the first half's key is the chunk's: its state replaces the chunk's
            work.extendleft(reversed(halves))
            continue
        chunk.retries += 1
        if policy.exhausted(chunk.retries):
            store.save(chunk.key, None)
            discard(chunk.records, "RetryAttemptsExhausted", outcome, chunk.invocations, chunk.first_failure)
            on_done(chunk.records)
            continue
        chunk.remember(store)
        _pause(wait, policy.delay(chunk.retries))
        work.appendleft(chunk)


def _resume(records: list[Pending], store: AttemptStore) -> list[Chunk]:
    """Cut ``records`` into the chunks a previous run left in flight (bisect halves included), with their state."""
    chunks: list[Chunk] = []
    while records:
        saved = store.load(str(records[0].sequence))
        if saved is None:
            chunks.append(Chunk(records))
            break
        size = max(1, min(int(saved["size"]), len(records)))
        chunks.append(Chunk(records[:size], int(saved["retries"]), int(saved["invocations"]),
                            saved.get("first_failure")))
        records = records[size:]
    return chunks


def _pause(wait: Callable[[float], bool], seconds: float) -> None:
    if not wait(seconds):
        raise Stopped()
