"""Failure handling against the real node, with a proxy on 127.0.0.1 scripting what OpenSearch Service does
under load (429), beyond its request cap (413) or when slow, and a real (moto) SQS failure destination."""
from __future__ import annotations

import json
import socket
import uuid
from typing import Callable

import boto3
import pytest

from handler_helpers import CREDENTIALS, REGION, Proxy, Table, assert_index_equals_table, failed, index_state, syncer, use_moto_for_boto3

pytestmark = pytest.mark.timeout(120)


def batch(aws_url: str, count: int = 10, size: int = 1000) -> tuple[Table, list[dict]]:
    table = Table(aws_url)
    for n in range(count):
        table.items.put_item(Item={"pk": f"doc-{n}", "body": "x" * size, "n": n})
    table.items.delete_item(Key={"pk": "doc-0"})
    return table, table.changes()


def last_line(capsys) -> dict:
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def test_429_once_is_retried_within_the_invocation(opensearch_url, aws_url, capsys):
    table, records = batch(aws_url)
    answers = [(429, b'{"error":{"type":"es_rejected_execution_exception"},"status":429}')]
    with Proxy(opensearch_url, lambda m, p, b: answers.pop() if answers and "_bulk" in p else None) as proxy:
        index = f"h-{uuid.uuid4().hex[:10]}"
        assert failed(syncer(proxy.url, index).handle({"Records": records})) == []
    line = last_line(capsys)
    assert line["Retries"] == 1 and line["requests"] == 2
    assert_index_equals_table(opensearch_url, index, table)


def test_persistent_429_reports_every_record_then_redelivery_converges(opensearch_url, aws_url):
    table, records = batch(aws_url)
    index = f"h-{uuid.uuid4().hex[:10]}"
    with Proxy(opensearch_url, lambda m, p, b: (429, b"{}") if "_bulk" in p else None) as proxy:
        response = syncer(proxy.url, index, MAX_RETRIES="1").handle({"Records": records})
    assert failed(response) == [r["dynamodb"]["SequenceNumber"] for r in records]
    assert index_state(opensearch_url, index) == {}
    assert failed(syncer(opensearch_url, index).handle({"Records": records})) == []
    assert_index_equals_table(opensearch_url, index, table)


def test_413_splits_the_request_until_each_part_fits(opensearch_url, aws_url, capsys):
    table, records = batch(aws_url, count=12, size=2000)
    cap = 8000  # like a domain's http.max_content_length, scaled down
    with Proxy(opensearch_url, lambda m, p, b: (413, b"Request Entity Too Large") if len(b) > cap else None) as proxy:
        index = f"h-{uuid.uuid4().hex[:10]}"
        assert failed(syncer(proxy.url, index).handle({"Records": records})) == []
    assert last_line(capsys)["splits"] >= 2
    assert_index_equals_table(opensearch_url, index, table)


def test_chunks_are_bounded_by_count_and_bytes(opensearch_url, aws_url):
    table, records = batch(aws_url, count=10, size=1000)
    seen: list[int] = []
    with Proxy(opensearch_url, lambda m, p, b: seen.append(len(b)) if "_bulk" in p else None) as proxy:
        index = f"h-{uuid.uuid4().hex[:10]}"
        assert failed(syncer(proxy.url, index, BULK_MAX_ACTIONS="4").handle({"Records": records})) == []
        assert len(seen) == 3  # 10 documents (doc-0 deleted) in chunks of 4, 4, 2
        seen.clear()
        assert failed(syncer(proxy.url, index, BULK_MAX_BYTES="3000").handle({"Records": records})) == []
        assert len(seen) >= 4 and max(seen) <= 3000
    assert_index_equals_table(opensearch_url, index, table)


def test_a_timed_out_request_is_retried(opensearch_url, aws_url):
    table, records = batch(aws_url, count=3)
    hangs = ["hang"]
    with Proxy(opensearch_url, lambda m, p, b: hangs.pop() if hangs and "_bulk" in p else None) as proxy:
        index = f"h-{uuid.uuid4().hex[:10]}"
        assert failed(syncer(proxy.url, index, OPENSEARCH_TIMEOUT_SECONDS="1").handle({"Records": records})) == []
        assert proxy.requests == 2
    assert_index_equals_table(opensearch_url, index, table)


def test_unreachable_endpoint_reports_every_record_and_names_the_host(aws_url, capsys):
    _, records = batch(aws_url, count=3)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    response = syncer(f"http://127.0.0.1:{port}", "x", MAX_RETRIES="1").handle({"Records": records})
    assert failed(response) == [r["dynamodb"]["SequenceNumber"] for r in records]
    assert f"127.0.0.1:{port}" in last_line(capsys)["errors"][0]["error"]


def aws_client(service: str, aws_url: str):
    return boto3.client(service, endpoint_url=aws_url, region_name=REGION,
                        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def queue(aws_url: str) -> tuple[str, str]:
    sqs = aws_client("sqs", aws_url)
    url = sqs.create_queue(QueueName=f"poison-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def destination(kind: str, aws_url: str) -> tuple[str, Callable[[], list[str]]]:
    """A real (moto) failure destination of the given kind, and a function returning the bodies it received."""
    sqs = aws_client("sqs", aws_url)
    if kind == "s3":
        s3, bucket = aws_client("s3", aws_url), f"poison-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        return f"arn:aws:s3:::{bucket}", lambda: [s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
                                                  for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    url, queue_arn = queue(aws_url)
    received = lambda: [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])]
    if kind == "sqs":
        return queue_arn, received
    sns = aws_client("sns", aws_url)
    topic = sns.create_topic(Name=f"poison-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return topic, received


@pytest.mark.parametrize("kind", ["sqs", "sns", "s3"])
def test_poison_goes_to_the_destination_with_its_error_and_the_stream_moves_on(opensearch_url, aws_url, monkeypatch, kind):
    use_moto_for_boto3(monkeypatch, aws_url)
    arn, received = destination(kind, aws_url)
    table = Table(aws_url)
    index = f"h-{uuid.uuid4().hex[:10]}"
    table.items.put_item(Item={"pk": "ok-1", "n": 1})
    table.items.put_item(Item={"pk": "bad", "n": "not a number"})  # n is mapped long by the first document
    table.items.put_item(Item={"pk": "huge", "n": "x" * 300_000})  # over SQS/SNS's 256 KiB with its images
    table.items.put_item(Item={"pk": "ok-2", "n": 2})
    records = table.changes()
    sync = syncer(opensearch_url, index, POISON_POLICY="destination", FAILURE_DESTINATION_ARN=arn)
    assert failed(sync.handle({"Records": records[:1]})) == []
    assert failed(sync.handle({"Records": records[1:]})) == []
    bodies = sorted((json.loads(b) for b in received()), key=lambda m: m["record"]["dynamodb"]["SequenceNumber"])
    assert [m["record"]["dynamodb"]["SequenceNumber"] for m in bodies] == [sequence(records[1]), sequence(records[2])]
    assert all(m["condition"] == "PoisonRecord" and "mapper_parsing_exception" in m["error"] for m in bodies)
    assert ("NewImage" in bodies[1]["record"]["dynamodb"]) is (kind == "s3")  # queues and topics get keys only
    assert bodies[1]["record"]["dynamodb"]["Keys"] == {"pk": {"S": "huge"}}
    assert sorted(index_state(opensearch_url, index)) == ["ok-1", "ok-2"]


def sequence(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]
