"""Records the real node rejects for good are indexed without the conflicting fields (`_sync_dropped_fields`) and
sent with OpenSearch's cause to a real (moto) SQS destination; the rest of the batch is indexed; infrastructure
failures (429, 503, refused connections) and an unreachable destination are reported, never sent or dropped."""
from __future__ import annotations

import json
import socket
import uuid
from decimal import Decimal
from typing import Any

import pytest

from handler_helpers import Proxy, Table, failed, index_state, matches, opensearch, syncer, use_moto_for_boto3
from test_handler_faults import aws_client, queue

pytestmark = pytest.mark.timeout(120)

# DynamoDB attribute names have at least one character (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
# HowItWorks.NamingRulesDataTypes.html), so an empty name cannot reach the stream; the unit tests cover it.
POISON = {
    "beyond-long": ({"n": Decimal("9223372036854775808")}, ["/n"], "caused_by: input_coercion_exception: Numeric value (9223372036854775808) out of range of long"),
    "string-in-long": ({"n": "abc"}, ["/n"], 'caused_by: illegal_argument_exception: For input string: "abc"'),
    "mixed-list": ({"l": [1, "x", {"deep": [False]}]}, ["/l"], 'caused_by: illegal_argument_exception: For input string: "x"'),
    "dot": ({".": 1}, ["/."], "caused_by: illegal_argument_exception: field name cannot contain only the character [.]"),
    "double-dot": ({"a..b": 1}, ["/a..b"], "object resolution ambiguous: [a..b]"),
    "dot-meta": ({".meta": {"x": 1}}, ["/.meta"], "object resolution ambiguous: [.meta]"),
}


def received(sqs: Any, url: str) -> list[dict]:
    messages: list[dict] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        messages += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return messages


def seeded(aws_url: str, opensearch_url: str) -> tuple[Table, str]:
    """A table and index where `n` and `l` are already mapped as long, as a first ordinary item makes them."""
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    table.items.put_item(Item={"pk": "seed", "n": 1, "l": [1, 2]})
    assert failed(syncer(opensearch_url, index).handle({"Records": table.changes()})) == []
    return table, index


def write_batch(table: Table) -> list[dict]:
    table.items.put_item(Item={"pk": "ok-1", "name": "first", "n": 2})
    for key, (attributes, _, _) in POISON.items():
        table.items.put_item(Item={"pk": key, "name": key, **attributes})
    table.items.put_item(Item={"pk": "ok-2", "name": "second", "l": [3]})
    return table.changes()


def test_each_rejected_item_is_indexed_without_its_field_and_sent_with_the_cause(opensearch_url, aws_url, monkeypatch):
    use_moto_for_boto3(monkeypatch, aws_url)
    sqs, (url, arn) = aws_client("sqs", aws_url), queue(aws_url)
    table, index = seeded(aws_url, opensearch_url)
    records = write_batch(table)
    sequence = {r["dynamodb"]["Keys"]["pk"]["S"]: r["dynamodb"]["SequenceNumber"] for r in records}
    assert failed(syncer(opensearch_url, index, FAILURE_DESTINATION_ARN=arn).handle({"Records": records})) == []

    documents, items = index_state(opensearch_url, index), table.state()
    assert sorted(documents) == sorted(items)
    for key in ("seed", "ok-1", "ok-2"):
        assert "_sync_dropped_fields" not in documents[key] and matches(documents[key], items[key]), key
    for key, (attributes, pointers, _) in POISON.items():
        kept = {k: v for k, v in items[key].items() if k not in attributes}
        assert documents[key] == {**kept, "_sync_dropped_fields": pointers}, key
    _, hits = opensearch(opensearch_url, "POST", f"/{index}/_search", {"query": {"exists": {"field": "_sync_dropped_fields"}}})
    assert sorted(h["_id"] for h in hits["hits"]["hits"]) == sorted(POISON)  # the metadata field is searchable

    messages = {m["documentId"]: m for m in received(sqs, url)}
    assert sorted(messages) == sorted(POISON)  # no good record reaches the destination
    for key, (_, pointers, cause) in POISON.items():
        message = messages[key]
        assert message["condition"] == "PoisonRecord" and message["action"] == "redrive", key
        assert cause in message["reason"] and message["error"] == message["reason"], (key, message["reason"])
        assert message["droppedFields"] == pointers and message["index"] == index
        assert message["sequenceNumber"] == sequence[key] == message["record"]["dynamodb"]["SequenceNumber"]
        assert message["keys"] == {"pk": {"S": key}} == message["record"]["dynamodb"]["Keys"]
        assert message["eventSourceARN"] == table.stream_arn

    # A replay (Lambda redelivers the batch) changes nothing in the index; the destination hears of each again.
    assert failed(syncer(opensearch_url, index, FAILURE_DESTINATION_ARN=arn).handle({"Records": records})) == []
    assert index_state(opensearch_url, index) == documents
    assert sorted(m["documentId"] for m in received(sqs, url)) == sorted(POISON)


def test_a_degraded_document_keeps_the_records_version_so_an_older_replay_never_wins(opensearch_url, aws_url, monkeypatch):
    use_moto_for_boto3(monkeypatch, aws_url)
    _, arn = queue(aws_url)
    table, index = seeded(aws_url, opensearch_url)
    table.items.put_item(Item={"pk": "item", "n": "abc"})
    old = table.changes()
    sync = syncer(opensearch_url, index, FAILURE_DESTINATION_ARN=arn)
    assert failed(sync.handle({"Records": old})) == []
    _, stored = opensearch(opensearch_url, "GET", f"/{index}/_doc/item")
    assert stored["_version"] // 1_000_000 == old[0]["dynamodb"]["ApproximateCreationDateTime"]  # external version
    table.items.put_item(Item={"pk": "item", "n": 5})
    assert failed(sync.handle({"Records": table.changes()})) == []
    assert failed(sync.handle({"Records": old})) == []  # a replay of the rejected record
    assert index_state(opensearch_url, index)["item"] == {"pk": "item", "n": 5}


def item_statuses(status: int):
    """A proxy rule answering every _bulk with HTTP 200 and the given status for each item."""
    def rule(method: str, path: str, body: bytes):
        if "_bulk" not in path:
            return None
        actions = [json.loads(line) for line in body.splitlines() if line.startswith(b'{"index"') or line.startswith(b'{"delete"')]
        items = [{next(iter(a)): {"status": status, "error": {"type": "es_rejected_execution_exception", "reason": "busy"}}}
                 for a in actions]
        return 200, json.dumps({"errors": True, "items": items}).encode()
    return rule


@pytest.mark.parametrize("fault", ["item 429", "item 503", "request 429", "request 503", "refused"])
def test_infrastructure_failures_report_every_record_and_send_nothing(opensearch_url, aws_url, monkeypatch, fault):
    use_moto_for_boto3(monkeypatch, aws_url)
    sqs, (url, arn) = aws_client("sqs", aws_url), queue(aws_url)
    table, index = seeded(aws_url, opensearch_url)
    records = write_batch(table)
    everything = [r["dynamodb"]["SequenceNumber"] for r in records]
    kind, _, status = fault.partition(" ")
    if kind == "refused":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
        response = syncer(f"http://127.0.0.1:{port}", index, FAILURE_DESTINATION_ARN=arn, MAX_RETRIES="1").handle({"Records": records})
    else:
        rule = item_statuses(int(status)) if kind == "item" else (lambda m, p, b: (int(status), b'{"error":"busy"}') if "_bulk" in p else None)
        with Proxy(opensearch_url, rule) as proxy:
            response = syncer(proxy.url, index, FAILURE_DESTINATION_ARN=arn, MAX_RETRIES="1").handle({"Records": records})
    assert failed(response) == everything
    assert received(sqs, url) == []
    assert sorted(index_state(opensearch_url, index)) == ["seed"]


def test_a_destination_that_cannot_take_the_record_leaves_it_reported(opensearch_url, aws_url, monkeypatch):
    use_moto_for_boto3(monkeypatch, aws_url)
    table, index = seeded(aws_url, opensearch_url)
    records = write_batch(table)
    missing = f"arn:aws:sqs:us-east-1:123456789012:missing-{uuid.uuid4().hex[:8]}"
    response = syncer(opensearch_url, index, FAILURE_DESTINATION_ARN=missing).handle({"Records": records})
    poison = [r["dynamodb"]["SequenceNumber"] for r in records if r["dynamodb"]["Keys"]["pk"]["S"] in POISON]
    assert failed(response) == poison
