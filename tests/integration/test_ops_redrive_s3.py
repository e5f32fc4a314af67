"""redrive from an S3 on-failure destination: objects whose items were re-synced are deleted, the rest stay."""
from __future__ import annotations

import json

import boto3
from opensearchpy import OpenSearch

from ops_helpers import Adopted, run_cli


def test_redrive_from_s3_deletes_only_what_it_resynced(stack, lambda_zip, tmp_path, monkeypatch):
    adopted = Adopted(stack, lambda_zip, 5, monkeypatch)
    flags = adopted.flags()
    assert run_cli("setup-index", *flags)[0] == 0
    adopted.deploy()
    assert run_cli("backfill", *flags, "--checkpoint", str(tmp_path / "cp.json"))[0] == 0
    client = OpenSearch([stack.opensearch_url])
    client.delete(index=adopted.index, id="k00001", refresh=True)

    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint_url, region_name=stack.region)
    s3.create_bucket(Bucket=adopted.name)
    event = {"Records": [{"eventSourceARN": adopted.stream_arn, "dynamodb": {"Keys": {"pk": {"S": "k00001"}}}}]}
    failure = {"requestContext": {"condition": "RetryAttemptsExhausted"}, "version": "1.0", "payload": json.dumps(event),
               "DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "1", "endSequenceNumber": "2",
                                      "streamArn": adopted.stream_arn}}
    s3.put_object(Bucket=adopted.name, Key="aws/lambda/failure.json", Body=json.dumps(failure).encode())
    s3.put_object(Bucket=adopted.name, Key="aws/lambda/junk.json", Body=b"{not json")

    status, summary, err = run_cli("redrive", *flags, "--destination", f"arn:aws:s3:::{adopted.name}")
    assert status == 1, err
    assert (summary["messages"], summary["redriven"], summary["still_failing"]) == (2, 1, 1)
    assert summary["failing_messages"][0]["message"].endswith("junk.json")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=adopted.name)["Contents"]] == ["aws/lambda/junk.json"]
    assert client.exists(index=adopted.index, id="k00001")
    adopted.converge()
