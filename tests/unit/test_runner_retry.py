"""Bisect, retry and record-age arithmetic of retry.deliver (facts §4–5), with a scripted function."""

import pytest

from esm_runner.batching import Pending
from esm_runner.responses import interpret, not_invoked
from esm_runner.retry import RetryPolicy, Stopped, deliver


def pending(n, created=1000.0):
    return [Pending({"dynamodb": {"SequenceNumber": str(100 + i), "Keys": {"pk": {"S": str(i)}},
                                  "ApproximateCreationDateTime": created}}) for i in range(n)]


class Script:
    """Fails any batch containing a poison sequence; records every call, deliveries and discards."""

    def __init__(self, poison=(), partial=False, transient_failures=0):
        self.poison, self.partial, self.transient = set(poison), partial, transient_failures
        self.calls, self.done, self.discarded = [], [], []

    def attempt(self, batch):
        sequences = [str(p.sequence) for p in batch]
        self.calls.append([p.sequence for p in batch])
        if self.transient:
            self.transient -= 1
            return interpret(None, "transient", sequences, True)
        bad = [s for s in sequences if int(s) in self.poison]
        if not bad:
            return interpret(None, None, sequences, True)
        if self.partial:
            return interpret({"batchItemFailures": [{"itemIdentifier": s} for s in bad]}, None, sequences, True)
        return interpret(None, "poison", sequences, True)

    def discard(self, batch, condition, outcome, invocations, first_failure):
        self.discarded.append(([p.sequence for p in batch], condition, invocations))

    def run(self, records, policy, clock=lambda: 1000.0, store=None):
        deliver(records, policy, self.attempt, self.discard, wait=lambda s: True,
                on_done=lambda items: self.done.extend(p.sequence for p in items), clock=clock, store=store)


def test_bisect_isolates_a_poison_record_and_splits_do_not_count_as_retries():
    script = Script(poison={105})
    script.run(pending(8), RetryPolicy(bisect_on_error=True, max_retry_attempts=2))
    # 8 -> [100..103] ok, [104..107] fails -> [104,105] fails -> [104] ok, [105] fails 1 + 2 retries.
    assert script.calls == [list(range(100, 108)), list(range(100, 104)), list(range(104, 108)), [104, 105],
                            [104], [105], [105], [105], [106, 107]]
    assert script.discarded == [([105], "RetryAttemptsExhausted", 6)]
    assert sorted(script.done) == list(range(100, 108))


def test_without_bisect_the_whole_batch_is_retried_then_discarded():
    script = Script(poison={101})
    script.run(pending(3), RetryPolicy(max_retry_attempts=1))
    assert script.calls == [[100, 101, 102]] * 2
    assert script.discarded == [([100, 101, 102], "RetryAttemptsExhausted", 2)]


def test_partial_failure_makes_the_rest_a_new_batch_with_the_whole_retry_budget():
    script = Script(poison={102, 104}, partial=True)
    script.run(pending(5), RetryPolicy(max_retry_attempts=1))
    # As recorded on AWS: after the first partial failure the rest is delivered 1 + MaximumRetryAttempts times.
    assert script.calls == [[100, 101, 102, 103, 104]] + [[102, 103, 104]] * 2
    assert script.discarded == [([102, 103, 104], "RetryAttemptsExhausted", 2)]


def test_partial_failure_with_bisect_splits_at_the_sequence_number_without_a_retry():
    script = Script(poison={102}, partial=True)
    script.run(pending(4), RetryPolicy(bisect_on_error=True, max_retry_attempts=0))
    # Split at 102 (free), then 102 at the head fails again: that is the retry budget (0) exhausted.
    assert script.calls == [[100, 101, 102, 103], [102, 103]]
    assert script.discarded == [([102, 103], "RetryAttemptsExhausted", 1)]


def test_transient_failure_is_retried_then_succeeds():
    script = Script(transient_failures=2)
    script.run(pending(2), RetryPolicy(max_retry_attempts=5))
    assert len(script.calls) == 3 and script.discarded == [] and script.done == [100, 101]


def test_records_older_than_the_maximum_age_are_discarded_before_invocation():
    script = Script(poison={100})
    now = iter([1000.0, 1000.0, 1070.0])  # third attempt happens 70 s after the records were written
    script.run(pending(2), RetryPolicy(max_record_age=60), clock=lambda: next(now))
    assert script.discarded == [([100, 101], "RecordAgeExceeded", 2)]
    assert len(script.calls) == 2


def test_errors_before_invocation_are_not_counted_as_retries():
    outcomes = iter([not_invoked("no code")] * 3)
    calls = []

    def attempt(batch):
        calls.append(batch)
        return next(outcomes, interpret(None, None, [str(p.sequence) for p in batch], False))

    done = []
    deliver(pending(1), RetryPolicy(max_retry_attempts=0), attempt, lambda *a: pytest.fail("discarded"),
            wait=lambda s: True, on_done=done.extend, clock=lambda: 1000.0)
    assert len(calls) == 4 and len(done) == 1


def test_stopping_during_a_retry_wait_leaves_the_batch_undone():
    script = Script(poison={100})
    with pytest.raises(Stopped):
        deliver(pending(1), RetryPolicy(), script.attempt, script.discard, wait=lambda s: False,
                on_done=script.done.extend, clock=lambda: 1000.0)
    assert script.done == [] and script.discarded == []


def test_retry_delay_doubles_up_to_the_cap():
    policy = RetryPolicy(retry_delay=1.0, max_retry_delay=5.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


class FakeTime:
    """A clock that the retry waits move forward; keeps every wait."""

    def __init__(self, now=1000.0):
        self.now, self.waits = now, []

    def wait(self, seconds):
        self.waits.append(seconds)
        self.now += seconds
        return True


AWS_DEFAULTS = RetryPolicy(bisect_on_error=True, max_retry_attempts=-1, max_record_age=-1, retry_delay=1.0,
                           max_retry_delay=5.0)  # the module's defaults: retries -1, record age -1, bisect on


def test_with_unlimited_retries_and_age_a_poison_record_blocks_until_it_leaves_the_stream():
    time = FakeTime()
    script = Script(poison={102})
    deliver(pending(4), AWS_DEFAULTS, script.attempt, script.discard, wait=time.wait,
            on_done=lambda items: script.done.extend(p.sequence for p in items), clock=lambda: time.now)
    # Bisect isolates 102; it is retried (never discarded for retries) until 24 h after it was written, while 103
    # waits behind it (order is kept); then both have left the stream and go to the destination as too old.
    invocations_of_102 = sum(102 in call for call in script.calls)
    assert script.discarded == [([102], "RecordAgeExceeded", invocations_of_102), ([103], "RecordAgeExceeded", 2)]
    assert script.done == [100, 101, 102, 103] and invocations_of_102 > 1000
    assert 86400 < time.now - 1000.0 <= 86400 + 5.0
    assert max(time.waits) == 5.0 and len(time.waits) > 86400 / 5.0 - 10  # bounded back-off all day long


def test_with_unlimited_retries_and_age_an_outage_of_ten_minutes_loses_nothing_and_recovers_within_the_cap():
    time = FakeTime()
    outage_ends = 1000.0 + 600.0

    def attempt(batch):
        sequences = [str(p.sequence) for p in batch]
        return interpret(None, "ConnectionError" if time.now < outage_ends else None, sequences, True)

    done = []
    deliver(pending(3), AWS_DEFAULTS, attempt, lambda *a: pytest.fail("discarded during an outage"),
            wait=time.wait, on_done=lambda items: done.extend(p.sequence for p in items), clock=lambda: time.now)
    assert sorted(done) == [100, 101, 102]
    assert time.now - outage_ends <= 5.0  # delivered within the back-off cap of the endpoint coming back


class DictStore:
    """An AttemptStore in a dict (the runner keeps it in the checkpoint file)."""

    def __init__(self):
        self.saved = {}

    def load(self, first_sequence):
        return self.saved.get(first_sequence)

    def save(self, first_sequence, state):
        if state is None:
            self.saved.pop(first_sequence, None)
        else:
            self.saved[first_sequence] = dict(state)


def test_a_restart_resumes_bisect_halves_and_retries_where_they_were():
    uninterrupted = Script(poison={105})
    uninterrupted.run(pending(8), RetryPolicy(bisect_on_error=True, max_retry_attempts=2))
    store, script = DictStore(), Script(poison={105})
    with pytest.raises(Stopped):  # stopped in the first back-off: after [105] alone failed once
        deliver(pending(8), RetryPolicy(bisect_on_error=True, max_retry_attempts=2), script.attempt, script.discard,
                wait=lambda s: False, on_done=lambda items: script.done.extend(p.sequence for p in items),
                clock=lambda: 1000.0, store=store)
    assert set(store.saved) == {"105", "106"}  # the failing record's retries and the untried half behind it
    # The restarted runner reads again from its checkpoint (after 104): same chunks, same budget.
    script.run(pending(8)[5:], RetryPolicy(bisect_on_error=True, max_retry_attempts=2), store=store)
    assert script.calls == uninterrupted.calls and script.discarded == uninterrupted.discarded
    assert sorted(script.done) == list(range(100, 108)) and store.saved == {}


def test_a_crash_during_a_retry_still_spends_it():
    class Crash(Exception):
        pass

    store, script = DictStore(), Script(poison={100})
    crashing = script.attempt

    def attempt(batch):
        if len(script.calls) == 2:  # the runner dies while the second retry runs
            script.calls.append([p.sequence for p in batch])
            raise Crash()
        return crashing(batch)

    with pytest.raises(Crash):
        deliver(pending(1), RetryPolicy(max_retry_attempts=3), attempt, script.discard, wait=lambda s: True,
                on_done=script.done.extend, clock=lambda: 1000.0, store=store)
    script.run(pending(1), RetryPolicy(max_retry_attempts=3), store=store)  # the restarted runner
    assert len(script.calls) == 4 and script.discarded == [([100], "RetryAttemptsExhausted", 4)]
