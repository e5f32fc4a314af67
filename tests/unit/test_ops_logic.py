"""Pure logic of the ops CLI: versions, checkpoints, verify's judgement, settings, mappings, durations, progress."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ddb_opensearch_sync import version
from ddb_opensearch_sync_ops import index_setup, preconditions, settings, versions
from ddb_opensearch_sync_ops.checkpoint import Checkpoint
from ddb_opensearch_sync_ops.errors import OpsError
from ddb_opensearch_sync_ops.progress import Progress, report
from ddb_opensearch_sync_ops.verify import judge, without


def test_cli_versions_lose_to_every_stream_change_made_after_the_start():
    started = 1_700_000_000.9
    ours = versions.below_stream(started)
    # the earliest stream change after the start (clock skew up to the margin) still carries a higher version
    stream = version.assign([(int(started) - versions.MARGIN_SECONDS + 1, 1)])[0]
    assert ours < stream
    assert ours == (1_700_000_000 - 300) * 1_000_000


def test_checkpoint_round_trips_binary_keys_and_marks_segments(tmp_path):
    path = tmp_path / "cp.json"
    checkpoint = Checkpoint.new(path, table="t", index="i", segments=3, version=5, started=1.0)
    checkpoint.advance(0, {"pk": {"B": b"\x00\xff"}}, 10)
    checkpoint.advance(1, None, 7)
    loaded = Checkpoint.load(path)
    assert loaded.segment(0) == {"done": False, "last_key": {"pk": {"B": b"\x00\xff"}}, "items": 10}
    assert loaded.pending() == [0, 2] and not loaded.state["complete"]
    loaded.advance(0, None, 1)
    loaded.advance(2, None, 0)
    assert Checkpoint.load(path).state["complete"] and not (tmp_path / "cp.json.tmp").exists()


def test_judge_equal_different_and_degraded():
    expected = {"pk": "a", "geo": {"lat": "x", "lon": 1}, "a/b": 1, "n": 1}
    assert judge(expected, dict(expected)) == ("equal", "")
    kind, detail = judge(expected, {**expected, "n": 2})
    assert kind == "different" and "n" in detail
    stored = {"pk": "a", "geo": {"lon": 1}, "n": 1, "_sync_dropped_fields": json.dumps(["/geo/lat", "/a~1b"])}
    assert judge(expected, stored)[0] == "degraded"
    assert judge(expected, {**stored, "n": 3})[0] == "different"  # dropping fields does not excuse other changes


def test_without_removes_pointers_including_escapes_and_array_elements():
    assert without({"a": [1, 2, 3], "b~c": 1, "d": 1}, ["/a/1", "/b~0c", "/missing/x"]) == {"a": [1, 3], "d": 1}


def test_settings_flags_override_environment_and_terraform(tmp_path, monkeypatch):
    env = {"OPENSEARCH_ENDPOINT": "http://env:9200", "OPENSEARCH_INDEX": "env-index", "OPENSEARCH_AUTH": "none",
           "DYNAMODB_TABLE": "env-table", "AWS_REGION": "us-east-1", "FAILURE_DESTINATION_ARN": "arn:aws:sqs:us-east-1:1:poison"}
    resolved = settings.resolve({"index": "flag-index"}, env)
    assert (resolved.handler.index, resolved.handler.endpoint, resolved.table) == ("flag-index", "http://env:9200", "env-table")
    assert resolved.destinations == ("arn:aws:sqs:us-east-1:1:poison",)
    outputs = {"table_name": "tf-table", "failure_destination_arn": "arn:aws:sqs:us-east-1:1:esm",
               "function_environment": {"OPENSEARCH_ENDPOINT": "https://tf:443", "OPENSEARCH_INDEX": "tf-index",
                                        "OPENSEARCH_AUTH": "none"}}
    monkeypatch.setattr(settings, "terraform_outputs", lambda directory: outputs)
    resolved = settings.resolve({}, env, terraform_dir=str(tmp_path))
    assert (resolved.table, resolved.handler.index) == ("tf-table", "tf-index")
    assert resolved.destinations == ("arn:aws:sqs:us-east-1:1:esm", "arn:aws:sqs:us-east-1:1:poison")
    # examples/existing-table outputs the stream ARN, not the table name
    outputs = {"stream_arn": "arn:aws:dynamodb:us-east-1:1:table/orders/stream/2024", "function_environment": {}}
    assert settings.resolve({}, env, terraform_dir=str(tmp_path)).table == "orders"


def test_settings_errors_name_the_setting():
    with pytest.raises(OpsError, match="OPENSEARCH_ENDPOINT"):
        settings.resolve({"table": "t"}, {"OPENSEARCH_INDEX": "i"})
    with pytest.raises(OpsError, match="--table"):
        settings.resolve({}, {"OPENSEARCH_ENDPOINT": "http://h:1", "OPENSEARCH_INDEX": "i", "OPENSEARCH_AUTH": "none"})
    with pytest.raises(OpsError, match="no AWS region"):
        settings.resolve({"table": "t"}, {"OPENSEARCH_ENDPOINT": "http://h:1", "OPENSEARCH_INDEX": "i", "OPENSEARCH_AUTH": "none"})
    with pytest.raises(OpsError, match="not a directory or state file"):
        settings.terraform_outputs(Path("/nonexistent-dir-for-test"))


def test_mapping_conflicts_name_each_changed_field():
    existing = {"properties": {"price": {"type": "long"}, "geo": {"properties": {"lat": {"type": "float"}}},
                               "title": {"type": "text", "analyzer": "standard"}}}
    wanted = {"properties": {"price": {"type": "double"}, "geo": {"properties": {"lat": {"type": "double"}}},
                             "title": {"type": "text", "analyzer": "english"}, "new": {"type": "keyword"}}}
    assert index_setup.conflicts(existing, wanted) == [
        "price: existing type long, requested double", "geo.lat: existing type float, requested double",
        "title: existing analyzer 'standard', requested 'english'"]
    assert index_setup.conflicts(existing, {"properties": {"new": {"type": "keyword"}}}) == []


def test_durations():
    assert preconditions.seconds("24h") == 86400 and preconditions.seconds("1500ms") == 1.5
    with pytest.raises(OpsError, match="time value"):
        preconditions.seconds("tomorrow")


def test_progress_prints_plain_lines_off_a_terminal_and_summary_as_json():
    stream = io.StringIO()
    progress = Progress("backfill", 10, interval=0, stream=stream)
    progress.extra = lambda: "1/2 segments done"
    progress.add(5)
    assert stream.getvalue().startswith("backfill: 5 items, ") and "1/2 segments done" in stream.getvalue()
    out = io.StringIO()
    report({"written": 3, "failures": ["x"]}, True, out)
    assert json.loads(out.getvalue()) == {"written": 3, "failures": ["x"]}
    out = io.StringIO()
    report({"written": 3}, False, out)
    assert out.getvalue() == "written: 3\n"


def test_progress_draws_a_bar_on_a_terminal():
    stream = io.StringIO()
    progress = Progress("verify", 10, stream=stream, bar=True)
    progress.add(4)
    progress.close()
    assert "verify" in stream.getvalue() and "4/10" in stream.getvalue()


def test_writer_reports_a_request_without_response_as_failed_per_document():
    from opensearchpy import OpenSearch

    from ddb_opensearch_sync_ops.documents import Document
    from ddb_opensearch_sync_ops.writer import write

    client = OpenSearch(["http://127.0.0.1:1"], max_retries=0, timeout=1)
    documents = [(Document("i", "a", '{"x":1}'), 5), (Document("i", "b", None), 5)]
    outcomes = list(write(client, documents, max_retries=0))
    assert [(o.document.doc_id, o.kind) for o in outcomes] == [("a", "failed"), ("b", "failed")]
    assert "ConnectionError" in outcomes[0].error
