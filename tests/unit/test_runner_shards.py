"""Shard consumption on an in-memory multi-shard stream (no emulator splits shards): lineage, parallel order,
filters checkpointed, resume after a restart, tumbling windows, metrics."""

from __future__ import annotations

import io
import json
import threading
import time

from esm_runner.checkpoints import CheckpointStore
from esm_runner.consumer import ShardContext
from esm_runner.invokers import Invocation
from esm_runner.logs import JsonLog
from esm_runner.mappings import MappingSettings
from esm_runner.metrics import MappingMetrics
from esm_runner.retry import RetryPolicy
from esm_runner.runner import MappingWorker
from esm_runner.shards import InMemoryStream

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:f"


class RecordingInvoker:
    """Calls ``behaviour(event)`` in-process and keeps every event, thread-safely; an ``Invocation`` returned by
    ``behaviour`` (a function error) is passed on as it is."""

    def __init__(self, behaviour=lambda event: None, delay=0.0):
        self.behaviour, self.delay = behaviour, delay
        self.events: list[dict] = []
        self._lock = threading.Lock()

    def invoke(self, function_arn, event):
        time.sleep(self.delay)
        with self._lock:
            self.events.append(json.loads(json.dumps(event)))
        result = self.behaviour(event)
        return result if isinstance(result, Invocation) else Invocation(result)

    def close(self):
        pass

    def delivered(self):
        with self._lock:
            return [r["dynamodb"]["SequenceNumber"] for e in self.events for r in e["Records"]]


def run_mapping(stream, invoker, tmp_path, until, timeout=10.0, log_stream=None, sender=None, **settings):
    settings = MappingSettings(uuid="m-1", function_arn=FUNCTION, stream_arn=stream.stream_arn, enabled=True,
                               **settings)
    metrics = MappingMetrics(event_counts=True)
    context = ShardContext(settings=settings, source=stream, checkpoints=CheckpointStore(tmp_path, "m-1"),
                           invoker=invoker, sender=sender, metrics=metrics, log=JsonLog(log_stream or io.StringIO()),
                           stop=threading.Event(), poll_interval=0.01,
                           policy=RetryPolicy(settings.bisect_on_error, settings.max_retry_attempts,
                                              settings.max_record_age, 0.01, 0.05))
    worker = MappingWorker(context, refresh_interval=0.02)
    worker.start()
    deadline = time.monotonic() + timeout
    try:
        while not until():
            assert time.monotonic() < deadline, f"condition not met; delivered {invoker.delivered()}"
            time.sleep(0.01)
    finally:
        worker.stop()
    return metrics


def key(i):
    return {"pk": {"S": f"item-{i}"}}


# An hour ago, on a window boundary: windows long over, records still within the stream's 24 h retention.
HOUR_AGO = (int(time.time()) // 3600 - 1) * 3600


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_parent_shard_is_delivered_before_its_children(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("parent")
    stream.add_shard("child-a", "parent")
    stream.add_shard("child-b", "parent")
    parent = [stream.put("parent", key(i)) for i in range(5)]
    children = [stream.put(shard, key(i)) for i in range(5) for shard in ("child-a", "child-b")]
    stream.close("parent")
    invoker = RecordingInvoker(delay=0.01)
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 15, batch_size=2)
    delivered = invoker.delivered()
    assert delivered[:5] == parent
    assert sorted(delivered[5:]) == sorted(children)
    assert CheckpointStore(tmp_path, "m-1").shard("parent")["finished"] is True


def test_parallelization_keeps_order_per_item_and_runs_lanes_concurrently(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    written = [(i % 7, stream.put("s", key(i % 7))) for i in range(70)]
    active, peak = [0], [0]
    lock = threading.Lock()

    def behaviour(event):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1

    invoker = RecordingInvoker(behaviour)
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 70, batch_size=3,
                parallelization_factor=5, batching_window=0.2)
    by_item: dict[int, list[int]] = {}
    for event in invoker.events:
        for record in event["Records"]:
            by_item.setdefault(record["dynamodb"]["Keys"]["pk"]["S"], []).append(
                int(record["dynamodb"]["SequenceNumber"]))
    for item, sequence in by_item.items():
        assert sequence == sorted(sequence), item
    assert sorted(int(s) for s in invoker.delivered()) == sorted(int(s) for _, s in written)
    assert peak[0] > 1


def test_non_matching_records_are_checkpointed_and_never_delivered(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    sequences = [stream.put("s", key(i), {"kind": {"S": "keep" if i % 2 else "drop"}}) for i in range(6)]
    pattern = json.dumps({"dynamodb": {"NewImage": {"kind": {"S": ["keep"]}}}})
    from esm_runner.filters import parse_filter_criteria

    invoker = RecordingInvoker()
    metrics = run_mapping(
        stream, invoker, tmp_path,
        lambda: CheckpointStore(tmp_path, "m-1").shard("s").get("sequence") == sequences[-1],
        filters=parse_filter_criteria({"Filters": [{"Pattern": pattern}]}))
    assert invoker.delivered() == sequences[1::2]
    snapshot = metrics.snapshot()
    assert snapshot["PolledEventCount"] == 6 and snapshot["FilteredOutEventCount"] == 3
    assert snapshot["InvokedEventCount"] == 3


def test_restart_resumes_after_the_checkpoint_without_skipping(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    first = [stream.put("s", key(i)) for i in range(4)]
    invoker = RecordingInvoker()
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 4)
    second = [stream.put("s", key(i)) for i in range(4, 7)]
    again = RecordingInvoker()
    run_mapping(stream, again, tmp_path, lambda: len(again.delivered()) == 3, starting_position="LATEST")
    assert invoker.delivered() == first and again.delivered() == second


def test_tumbling_window_carries_state_and_ends_with_a_final_invocation(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    for i in range(4):
        stream.put("s", key(i), created=HOUR_AGO + 0.2)
    for i in range(2):
        stream.put("s", key(i), created=HOUR_AGO + 11.0)

    def behaviour(event):
        return {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}}

    invoker = RecordingInvoker(behaviour)
    run_mapping(stream, invoker, tmp_path,
                lambda: sum(e["isFinalInvokeForWindow"] for e in invoker.events) >= 2,
                batch_size=3, tumbling_window=10)
    finals = [e for e in invoker.events if e["isFinalInvokeForWindow"]]
    assert [f["state"] for f in finals] == [{"count": 4}, {"count": 2}]
    assert finals[0]["window"] == {"start": iso(HOUR_AGO), "end": iso(HOUR_AGO + 10)}
    assert all(e["shardId"] == "s" and e["eventSourceARN"] == stream.stream_arn for e in invoker.events)
    first_window_batches = [len(e["Records"]) for e in invoker.events if e["window"] == finals[0]["window"]]
    assert first_window_batches == [3, 1, 0]


class TrimmedStream(InMemoryStream):
    """A stream whose retention has dropped what the checkpoint points at."""

    def iterator(self, shard_id, position):
        if position.sequence_number is not None:
            raise RuntimeError("An error occurred (TrimmedDataAccessException) when calling GetShardIterator")
        return super().iterator(shard_id, position)


def test_a_checkpoint_beyond_retention_restarts_at_trim_horizon(tmp_path):
    stream = TrimmedStream()
    stream.add_shard("s")
    written = [stream.put("s", key(i)) for i in range(3)]
    CheckpointStore(tmp_path, "m-1").update("s", sequence="1")
    invoker = RecordingInvoker()
    log = io.StringIO()
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 3, log_stream=log)
    assert invoker.delivered() == written
    assert '"checkpoint_trimmed"' in log.getvalue() and "shard_consumer_failed" not in log.getvalue()


class InstrumentedStream(InMemoryStream):
    """Records GetRecords limits, and lets one read fail with an expired iterator (AWS: after 15 minutes)."""

    def __init__(self, expire_at_read=None):
        super().__init__()
        self.limits, self.expire_at_read = [], expire_at_read

    def read(self, iterator, limit):
        self.limits.append(limit)
        if len(self.limits) == self.expire_at_read:
            raise RuntimeError("An error occurred (ExpiredIteratorException) when calling GetRecords")
        return super().read(iterator, limit)


def test_get_records_asks_for_at_most_1000_records(tmp_path):
    stream = InstrumentedStream()
    stream.add_shard("s")
    for i in range(2500):
        stream.put("s", key(i))
    invoker = RecordingInvoker()
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 2500, batch_size=10000)
    assert max(stream.limits) == 1000 and len(stream.limits) >= 3


def test_an_expired_iterator_is_renewed_after_the_last_record_read(tmp_path):
    stream = InstrumentedStream(expire_at_read=2)
    stream.add_shard("s")
    written = [stream.put("s", key(i)) for i in range(3)]
    invoker = RecordingInvoker()

    def write_after_the_expiry_then_all_delivered():
        if len(stream.limits) >= 3 and len(written) == 3:
            written.extend(stream.put("s", key(i)) for i in range(3, 5))
        return len(invoker.delivered()) >= 5

    log = io.StringIO()
    run_mapping(stream, invoker, tmp_path, write_after_the_expiry_then_all_delivered, log_stream=log)
    assert invoker.delivered() == written  # nothing skipped, nothing twice
    assert "shard_consumer_failed" not in log.getvalue()  # renewed in place, not by a crash and restart


def test_a_state_over_1_mb_ends_the_window_early(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    for i in range(4):
        stream.put("s", key(i), created=HOUR_AGO)

    def behaviour(event):
        grown = any(r["dynamodb"]["Keys"] == key(0) for r in event["Records"])
        return {"state": {"blob": "x" * (1024 * 1024 + 1)} if grown else {"n": len(event["Records"])}}

    invoker = RecordingInvoker(behaviour)
    run_mapping(stream, invoker, tmp_path, lambda: sum(e["isFinalInvokeForWindow"] for e in invoker.events) >= 2,
                batch_size=2, tumbling_window=10)
    shape = [(len(e["Records"]), e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"], list(e["state"]))
             for e in invoker.events]
    # The oversized state ends the window early (final invocation with that state); the rest start afresh.
    assert shape == [(2, False, False, []), (0, True, True, ["blob"]), (2, False, False, []), (0, True, False, ["n"])]


def test_repeated_and_out_of_order_sequence_numbers_are_logged_and_the_checkpoint_still_advances(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    numbers = ["100000000000000000101", "100000000000000000102", "100000000000000000102", "100000000000000000104",
               "100000000000000000103", "100000000000000000105"]
    for i, number in enumerate(numbers):
        stream.put("s", key(i), sequence=number)
    invoker = RecordingInvoker()
    log = io.StringIO()
    # Batches of 3 put both records numbered ...102 in one batch (the case that froze the checkpoint).
    run_mapping(stream, invoker, tmp_path, lambda: CheckpointStore(tmp_path, "m-1").shard("s").get("sequence")
                == numbers[-1], log_stream=log, batch_size=3)
    assert invoker.delivered() == numbers  # every record once, in stream order
    warnings = [json.loads(line) for line in log.getvalue().splitlines() if "sequence_number_not_increasing" in line]
    assert [(w["shard"], w["previous"], w["sequence"], w["kind"]) for w in warnings] == [
        ("s", numbers[1], numbers[2], "duplicate"), ("s", numbers[3], numbers[4], "out_of_order")]


def test_a_failure_naming_a_repeated_sequence_number_redelivers_from_its_first_record(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    numbers = ["100000000000000000101", "100000000000000000102", "100000000000000000102", "100000000000000000103"]
    for i, number in enumerate(numbers):
        stream.put("s", key(i), sequence=number)
    calls = []

    def behaviour(event):
        calls.append([r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": numbers[1]}]} if len(calls) == 1 else None

    invoker = RecordingInvoker(behaviour)
    run_mapping(stream, invoker, tmp_path, lambda: len(calls) == 2, batch_size=4,
                report_batch_item_failures=True)
    # Both records numbered ...102 are retried: the checkpoint stays below the first of them.
    assert calls == [["item-0", "item-1", "item-2", "item-3"], ["item-1", "item-2", "item-3"]]


def test_retry_budget_survives_a_restart_mid_retries(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    stream.put("s", key(0))
    invoker = RecordingInvoker(lambda event: Invocation(None, error="poison", error_type="RuntimeError"))
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.events) >= 2, max_retry_attempts=3)
    assert CheckpointStore(tmp_path, "m-1").shard("s")["attempts"]  # the budget used so far is on disk
    log = io.StringIO()
    run_mapping(stream, invoker, tmp_path, lambda: "records_discarded" in log.getvalue(), log_stream=log,
                max_retry_attempts=3)
    # 1 + MaximumRetryAttempts deliveries in total across both runs, and the discard says so.
    assert len(invoker.events) == 4
    [discarded] = [json.loads(line) for line in log.getvalue().splitlines() if "records_discarded" in line]
    assert discarded["invocations"] == 4 and discarded["failing_since"] is not None
    assert CheckpointStore(tmp_path, "m-1").shard("s")["attempts"] == {}


def test_the_next_records_are_read_while_a_batch_is_in_flight_and_delivered_in_order(tmp_path):
    stream = InMemoryStream()
    stream.add_shard("s")
    written = [stream.put("s", key(i)) for i in range(2500)]
    reads_seen_in_flight = []

    def behaviour(event):  # the first batch returns only once the poller has read on (or after 5 s)
        if not reads_seen_in_flight:
            deadline = time.monotonic() + 5
            while stream.reads < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            reads_seen_in_flight.append(stream.reads)

    invoker = RecordingInvoker(behaviour)
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 2500, batch_size=1000)
    assert reads_seen_in_flight == [2]
    assert invoker.delivered() == written


def test_a_full_batch_read_ahead_is_invoked_without_another_read_first(tmp_path):
    """The read made while a batch is in flight already holds the next full batch: the poller invokes it at once
    (one GetRecords per batch), not after reading again."""
    stream = InMemoryStream()
    stream.add_shard("s")
    written = [stream.put("s", key(i)) for i in range(1000)]
    reads_at_invocation = []
    invoker = RecordingInvoker(lambda event: reads_at_invocation.append(stream.reads))
    run_mapping(stream, invoker, tmp_path, lambda: len(invoker.delivered()) == 1000, batch_size=100)
    assert invoker.delivered() == written and len(reads_at_invocation) == 10
    assert max(reads_at_invocation) <= len(reads_at_invocation) + 1, reads_at_invocation
