"""Failure mapping: which SequenceNumbers the handler reports, for every kind of outcome (fake OpenSearch)."""
from __future__ import annotations

import json

import pytest

from ddb_opensearch_sync.config import load
from ddb_opensearch_sync.records import MalformedEvent
from ddb_opensearch_sync import sync as sync_module
from ddb_opensearch_sync.sync import Syncer

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
ENV = {"OPENSEARCH_ENDPOINT": "http://127.0.0.1:9", "OPENSEARCH_INDEX": "products", "OPENSEARCH_AUTH": "none",
       "MAX_RETRIES": "0", "METRICS_NAMESPACE": ""}


def record(seq, name, key, image=None, second=1700000000, **extra):
    stream = {"Keys": {"id": {"S": key}}, "SequenceNumber": str(seq), "ApproximateCreationDateTime": second,
              "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if image is not None:
        stream["NewImage"] = {"id": {"S": key}, **image}
    return {"eventName": name, "eventSourceARN": ARN, "dynamodb": stream, **extra}


class Node:
    """Fake OpenSearch: status per document id (default 201), records the actions it saw."""

    def __init__(self, statuses=None):
        self.statuses = statuses or {}
        self.seen: list[dict] = []

    def request(self, method, path, body, headers, timeout):
        lines = [json.loads(line) for line in body.splitlines()]
        items = []
        for line in lines:
            if "index" in line or "delete" in line:
                op, meta = next(iter(line.items()))
                self.seen.append({op: meta})
                status = self.statuses.get(meta["_id"], 201)
                error = {"type": "mapper_parsing_exception", "reason": "bad"} if status == 400 else None
                items.append({op: {"status": status, **({"error": error} if error else {})}})
        return 200, json.dumps({"errors": True, "items": items}).encode()


def run(records, statuses=None, **env):
    node = Node(statuses)
    sent = []
    syncer = Syncer(load({**ENV, **env}), transport=node, fetch=lambda arn, keys: {"id": keys["id"], "fetched": {"BOOL": True}},
                    send_poison=lambda arn, rec, report, fn: sent.append((arn, rec["dynamodb"]["SequenceNumber"], report)))
    return syncer.handle({"Records": records}), node, sent


def failures(response):
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def test_all_written_reports_nothing_and_only_the_latest_change_per_document_is_sent():
    response, node, _ = run([record(1, "INSERT", "a", {"v": {"N": "1"}}), record(2, "MODIFY", "a", {"v": {"N": "2"}}),
                             record(3, "REMOVE", "b")])
    assert response == {"batchItemFailures": []}
    assert [(next(iter(a)), a[next(iter(a))]["_id"]) for a in node.seen] == [("index", "a"), ("delete", "b")]


def test_a_failed_document_reports_its_records_including_superseded_ones_and_nothing_else():
    records = [record(10, "INSERT", "a", {}), record(11, "INSERT", "b", {}), record(12, "MODIFY", "a", {})]
    response, _, _ = run(records, statuses={"a": 503})
    assert failures(response) == ["10", "12"]


def test_stale_409_is_success_and_missing_delete_is_success():
    response, _, _ = run([record(5, "INSERT", "a", {}, second=1), record(6, "REMOVE", "gone")],
                         statuses={"a": 409, "gone": 404})
    assert failures(response) == []


def test_poison_is_reported_by_default():
    response, _, sent = run([record(7, "INSERT", "a", {"bad": {"Q": "1"}}), record(8, "INSERT", "b", {}),
                             record(9, "INSERT", "c", {})], statuses={"c": 400})
    assert failures(response) == ["7", "9"] and sent == []


def test_poison_goes_to_the_destination_with_its_error_and_the_stream_moves_on():
    arn = "arn:aws:sqs:us-east-1:123456789012:poison"
    response, _, sent = run([record(7, "INSERT", "a", {"bad": {"Q": "1"}}), record(9, "INSERT", "c", {})],
                            statuses={"c": 400}, POISON_POLICY="destination", FAILURE_DESTINATION_ARN=arn)
    assert failures(response) == []
    assert [(s[0], s[1]) for s in sent] == [(arn, "7"), (arn, "9")]
    assert "unknown DynamoDB type 'Q'" in sent[0][2].reason and "mapper_parsing_exception" in sent[1][2].reason
    assert [(s[2].document_id, s[2].index, s[2].dropped) for s in sent] == [("a", "", []), ("c", "products", [])]


def test_unreachable_destination_reports_the_poison_record():
    node = Node({"c": 400})

    def broken(*args):
        raise ConnectionError("no route")

    syncer = Syncer(load({**ENV, "POISON_POLICY": "destination", "FAILURE_DESTINATION_ARN": "arn:aws:sns:us-east-1:1:t"}),
                    transport=node, send_poison=broken)
    assert failures(syncer.handle({"Records": [record(9, "INSERT", "c", {})]})) == ["9"]


@pytest.mark.parametrize("policy, ops", [("delete", [("delete", "t")]), ("keep", [])])
def test_ttl_deletes_follow_the_setting(policy, ops):
    ttl = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    response, node, _ = run([record(3, "REMOVE", "t", userIdentity=ttl)], TTL_DELETES=policy)
    assert failures(response) == []
    assert [(next(iter(a)), a[next(iter(a))]["_id"]) for a in node.seen] == ops


def test_keys_only_records_index_the_fetched_item():
    rec = record(4, "MODIFY", "k")
    rec["dynamodb"]["StreamViewType"] = "KEYS_ONLY"
    response, node, _ = run([rec])
    assert failures(response) == [] and node.seen[0]["index"]["_id"] == "k"


def test_fetch_failure_is_reported_not_skipped():
    rec = record(4, "MODIFY", "k")

    def down(arn, keys):
        raise ConnectionError("dynamodb unreachable")

    syncer = Syncer(load(ENV), transport=Node(), fetch=down)
    assert failures(syncer.handle({"Records": [rec]})) == ["4"]


def test_unreachable_opensearch_reports_every_record():
    syncer = Syncer(load({**ENV, "OPENSEARCH_TIMEOUT_SECONDS": "0.5"}))
    response = syncer.handle({"Records": [record(1, "INSERT", "a", {}), record(2, "REMOVE", "b")]})
    assert failures(response) == ["1", "2"]


@pytest.mark.parametrize("event, message", [
    ({}, "no Records list"),
    ({"Records": [{"dynamodb": {}}]}, "Records[0] has no dynamodb.SequenceNumber"),
    ({"Records": [{"dynamodb": {"SequenceNumber": 12}}]}, "Records[0] has no dynamodb.SequenceNumber"),
    ({"Records": [{"dynamodb": ["SequenceNumber"]}]}, "Records[0] has no dynamodb.SequenceNumber"),
    ({"Records": ["not a record"]}, "Records[0] has no dynamodb.SequenceNumber"),
])
def test_events_without_sequence_numbers_fail_the_whole_batch_so_nothing_is_lost(event, message):
    with pytest.raises(MalformedEvent) as raised:
        Syncer(load(ENV), transport=Node()).handle(event)
    assert message in str(raised.value)


def test_one_json_line_per_invocation_with_emf_and_one_line_per_poison_record(capsys):
    run([record(k, "INSERT", str(k), {}) for k in range(1, 51)], statuses={str(k): 400 for k in range(3, 10)},
        METRICS_NAMESPACE="Sync")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    poison, line = lines[:-1], lines[-1]
    assert [(p["message"], p["sequenceNumber"], p["keys"]) for p in poison] == [
        ("poison record", str(k), {"id": {"S": str(k)}}) for k in range(3, 10)]  # every one, not the first five
    assert all("mapper_parsing_exception: bad" in p["reason"] for p in poison)
    assert line["records"] == 50 and line["outcomes"] == {"written": 43, "poison": 7} and line["Failed"] == 7
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Sync" and len(line["poison"]) == 5


def test_debug_adds_one_line_per_failed_record(capsys):
    run([record(1, "INSERT", "a", {}), record(2, "INSERT", "b", {})], statuses={"b": 503}, LOG_LEVEL="DEBUG")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["level"], line.get("sequenceNumber")) for line in lines] == [("DEBUG", "2"), ("ERROR", None)]
    assert lines[0]["error"] == "HTTP 503"


class Context:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


@pytest.mark.parametrize("remaining_ms, requests", [(60_000, 4), (1_100, 1)])
def test_retries_fit_in_the_invocation_time_the_context_reports(remaining_ms, requests):
    node = Node({"a": 503})
    syncer = Syncer(load({**ENV, "MAX_RETRIES": "3", "OPENSEARCH_TIMEOUT_SECONDS": "0.2"}), transport=node)
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "a", {})]}, Context(remaining_ms))) == ["1"]
    assert len(node.seen) == requests


def test_only_the_latest_change_per_document_is_converted(monkeypatch):
    """Superseded images are never converted: an unreadable one shares the latest change's outcome."""
    from ddb_opensearch_sync import convert
    converted = []
    real = convert.item
    monkeypatch.setattr(convert, "item", lambda image: converted.append(image.get("v")) or real(image))
    response, node, sent = run([record(1, "INSERT", "a", {"v": {"N": "1"}, "bad": {"Q": "1"}}),
                                record(2, "MODIFY", "a", {"v": {"N": "2"}}), record(3, "INSERT", "b", {"v": {"N": "3"}})],
                               statuses={"b": 503})
    assert converted == [{"N": "2"}, {"N": "3"}]
    assert failures(response) == ["3"] and sent == [] and [a["index"]["_id"] for a in node.seen] == ["a", "b"]


def test_an_unconvertible_latest_change_is_poison_and_the_one_before_it_is_written():
    response, node, sent = run([record(1, "INSERT", "a", {"v": {"N": "1"}}), record(2, "MODIFY", "a", {"v": {"N": "2"}}),
                                record(3, "MODIFY", "a", {"bad": {"Q": "1"}})])
    assert failures(response) == ["3"] and sent == []
    assert [(a["index"]["_id"], a["index"]["version"]) for a in node.seen] == [("a", 1700000000_000001)]


def test_an_index_template_is_filled_from_the_latest_change_only():
    old = {"tenant": {"S": "Old"}}
    remove = record(3, "REMOVE", "a")
    remove["dynamodb"]["OldImage"] = {"id": {"S": "a"}, "tenant": {"S": "Acme"}}
    response, node, _ = run([record(1, "INSERT", "a", {"tenant": {"N": "1.5"}}), record(2, "MODIFY", "a", old), remove,
                             record(4, "INSERT", "b", {"tenant": {"S": "Beta"}})], OPENSEARCH_INDEX="t-{tenant}")
    assert failures(response) == []
    assert node.seen == [{"delete": {"_index": "t-acme", "_id": "a", "version": 1700000000_000002, "version_type": "external"}},
                         {"index": {"_index": "t-beta", "_id": "b", "version": 1700000000_000003, "version_type": "external"}}]


def test_an_unconvertible_latest_change_falls_back_to_an_earlier_change_read_from_the_table():
    keys_only = record(1, "INSERT", "a")  # no NewImage: the item is read (fetch stub: {"fetched": true})
    response, node, _ = run([keys_only, record(2, "MODIFY", "a", {"bad": {"Q": "1"}})])
    assert failures(response) == ["2"] and [a["index"]["_id"] for a in node.seen] == ["a"]


def test_the_garbage_collector_is_paused_during_an_invocation_and_restored_after():
    import gc

    class Watching(Node):
        collecting: list[bool] = []

        def request(self, method, path, body, headers, timeout):
            self.collecting.append(gc.isenabled())
            return super().request(method, path, body, headers, timeout)

    node = Watching()
    assert gc.isenabled()
    Syncer(load(ENV), transport=node).handle({"Records": [record(1, "INSERT", "a", {})]})
    assert node.collecting == [False] and gc.isenabled()
    gc.disable()
    try:  # an embedding that runs without the collector keeps it off
        Syncer(load(ENV), transport=node).handle({"Records": [record(2, "INSERT", "a", {})]})
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_container_remembers_its_last_successful_writes_up_to_a_bound_oldest_forgotten_first(monkeypatch):
    monkeypatch.setattr(sync_module, "REMEMBERED_WRITES", 3)
    node = Node({"bad": 503})
    syncer = Syncer(load(ENV), transport=node)
    syncer.handle({"Records": [record(1, "INSERT", "a", {}), record(2, "INSERT", "b", {}), record(3, "INSERT", "bad", {})]})
    syncer.handle({"Records": [record(4, "INSERT", "c", {}), record(5, "MODIFY", "a", {}), record(6, "INSERT", "d", {})]})
    assert syncer.written == {("products", "c"): (1700000000_000000, 4), ("products", "a"): (1700000000_000001, 5),
                              ("products", "d"): (1700000000_000002, 6)}  # b is the oldest; bad was not written
