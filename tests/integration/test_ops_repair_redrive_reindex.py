"""repair, redrive and reindex on an adopted table while a writer keeps changing, deleting and re-creating items;
after each command and the stream's catch-up, verify finds the index equal to the table."""
from __future__ import annotations

import json

import boto3
from opensearchpy import OpenSearch

from ops_helpers import Adopted, Writer, item, run_cli

ITEMS = 1000


def stream_record(adopted: Adopted, key: str) -> tuple[str, dict]:
    """(shard id, the latest stream record of this key)."""
    streams = boto3.client("dynamodbstreams", endpoint_url=adopted.stack.aws_endpoint_url, region_name=adopted.stack.region)
    shard = streams.describe_stream(StreamArn=adopted.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=adopted.stream_arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    found = None
    while iterator:
        page = streams.get_records(ShardIterator=iterator)
        found = next((r for r in reversed(page["Records"]) if r["dynamodb"]["Keys"]["pk"]["S"] == key), found)
        iterator = page.get("NextShardIterator") if page["Records"] else None
    assert found is not None
    return shard, found


def test_repair_redrive_and_reindex_while_items_change(stack, lambda_zip, tmp_path, monkeypatch):
    adopted = Adopted(stack, lambda_zip, ITEMS, monkeypatch)
    client = OpenSearch([stack.opensearch_url])
    flags = adopted.flags()
    assert run_cli("setup-index", *flags)[0] == 0
    adopted.deploy(failure_queue=True)
    assert run_cli("backfill", *flags, "--checkpoint", str(tmp_path / "cp.json"))[0] == 0
    adopted.converge()

    # repair: drift behind the sync's back (lost, altered and stray documents), repaired while items change
    client.delete(index=adopted.index, id="k00003")
    client.delete(index=adopted.index, id="k00004")
    client.index(index=adopted.index, id="k00005", body={"pk": "k00005", "title": "tampered"})
    client.index(index=adopted.index, id="stray", body={"pk": "stray"})
    client.indices.refresh(index=adopted.index)  # the drift is searchable before repair reads the index (NRT search)
    writer = Writer(adopted)
    writer.start()
    try:
        status, repaired, err = run_cli("repair", *flags)
    finally:
        writer.stop()
    assert status in (0, 1), err
    assert repaired["missing"] >= 2 and repaired["different"] >= 1 and repaired["extra"] >= 1
    assert repaired["repaired"] >= 4 and repaired["failed"] == 0, repaired
    adopted.converge()
    assert not client.exists(index=adopted.index, id="stray")

    # redrive: a poison message and a stream failure record (from the real stream), plus one that is junk
    adopted.dynamodb.put_item(TableName=adopted.name, Item=item("k00008", 99))
    adopted.converge()
    client.delete(index=adopted.index, id="k00007")
    client.index(index=adopted.index, id="k00008", body={"pk": "k00008", "title": "stale"})
    shard, record = stream_record(adopted, "k00008")
    sequence = record["dynamodb"]["SequenceNumber"]
    messages = [
        {"condition": "PoisonRecord", "function": adopted.name, "error": "RequestError: mapper_parsing_exception",
         "eventSourceARN": adopted.stream_arn,
         "record": {"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "k00007"}}, "SequenceNumber": "1"}}},
        {"requestContext": {"condition": "RetryAttemptsExhausted"}, "version": "1.0",
         "DDBStreamBatchInfo": {"shardId": shard, "startSequenceNumber": sequence, "endSequenceNumber": sequence,
                                "batchSize": 1, "streamArn": adopted.stream_arn}},
        "junk",
    ]
    for message in messages:
        adopted.sqs.send_message(QueueUrl=adopted.queue_url, MessageBody=message if isinstance(message, str) else json.dumps(message))
    status, redriven, err = run_cli("redrive", *flags, "--visibility-timeout", "1")
    assert status == 1, err  # the junk message stays
    # The mapping (no retries) may itself have sent a failed batch during the busy steps above: redriven too.
    assert redriven["still_failing"] == 1 and "not JSON" in redriven["failing_messages"][0]["reason"], redriven
    assert redriven["redriven"] == redriven["messages"] - 1 >= 2, redriven
    assert redriven["items_repaired"] >= 2
    remaining = adopted.sqs.get_queue_attributes(QueueUrl=adopted.queue_url, AttributeNames=["All"])["Attributes"]
    assert int(remaining["ApproximateNumberOfMessages"]) + int(remaining["ApproximateNumberOfMessagesNotVisible"]) == 1
    adopted.converge()

    # reindex: new mappings, writes moved first, backfilled, verified, reads swapped; the old index is kept
    mappings = tmp_path / "mappings.json"
    mappings.write_text(json.dumps({"properties": {"price": {"type": "double"}, "title": {"type": "keyword"}}}))
    writer = Writer(adopted)
    writer.start()
    try:
        status, rebuilt, err = run_cli("reindex", *flags, "--mappings", str(mappings),
                                       "--checkpoint", str(tmp_path / "cp.json"))
    finally:
        writer.stop()
    assert status == 0, f"{rebuilt}\n{err}"
    old, new = f"{adopted.index}-000001", f"{adopted.index}-000002"
    assert (rebuilt["old_index"], rebuilt["new_index"], rebuilt["status"]) == (old, new, "complete")
    assert sorted(client.indices.get_alias(name=adopted.index)) == [new]
    assert sorted(client.indices.get_alias(name=f"{adopted.index}-read")) == [new]
    assert client.indices.exists(index=old)
    assert client.indices.get_mapping(index=new)[new]["mappings"]["properties"]["price"]["type"] == "double"
    adopted.converge()
    adopted.converge("--index", f"{adopted.index}-read")
