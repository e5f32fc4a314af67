"""Bad input gets a clear error naming what is wrong (exit status 2) and writes or deletes nothing."""
from __future__ import annotations

import json

from opensearchpy import OpenSearch

from handler_helpers import Proxy
from ops_helpers import Adopted, run_cli


def test_refusals_name_what_is_wrong(stack, lambda_zip, tmp_path, monkeypatch):
    adopted = Adopted(stack, lambda_zip, 5, monkeypatch)
    client = OpenSearch([stack.opensearch_url])

    status, _, err = run_cli("backfill", *adopted.flags()[2:], "--table", "no-such-table")
    assert status == 2 and "table 'no-such-table' does not exist" in err

    status, _, err = run_cli("backfill", *adopted.flags())
    assert status == 2 and "no enabled event source mapping" in err

    adopted.deploy()
    status, _, err = run_cli("backfill", *adopted.flags())
    assert status == 2 and f"no index '{adopted.index}' exists" in err and "setup-index" in err

    client.indices.create(index=adopted.index)  # what a first write would create: gc_deletes 60s
    status, _, err = run_cli("backfill", *adopted.flags())
    assert status == 2 and "index.gc_deletes is below 24h" in err and f"{adopted.index} (60s)" in err
    assert client.count(index=adopted.index)["count"] == 0

    status, _, err = run_cli("verify", *adopted.flags()[:2], "--endpoint", "http://127.0.0.1:1", *adopted.flags()[4:])
    assert status == 2 and "cannot reach OpenSearch" in err

    def refuse(method: str, path: str, body: bytes):
        return 403, json.dumps({"message": "The security token included in the request is invalid."}).encode()

    with Proxy(stack.opensearch_url, refuse) as proxy:
        flags = [*adopted.flags()[:2], "--endpoint", proxy.url, "--index", adopted.index, "--auth", "iam",
                 "--region", stack.region]
        status, _, err = run_cli("verify", *flags)
    assert status == 2 and "OpenSearch refused the credentials (HTTP 403" in err

    mappings = tmp_path / "mappings.json"
    mappings.write_text(json.dumps({"properties": {"n": {"type": "long"}}}))
    client.indices.put_mapping(index=adopted.index, body={"properties": {"n": {"type": "keyword"}}})
    status, _, err = run_cli("setup-index", *adopted.flags(), "--mappings", str(mappings))
    assert status == 2 and "n: existing type keyword, requested long" in err

    status, _, err = run_cli("verify", *adopted.flags(), "--sample", "2")
    assert status == 2 and "--sample 2" in err


def test_malformed_destination_messages_are_kept_with_their_reason(stack, lambda_zip, monkeypatch):
    adopted = Adopted(stack, lambda_zip, 3, monkeypatch)
    assert run_cli("setup-index", *adopted.flags())[0] == 0
    adopted.deploy(failure_queue=True)
    bodies = ["not json", json.dumps({"condition": "PoisonRecord", "record": {}}),
              json.dumps({"DDBStreamBatchInfo": {"shardId": "x"}}), json.dumps({"hello": "world"}),
              json.dumps({"condition": "PoisonRecord", "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/other/stream/x",
                          "record": {"dynamodb": {"Keys": {"pk": {"S": "k00001"}}}}})]
    for body in bodies:
        adopted.sqs.send_message(QueueUrl=adopted.queue_url, MessageBody=body)
    queue_arn = adopted.sqs.get_queue_attributes(QueueUrl=adopted.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    status, summary, err = run_cli("redrive", *adopted.flags(), "--destination", queue_arn, "--visibility-timeout", "1")
    assert status == 1, err
    assert summary["messages"] == 5 and summary["redriven"] == 0 and summary["still_failing"] == 5
    reasons = " | ".join(m["reason"] for m in summary["failing_messages"])
    for expected in ("not JSON", "without record.dynamodb.Keys", "DDBStreamBatchInfo lacks", "neither a stream failure",
                     "is about table 'other'"):
        assert expected in reasons
    attributes = adopted.sqs.get_queue_attributes(QueueUrl=adopted.queue_url, AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 5
