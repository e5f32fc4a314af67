"""The chaos suite's own bookkeeping, on hand-made inputs: if it miscounts, the chaos verdict means nothing."""

from __future__ import annotations

import json

import pytest

from accounting import CheckpointMonitor, StreamRecord, destination_records, remove_pointer, undelivered

pytestmark = pytest.mark.chaos

SHARD = "shard-1"
RECORDS = [StreamRecord(SHARD, n, f"k{n}", "INSERT", 1000.0 + n) for n in (10, 11, 12, 13)]


def test_remove_pointer_follows_rfc_6901_escapes_and_list_indexes():
    document = {"a/b": 1, "m~n": 2, ".": 3, "list": [1, "x", {"deep": [False]}], "keep": 4}
    for pointer in ("/a~1b", "/m~0n", "/.", "/list/1", "/absent"):
        remove_pointer(document, pointer)
    assert document == {"list": [1, {"deep": [False]}], "keep": 4}


def test_destination_records_reads_the_handlers_message_and_the_mappings_range():
    handler = {"condition": "PoisonRecord", "error": "mapper_parsing_exception: field [.] ...",
               "record": {"dynamodb": {"Keys": {"pk": {"S": "k11"}}, "SequenceNumber": "11"}}}
    mapping = {"requestContext": {"condition": "RetryAttemptsExhausted"},
               "DDBStreamBatchInfo": {"shardId": SHARD, "startSequenceNumber": "12", "endSequenceNumber": "13"}}
    found = destination_records([handler, mapping], RECORDS)
    assert [(d.key, d.sequence, d.source) for d in found] == [("k11", "11", "function"), ("k12", "12", "mapping"),
                                                              ("k13", "13", "mapping")]
    assert found[0].reason.startswith("mapper_parsing_exception") and found[1].reason == "RetryAttemptsExhausted"


def test_undelivered_counts_successes_and_the_records_before_a_reported_failure(tmp_path):
    log = tmp_path / "runner.log"
    events = [
        {"event": "invocation", "mapping": "m", "shard": SHARD, "first_sequence": "10", "last_sequence": "13",
         "succeeded": False, "reason": "batchItemFailures from SequenceNumber 12"},
        {"event": "invocation", "mapping": "other", "shard": SHARD, "first_sequence": "12", "last_sequence": "13",
         "succeeded": True},
    ]
    log.write_text("\n".join(json.dumps(e) for e in events) + '\n{"event": "invocation", "cut short')
    assert [r.sequence for r in undelivered(log, "m", RECORDS)] == [12, 13]


def test_longest_block_measures_a_standing_checkpoint_with_records_pending(tmp_path):
    monitor = CheckpointMonitor(tmp_path / "absent.json")
    # checkpoint at 11 from t=1000 to t=1030 while record 12 (created at 1012) waits; then it moves on.
    monitor.samples = [(1000.0, {SHARD: 11}), (1030.0, {SHARD: 11}), (1031.0, {SHARD: 13})]
    longest, where = monitor.longest_block(RECORDS)
    assert longest == pytest.approx(18.0) and where == f"shard {SHARD} at checkpoint 11"
