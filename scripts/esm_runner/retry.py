"""Retries of a failed batch: bisect on function error (not counted as a retry), MaximumRetryAttempts,
MaximumRecordAgeInSeconds, and what is discarded to the on-failure destination (facts §4–6)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from collections.abc import Callable

from esm_runner.batching import Pending
from esm_runner.mappings import UNLIMITED
from esm_runner.responses import Outcome

Attempt = Callable[[list[Pending]], Outcome]
# discard(records, condition, last outcome or None, approximate invoke count)
Discard = Callable[[list[Pending], str, "Outcome | None", int], None]


class Stopped(Exception):
    """The runner is stopping; the batch is not checkpointed and will be delivered again (at-least-once)."""


@dataclass(frozen=True)
class RetryPolicy:
    bisect_on_error: bool = False
    max_retry_attempts: int = UNLIMITED
    max_record_age: int = UNLIMITED
    retry_delay: float = 1.0
    max_retry_delay: float = 30.0

    def delay(self, retries: int) -> float:
        return min(self.max_retry_delay, self.retry_delay * 2 ** min(max(retries - 1, 0), 10))

    def exhausted(self, retries: int) -> bool:
        return self.max_retry_attempts != UNLIMITED and retries > self.max_retry_attempts

    def expired(self, item: Pending, now: float) -> bool:
        return self.max_record_age != UNLIMITED and now - item.created > self.max_record_age


def deliver(records: list[Pending], policy: RetryPolicy, attempt: Attempt, discard: Discard,
            wait: Callable[[float], bool], on_done: Callable[[list[Pending]], None],
            clock: Callable[[], float] = time.time) -> None:
    """Deliver ``records`` (in order) until each has succeeded or been discarded; ``wait`` returns False to stop.

    Work items are (records, retries used, invocations); halves of a bisected batch inherit the retry count.
    """
    work: deque[tuple[list[Pending], int, int]] = deque([(records, 0, 0)])
    while work:
        chunk, retries, invocations = work.popleft()
        now = clock()
        expired = [item for item in chunk if policy.expired(item, now)]
        if expired:
            discard(expired, "RecordAgeExceeded", None, invocations)
            on_done(expired)
            chunk = [item for item in chunk if not policy.expired(item, now)]
            if not chunk:
                continue
        outcome = attempt(chunk)
        if outcome.succeeded:
            on_done(chunk)
            continue
        if not outcome.invoked:  # retried until the records expire, not counted (facts §5)
            _pause(wait, policy.delay(1))
            work.appendleft((chunk, retries, invocations))
            continue
        invocations += 1
        split = outcome.failed_from or 0
        if split > 0:  # partial failure: the records before the lowest reported one succeeded
            on_done(chunk[:split])
            rest = chunk[split:]
            if policy.bisect_on_error:  # split at the returned sequence number: not a retry
                work.appendleft((rest, retries, invocations))
                continue
            chunk = rest
        elif outcome.full_failure and policy.bisect_on_error and len(chunk) > 1:
            middle = len(chunk) // 2
            work.appendleft((chunk[middle:], retries, invocations))
            work.appendleft((chunk[:middle], retries, invocations))
            continue
        retries += 1
        if policy.exhausted(retries):
            discard(chunk, "RetryAttemptsExhausted", outcome, invocations)
            on_done(chunk)
            continue
        _pause(wait, policy.delay(retries))
        work.appendleft((chunk, retries, invocations))


def _pause(wait: Callable[[float], bool], seconds: float) -> None:
    if not wait(seconds):
        raise Stopped()
