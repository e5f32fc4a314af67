"""Records OpenSearch rejects for good: reasons keep their cause, the rest of the item is indexed without the
conflicting fields (named in `_sync_dropped_fields`), the conflict goes to the destination; infrastructure
failures are never poison. Fake OpenSearch answering with the reasons a real 2.19 node gives."""
from __future__ import annotations

import json

import pytest

from ddb_opensearch_sync import degrade, destination
from ddb_opensearch_sync.bulk import Result, _item_result, _request_error
from ddb_opensearch_sync.config import load
from ddb_opensearch_sync.records import Change
from ddb_opensearch_sync.sync import Syncer, classify

from test_handler_failures import ENV, failures, record

ARN = "arn:aws:sqs:us-east-1:123456789012:poison"


def parse_error(reason: str, cause: str | None = None) -> dict:
    error = {"type": "mapper_parsing_exception", "reason": reason}
    if cause:
        error["caused_by"] = {"type": "illegal_argument_exception", "reason": cause}
    return error


def verdict(source: dict) -> dict | None:
    """What a node whose index maps `n` as long says about a document (first problem only, as OpenSearch does)."""
    for name, value in source.items():
        if name in (".", ".."):
            return parse_error("failed to parse", "field name cannot contain only the character [.]")
        if name == "":
            return parse_error("failed to parse", "field name cannot be an empty string")
        if name.startswith(".") or ".." in name:
            return parse_error("failed to parse",
                               f"object field starting or ending with a [.] makes object resolution ambiguous: [{name}]")
        if name == "n" and not isinstance(value, int):
            return parse_error(f"failed to parse field [n] of type [long] in document with id 'x'. Preview of field's value: '{value}'",
                               f'For input string: "{value}"')
        if isinstance(value, list) and len({type(v) for v in value}) > 1:
            return {"type": "illegal_argument_exception", "reason": f"mapper [{name}] cannot be changed from type [long] to [text]"}
    if source.get("deny"):
        return {"type": "mapper_parsing_exception", "reason": "Limit of total fields [1000] has been exceeded"}
    return None


class Mapper:
    """Fake node: each action judged by `verdict`; keeps the stored documents; `down` answers every item 503."""

    def __init__(self, item_status: int | None = None):
        self.docs: dict[str, dict] = {}
        self.requests = 0
        self.item_status = item_status

    def request(self, method, path, body, headers, timeout):
        self.requests += 1
        lines = [json.loads(line) for line in body.splitlines()]
        items = []
        for meta_line, source in zip(lines[::2], lines[1::2]):
            meta = meta_line["index"]
            if self.item_status:
                items.append({"index": {"status": self.item_status, "error": {"type": "x", "reason": "y"}}})
                continue
            error = verdict(source)
            if error is None:
                self.docs[meta["_id"]] = source
            items.append({"index": {"status": 400, "error": error} if error else {"status": 201}})
        return 200, json.dumps({"errors": True, "items": items}).encode()


def sync(node, policy="destination", broken_destination=False):
    sent = []

    def send(arn, rec, report, fn):
        if broken_destination:
            raise ConnectionError("queue unreachable")
        sent.append((rec["dynamodb"]["SequenceNumber"], report))

    env = {**ENV, "POISON_POLICY": policy, **({"FAILURE_DESTINATION_ARN": ARN} if policy == "destination" else {})}
    return Syncer(load(env), transport=node, send_poison=send), sent


ITEMS = {
    "string-in-long": {"n": {"S": "abc"}, "name": {"S": "kept"}},
    "dot": {".": {"N": "1"}, "name": {"S": "kept"}},
    "double-dot": {"a..b": {"N": "1"}, "name": {"S": "kept"}},
    "dot-meta": {".meta": {"M": {"x": {"N": "1"}}}, "name": {"S": "kept"}},
    "empty-name": {"": {"N": "1"}, "name": {"S": "kept"}},  # the reason names no field: the shape step finds it
    "mixed-list": {"l": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"deep": {"L": [{"BOOL": False}]}}}]}, "name": {"S": "kept"}},
    "two-conflicts": {"n": {"S": "abc"}, "a..b": {"N": "1"}, "name": {"S": "kept"}},
}
DROPPED = {"string-in-long": ["/n"], "dot": ["/."], "double-dot": ["/a..b"], "dot-meta": ["/.meta"], "empty-name": ["/"],
           "mixed-list": ["/l"], "two-conflicts": ["/n", "/a..b"]}


def test_each_conflict_is_indexed_without_its_field_and_sent_with_the_cause():
    node = Mapper()
    syncer, sent = sync(node)
    records = [record(i + 1, "INSERT", key, image) for i, (key, image) in enumerate(ITEMS.items())]
    records.append(record(99, "INSERT", "good", {"n": {"N": "5"}}))
    assert failures(syncer.handle({"Records": records})) == []
    for key, pointers in DROPPED.items():
        assert node.docs[key] == {"id": key, "name": "kept", "_sync_dropped_fields": pointers}, key
    assert node.docs["good"] == {"id": "good", "n": 5}
    reports = {seq: report for seq, report in sent}
    assert sorted(reports, key=int) == [str(i + 1) for i in range(len(ITEMS))]  # the good record is not sent
    by_key = {r.document_id: r for r in reports.values()}
    assert by_key["dot"].reason.startswith("mapper_parsing_exception: failed to parse caused_by: illegal_argument_exception: "
                                           "field name cannot contain only the character [.]")
    assert "ambiguous: [a..b]" in by_key["two-conflicts"].reason and "For input string" in by_key["two-conflicts"].reason
    assert all(by_key[k].dropped == DROPPED[k] for k in DROPPED)
    assert node.requests <= 4  # the batch's rejected documents are retried together, in bounded steps


def test_without_a_field_to_blame_the_item_is_indexed_with_its_keys_only():
    node = Mapper()
    syncer, sent = sync(node)
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "k", {"deny": {"BOOL": True}, "x": {"S": "y"}})]})) == []
    assert node.docs["k"] == {"id": "k", "_sync_dropped_fields": ["/deny", "/x"]}
    assert sent[0][1].dropped == ["/deny", "/x"] and "Limit of total fields" in sent[0][1].reason


def test_report_policy_still_indexes_what_it_can_and_reports_the_record():
    node = Mapper()
    syncer, sent = sync(node, policy="report")
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "dot", ITEMS["dot"]), record(2, "INSERT", "ok", {})]})) == ["1"]
    assert node.docs["dot"]["_sync_dropped_fields"] == ["/."] and sent == []


def test_a_conflict_the_destination_cannot_take_is_reported():
    syncer, _ = sync(Mapper(), broken_destination=True)
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "dot", ITEMS["dot"]), record(2, "INSERT", "ok", {})]})) == ["1"]


def test_a_degraded_document_too_large_for_a_request_is_not_reported_as_indexed():
    class TooLarge(Mapper):
        def request(self, method, path, body, headers, timeout):
            if b"_sync_dropped_fields" in body:
                return 413, b"Request Entity Too Large"
            return super().request(method, path, body, headers, timeout)

    syncer, sent = sync(TooLarge())
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "dot", ITEMS["dot"])]})) == []
    assert sent[0][1].dropped == [] and "field name cannot contain only" in sent[0][1].reason


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 502, 503, 504])
def test_item_level_infrastructure_errors_are_reported_never_poison(status):
    node = Mapper(item_status=status)
    syncer, sent = sync(node)
    assert failures(syncer.handle({"Records": [record(1, "INSERT", "a", {}), record(2, "INSERT", "b", {})]})) == ["1", "2"]
    assert sent == []


@pytest.mark.parametrize("result, kind", [
    (Result(400, "mapper_parsing_exception: x"), "poison"),
    (Result(400, "bulk request failed with HTTP 400: parse_exception: request body is required", whole=True), "failed"),
    (Result(413, "bulk request failed with HTTP 413", whole=True), "poison"),  # one action alone over the size cap
    (Result(0, "connection refused", whole=True), "failed"),
    (Result(403, "security_exception: no permissions"), "failed"),
])
def test_classify(result, kind):
    assert classify(Change(0, "1", op="index", version=5), result) == kind


def test_item_result_keeps_the_whole_cause_chain():
    error = {"type": "mapper_parsing_exception", "reason": "failed to parse field [d] of type [date]",
             "caused_by": {"type": "illegal_argument_exception", "reason": "failed to parse date field [x]",
                           "caused_by": {"type": "date_time_parse_exception", "reason": "Failed to parse with all enclosed parsers"}}}
    assert _item_result({"index": {"status": 400, "error": error}}).error == (
        "mapper_parsing_exception: failed to parse field [d] of type [date] caused_by: illegal_argument_exception: "
        "failed to parse date field [x] caused_by: date_time_parse_exception: Failed to parse with all enclosed parsers")


def test_a_whole_request_error_keeps_its_cause_and_other_bodies_are_quoted():
    body = {"error": {"type": "security_exception", "reason": "no permissions for [indices:data/write/bulk]",
                      "caused_by": {"type": "x_exception", "reason": "role missing"}}, "status": 403}
    assert _request_error(json.dumps(body).encode()) == ("security_exception: no permissions for [indices:data/write/bulk] "
                                                         "caused_by: x_exception: role missing")
    assert _request_error(b"<html>Bad Gateway</html>") == "<html>Bad Gateway</html>"


def test_a_long_value_preview_never_hides_the_cause():
    error = {"type": "mapper_parsing_exception", "reason": "failed to parse field [n]. Preview: '" + "x" * 5000 + "'",
             "caused_by": {"type": "illegal_argument_exception", "reason": "For input string"}}
    text = _item_result({"index": {"status": 400, "error": error}}).error
    assert text.endswith("... caused_by: illegal_argument_exception: For input string") and len(text) < 500


def test_pointers_escape_and_named_fields_are_found_inside_arrays_of_objects():
    assert degrade.pointer(("a/b", "c~d", 0, "")) == "/a~1b/c~0d/0/"
    source = {"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": "x"}], "pk": "k"}
    paths = degrade.named(source, "mapper_parsing_exception: failed to parse field [items.qty] of type [long]", {"pk"})
    assert paths == [("items", 0, "qty"), ("items", 1, "qty")]
    nested = {"name": 1, "m": {"name": 2}, "x": {".meta": 1}}
    assert degrade.named(nested, "failed to parse field [name] of type [long]", set()) == [("name",)]  # full name first
    assert degrade.named(nested, "ambiguous: [.meta]", set()) == [("x", ".meta")]  # else its own name, at any depth
    assert degrade.document(source, paths) == {"items": [{"sku": "a"}, {"sku": "b"}], "pk": "k",
                                               "_sync_dropped_fields": ["/items/0/qty", "/items/1/qty"]}


@pytest.mark.parametrize("name, bad", [("", True), (".", True), ("..", True), (".meta", True), ("a..b", True),
                                       ("x.", True), ("a.b", False), ("plain", False)])
def test_unmappable_names(name, bad):
    assert degrade.unmappable_name(name) is bad


def test_unmappable_finds_bad_names_and_mixed_arrays_at_any_depth_but_never_keys():
    source = {"pk": [1, "x"], "m": {"": 1, "ok": [[1, 2], [3]], "objs": [{"a": 1}, {"b": [True, None, "s"]}]},
              "mixed": [1, {"a": 1}], "fine": [None, "a"]}
    assert degrade.unmappable(source, {"pk"}) == [("m", ""), ("m", "objs", 1, "b"), ("mixed",)]


def test_the_ladder_is_bounded_and_never_drops_keys():
    full, keys = {"pk": "k", "a": 1, "b": 2}, {"pk"}
    step1 = degrade.next_drops(full, [], 0, "failed to parse field [a] of type [long]", keys)
    assert step1 == ([("a",)], 1)
    step2 = degrade.next_drops(full, *step1, "failed to parse field [pk] of type [long]", keys)  # a key: not dropped
    assert step2 == ([("a",), ("b",)], 4)  # no shape problem left: keys only
    assert degrade.next_drops(full, *step2, "failed to parse field [pk] of type [long]", keys) is None


def test_destination_message_names_the_record_the_reason_and_what_was_indexed():
    rec = record(42, "INSERT", "k", {".": {"N": "1"}})
    report = destination.Report("mapper_parsing_exception: failed to parse caused_by: x: y", "k", "products", ["/."])
    message = json.loads(destination._body(rec, report, "fn"))
    assert {k: message[k] for k in ("condition", "function", "error", "reason", "eventSourceARN", "sequenceNumber", "keys",
                                    "documentId", "index", "droppedFields", "action")} == {
        "condition": "PoisonRecord", "function": "fn", "error": report.reason, "reason": report.reason,
        "eventSourceARN": rec["eventSourceARN"], "sequenceNumber": "42", "keys": {"id": {"S": "k"}}, "documentId": "k",
        "index": "products", "droppedFields": ["/."], "action": "redrive"}
    assert message["record"] == rec and "ddb-opensearch-sync redrive" in message["hint"]


@pytest.mark.parametrize("source, reason, paths", [  # reasons as an OpenSearch 2.19 node gives them
    ({"q": 1}, "mapper_parsing_exception: object mapping for [q] tried to parse field [q] as object, but found a concrete value",
     [("q",)]),
    ({"l2": [{"a": 1}, 2]}, "illegal_argument_exception: can't merge a non object mapping [l2] with an object mapping", [("l2",)]),
    ({"o": {"p": [1, {"r": 2}]}}, "illegal_argument_exception: can't merge a non object mapping [o.p] with an object mapping",
     [("o", "p")]),
    ({"big": {"n": [1, "x"]}}, "illegal_argument_exception: mapper [big.n] cannot be changed from type [text] to [long]",
     [("big", "n")]),
    ({"d": "notadate"}, "mapper_parsing_exception: failed to parse field [d] of type [date] in document with id '20'. Preview "
     "of field's value: 'notadate' caused_by: illegal_argument_exception: failed to parse date field [notadate] with format "
     "[strict_date_optional_time||epoch_millis]", [("d",)]),
    ({"_id": "x"}, "mapper_parsing_exception: failed to parse field [_id] of type [_id] in document with id 'z'. Preview of "
     "field's value: 'x' caused_by: mapper_parsing_exception: Field [_id] is a metadata field and cannot be added inside a "
     "document. Use the index API request parameters.", [("_id",)]),
    ({"color": "red"}, "strict_dynamic_mapping_exception: mapping set to strict, dynamic introduction of [color] within [_doc] "
     "is not allowed", [("color",)]),
    ({"": 1}, "mapper_parsing_exception: failed to parse caused_by: illegal_argument_exception: field name cannot be an empty "
     "string", []),
])
def test_the_field_a_real_reason_names_is_found(source, reason, paths):
    assert degrade.named({"pk": "k", **source}, reason, {"pk"}) == paths


def test_a_message_with_thousands_of_dropped_fields_still_fits_a_queue(monkeypatch):
    bodies = []

    class Queue:
        def get_queue_url(self, **kwargs):
            return {"QueueUrl": "q"}

        def send_message(self, QueueUrl, MessageBody):
            bodies.append(MessageBody)

    monkeypatch.setattr(destination.aws, "client", lambda *args: Queue())
    dropped = [f"/attribute-with-a-long-name-{n:06d}" for n in range(20_000)]
    rec = record(7, "INSERT", "k", {name[1:]: {"N": "1"} for name in dropped})
    destination.send(ARN + "-wide", rec, destination.Report("limit of total fields", "k", "products", dropped), "fn")
    message = json.loads(bodies[0])
    assert len(bodies[0].encode()) <= destination.SQS_SNS_LIMIT and "NewImage" not in message["record"]["dynamodb"]
    assert message["droppedFields"] == dropped[:len(message["droppedFields"])] and message["droppedFields"]
    assert message["droppedFieldsOmitted"] == len(dropped) - len(message["droppedFields"])
    assert message["keys"] == {"id": {"S": "k"}} and message["sequenceNumber"] == "7"
