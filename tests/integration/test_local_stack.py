"""The embedded stack's own contracts: make up/down semantics, and moto keeping every stream record."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]


def local_stack(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT / 'scripts'}"}
    return subprocess.run([sys.executable, "-m", "local_stack", *args], capture_output=True, text=True, env=env,
                          timeout=400)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.embedded_only("tests the embedded stack's own `make up` / `make down`")
def test_up_writes_env_refuses_a_twin_and_down_leaves_nothing_running(tmp_path, lambda_zip):
    state = tmp_path / "stack"
    first = local_stack("up", "--state-dir", str(state), "--package", str(lambda_zip))
    assert first.returncode == 0, first.stdout + first.stderr
    try:
        env = dict(line.split("=", 1) for line in (state / "env").read_text().splitlines())
        assert set(env) == {"AWS_ENDPOINT_URL", "OPENSEARCH_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY"}
        supervisor = int((state / "pid").read_text())
        children = [int(pid) for pid in (state / "children").read_text().split()]
        assert len(children) == 2 and all(alive(pid) for pid in [supervisor, *children])
        boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
                     aws_access_key_id="test", aws_secret_access_key="test").list_tables()
        import urllib.request
        with urllib.request.urlopen(env["OPENSEARCH_URL"], timeout=10) as response:
            assert response.status == 200

        second = local_stack("up", "--state-dir", str(state), "--package", str(lambda_zip))
        assert second.returncode == 0
        assert f"already running (pid {supervisor})" in second.stdout
    finally:
        down = local_stack("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert not any(alive(pid) for pid in [supervisor, *children])
    assert not (state / "env").exists() and not (state / "pid").exists()
    assert "not running" in local_stack("down", "--state-dir", str(state)).stdout


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def test_moto_keeps_stream_records_while_a_mapping_exists(moto_url):
    """moto would empty the shard on each write while a mapping exists (facts §22); the stack switches that off."""
    kwargs = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
    dynamodb, streams = boto3.client("dynamodb", **kwargs), boto3.client("dynamodbstreams", **kwargs)
    lambda_, iam = boto3.client("lambda", **kwargs), boto3.client("iam", **kwargs)
    table = dynamodb.create_table(
        TableName="kept", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
    role = iam.create_role(RoleName="kept", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = lambda_.create_function(FunctionName="kept", Runtime="python3.12", Role=role, Handler="index.handler",
                                       Code={"ZipFile": _function_zip()})["FunctionArn"]
    lambda_.create_event_source_mapping(EventSourceArn=table["LatestStreamArn"], FunctionName=function,
                                        StartingPosition="TRIM_HORIZON")
    for number in range(3):
        dynamodb.put_item(TableName="kept", Item={"id": {"S": str(number)}})

    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["0", "1", "2"]


def test_stream_record_keys_carry_binary_keys_as_dynamodb_does(moto_url):
    """moto alone encodes a binary key twice in a record's Keys; the stack's moto gives the bytes that were written."""
    kwargs = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
    dynamodb, streams = boto3.client("dynamodb", **kwargs), boto3.client("dynamodbstreams", **kwargs)
    table = dynamodb.create_table(
        TableName="binary-keys", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "B"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    dynamodb.put_item(TableName="binary-keys", Item={"k": {"B": b"\x01\x02"}})
    dynamodb.delete_item(TableName="binary-keys", Key={"k": {"B": b"\x01\x02"}})

    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"k": {"B": b"\x01\x02"}}] * 2
