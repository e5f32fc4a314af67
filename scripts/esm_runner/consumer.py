"""One shard of one mapping: read, filter, batch, invoke (in parallel lanes or tumbling windows), retry, checkpoint."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from esm_runner.batching import MAX_PAYLOAD_BYTES, Pending, is_full, is_ready, take_batch
from esm_runner.checkpoints import CheckpointStore, ContiguousProgress
from esm_runner.destinations import DestinationSender, failure_record
from esm_runner.filters import matches_any
from esm_runner.invokers import Invoker, NotInvoked
from esm_runner.logs import JsonLog
from esm_runner.mappings import MappingSettings
from esm_runner.metrics import MappingMetrics
from esm_runner.parallel import plan_round
from esm_runner.responses import Outcome, interpret, not_invoked
from esm_runner.retry import RetryPolicy, Stopped, deliver
from esm_runner.shards import MAX_RECORDS_PER_CALL, Position, Shard, StreamSource
from esm_runner.windows import Window, in_window, window_for


@dataclass
class ShardContext:
    """What every shard consumer of a mapping shares."""

    settings: MappingSettings
    source: StreamSource
    checkpoints: CheckpointStore
    invoker: Invoker
    sender: DestinationSender | None
    metrics: MappingMetrics
    log: JsonLog
    stop: threading.Event
    poll_interval: float
    policy: RetryPolicy


class ShardConsumer:
    def __init__(self, context: ShardContext, shard: Shard, from_trim_horizon: bool) -> None:
        self._c = context
        self._s = context.settings
        self._shard = shard
        self._from_trim_horizon = from_trim_horizon
        self._progress = ContiguousProgress()
        self._pending: list[Pending] = []
        saved = context.checkpoints.shard(shard.shard_id)
        self._window: Window | None = Window.from_json(saved["window"]) if saved.get("window") else None
        self._last_read: str | None = saved.get("sequence")
        self._checkpointed: int | None = int(saved["sequence"]) if saved.get("sequence") else None
        if self._checkpointed is not None:
            context.checkpoints.forget_attempts_up_to(shard.shard_id, self._checkpointed)
        self._attempts = context.checkpoints.attempts(shard.shard_id)
        self._checkpoint_lock = threading.Lock()

    def run(self) -> None:
        """Consume until the shard is closed and fully delivered, or until stopped."""
        if self._c.checkpoints.shard(self._shard.shard_id).get("finished"):
            return
        try:
            self._consume()
        except Stopped:
            return

    def _consume(self) -> None:
        iterator = self._new_iterator()
        first_buffered: float | None = None
        lanes = self._s.parallelization_factor if not self._s.tumbling_window else 1
        with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix=f"lane-{self._shard.shard_id}") as pool:
            while not self._c.stop.is_set():
                got = 0
                # A full round read ahead is dispatched first: reading more before it would only delay it.
                if iterator is not None and self._room(lanes) and not is_full(
                        self._pending, self._s.batch_size * lanes, MAX_PAYLOAD_BYTES * lanes):
                    got, iterator = self._read(iterator)
                    if self._pending and first_buffered is None:
                        first_buffered = time.monotonic()
                closed = iterator is None
                if self._s.tumbling_window:
                    self._close_window_if_due(closed)
                waited = time.monotonic() - first_buffered if first_buffered is not None else 0.0
                dispatched = False
                if is_ready(self._pending, self._s.batch_size, self._s.batching_window, waited) or (
                        closed and self._pending):
                    in_flight = self._dispatch(pool, lanes)
                    # Read ahead while the batches are in flight, as Lambda's poller does: the next batch is ready
                    # when these return. Records read now wait in order behind the in-flight ones.
                    if iterator is not None and not self._s.tumbling_window and self._room(lanes):
                        got, iterator = self._read(iterator)
                    self._wait(in_flight)
                    dispatched = True
                    first_buffered = time.monotonic() if self._pending else None
                self._checkpoint()
                if closed and not self._pending and self._progress.idle() and self._window is None:
                    self._c.checkpoints.update(self._shard.shard_id, finished=True)
                    self._c.log.info("shard_finished", mapping=self._s.uuid, shard=self._shard.shard_id)
                    return
                if not got and not dispatched:
                    self._c.stop.wait(self._c.poll_interval)

    def _room(self, lanes: int) -> bool:
        """Whether the buffer takes another GetRecords' worth (a full round of batches, or one call's maximum)."""
        return len(self._pending) < max(self._s.batch_size * lanes, MAX_RECORDS_PER_CALL)

    def _new_iterator(self) -> str | None:
        if self._last_read is not None:
            position = Position("AFTER_SEQUENCE_NUMBER", self._last_read)
        else:
            position = Position("TRIM_HORIZON" if self._from_trim_horizon else self._s.starting_position)
        try:
            return self._c.source.iterator(self._shard.shard_id, position)
        except Exception as exc:
            if "TrimmedDataAccess" not in str(exc):
                raise
        # The checkpoint is older than the stream's 24 h retention: what it pointed at is gone for good.
        self._c.log.warning("checkpoint_trimmed", mapping=self._s.uuid, shard=self._shard.shard_id,
                            checkpoint=self._last_read)
        return self._c.source.iterator(self._shard.shard_id, Position("TRIM_HORIZON"))

    def _read(self, iterator: str) -> tuple[int, str | None]:
        try:
            records, next_iterator = self._c.source.read(iterator, MAX_RECORDS_PER_CALL)
        except Exception as exc:
            if "ExpiredIterator" not in str(exc):  # iterators expire after 15 minutes on AWS (facts §9)
                raise
            return 0, self._new_iterator()
        self._c.metrics.add("PolledEventCount", len(records))
        for record in records:
            item = Pending(record)
            self._warn_if_not_increasing(item.sequence)
            self._last_read = record["dynamodb"]["SequenceNumber"]
            if matches_any(record, self._s.filters):
                item.position = self._progress.add(item.sequence)
                self._pending.append(item)
            else:  # non-matching records are checkpointed, never delivered nor retried (facts §8)
                self._progress.add(item.sequence, done=True)
                self._c.metrics.add("FilteredOutEventCount")
        return len(records), next_iterator

    def _warn_if_not_increasing(self, sequence: int) -> None:
        """DynamoDB's numbers grow within a shard; an emulator's may repeat or go back. Progress is tracked by
        position, so delivery and the checkpoint go on; the checkpoint never moves back (see ``_checkpoint``)."""
        previous = int(self._last_read) if self._last_read is not None else None
        if previous is not None and sequence <= previous:
            self._c.log.warning("sequence_number_not_increasing", mapping=self._s.uuid, shard=self._shard.shard_id,
                                previous=str(previous), sequence=str(sequence),
                                kind="duplicate" if sequence == previous else "out_of_order")

    def _dispatch(self, pool: ThreadPoolExecutor, lanes: int) -> list[Future[None]]:
        if self._s.tumbling_window:
            if self._window is None:
                self._window = window_for(self._pending[0], self._s.tumbling_window)
            batches = [take_batch(in_window(self._pending, self._window), self._s.batch_size)]
        else:
            batches = plan_round(self._pending, lanes, self._s.batch_size)
        taken = {id(item) for batch in batches for item in batch}
        self._pending = [item for item in self._pending if id(item) not in taken]
        return [pool.submit(self._deliver, batch) for batch in batches if batch]

    @staticmethod
    def _wait(futures: list[Future[None]]) -> None:
        errors = [error for error in (future.exception() for future in futures) if error is not None]
        if errors:  # Stopped, or a bug: the undelivered records stay uncheckpointed
            raise errors[0]

    def _deliver(self, batch: list[Pending]) -> None:
        deliver(batch, self._c.policy, self._attempt, self._discard,
                wait=lambda seconds: not self._c.stop.wait(seconds), on_done=self._done, store=self._attempts)

    def _done(self, items: list[Pending]) -> None:
        self._progress.mark_done([item.position for item in items])
        self._checkpoint()

    def _checkpoint(self) -> None:
        with self._checkpoint_lock:  # lanes finish concurrently: never let an older advance overwrite a newer one
            sequence = self._progress.advance()
            if sequence is not None and (self._checkpointed is None or sequence > self._checkpointed):
                self._checkpointed = sequence
                self._c.checkpoints.update(self._shard.shard_id, sequence=str(sequence))

    def _event(self, records: list[Pending], final: bool = False) -> dict[str, Any]:
        event: dict[str, Any] = {"Records": [item.record for item in records]}
        if self._window is not None:
            event.update(self._window.event_fields(self._shard.shard_id, self._s.stream_arn, final))
        return event

    def _attempt(self, records: list[Pending], final: bool = False) -> Outcome:
        event = self._event(records, final)
        try:
            invocation = self._c.invoker.invoke(self._s.function_arn, event)
        except NotInvoked as exc:
            self._c.log.error("invoke_failed_before_running", mapping=self._s.uuid, error=str(exc))
            return not_invoked(str(exc))
        sequences = [item.record["dynamodb"]["SequenceNumber"] for item in records]
        outcome = interpret(invocation.payload, invocation.error, sequences, self._s.report_batch_item_failures)
        self._record_metrics(records, outcome, invocation.error is not None)
        self._c.log.info(
            "invocation", mapping=self._s.uuid, shard=self._shard.shard_id, batch_size=len(records),
            first_sequence=sequences[0] if sequences else None, last_sequence=sequences[-1] if sequences else None,
            succeeded=outcome.succeeded, reason=outcome.reason or None, error_type=invocation.error_type,
            final_for_window=final or None,
        )
        if outcome.succeeded and self._window is not None and isinstance(outcome.state, dict) and not final:
            self._window.keep_state(outcome.state)
            self._c.checkpoints.update(self._shard.shard_id, window=self._window.to_json())
        return outcome

    def _record_metrics(self, records: list[Pending], outcome: Outcome, function_error: bool) -> None:
        metrics = self._c.metrics
        metrics.add("InvokedEventCount", len(records))
        if records:
            metrics.iterator_age(records[-1].created)
        if function_error:
            metrics.add("Errors")
        if not outcome.succeeded:
            metrics.add("FailedInvokeEventCount", len(records) - (outcome.failed_from or 0))
        self._c.log.info("metrics", mapping=self._s.uuid, **metrics.snapshot())

    def _discard(self, records: list[Pending], condition: str, outcome: Outcome | None, invocations: int,
                 first_failure: float | None) -> None:
        self._c.metrics.add("DroppedEventCount", len(records))
        destination = self._s.on_failure_destination
        self._c.log.warning(
            "records_discarded", mapping=self._s.uuid, shard=self._shard.shard_id, condition=condition,
            count=len(records), first_sequence=str(records[0].sequence), destination=destination,
            invocations=invocations, failing_since=first_failure,
        )
        if not destination or self._c.sender is None:
            return
        message = failure_record(records=records, condition=condition, outcome=outcome, invoke_count=invocations,
                                 function_arn=self._s.function_arn, stream_arn=self._s.stream_arn,
                                 shard_id=self._shard.shard_id)
        try:
            self._c.sender.send(destination, message, self._event(records), self._s.uuid)
            self._c.metrics.add("OnFailureDestinationDeliveredEventCount", len(records))
        except Exception as exc:  # the records are gone either way; the failure is counted and logged
            self._c.metrics.add("DestinationDeliveryFailures")
            self._c.log.error("destination_delivery_failed", mapping=self._s.uuid, destination=destination,
                              error=str(exc))

    def _close_window_if_due(self, closed: bool) -> None:
        """Final invocation when the window has ended: a record of a later window arrived, the wall clock passed
        its end with nothing of it left to deliver, the shard ended, or the state outgrew its limit (early end)."""
        window = self._window
        if window is None or (in_window(self._pending, window) and not window.terminated_early):
            return
        if not (self._pending or closed or time.time() >= window.end or window.terminated_early):
            return
        retries = 0
        while True:
            outcome = self._attempt([], final=True)
            if outcome.succeeded:
                break
            retries += outcome.invoked
            if self._c.policy.exhausted(retries):
                self._c.log.error("window_final_invoke_failed", mapping=self._s.uuid, shard=self._shard.shard_id,
                                  window=window.to_json(), reason=outcome.reason)
                break
            if self._c.stop.wait(self._c.policy.delay(max(retries, 1))):
                raise Stopped()
        self._window = None
        self._c.checkpoints.update(self._shard.shard_id, window=None)
