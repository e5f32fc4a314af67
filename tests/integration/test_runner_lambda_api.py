"""`--invoker lambda-api` against a real Invoke API: a moto server of its own, switched to moto's Docker-free Lambda
backend (a process-wide setting, hence not the shared session server), whose Invoke answers queued results."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from esm_runner import Runner

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="module")
def simple_moto() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "local_stack.moto_server", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": str(SCRIPTS)})
    try:
        url = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:"), f"moto did not start: {url!r}"
        post(f"{url}/moto-api/config", {"lambda": {"use_docker": False}})
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_lambda_api_invoker_delivers_and_honours_the_services_answers(simple_moto, tmp_path):
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    ddb, lam, sqs, iam = (session.client(n, endpoint_url=simple_moto) for n in ("dynamodb", "lambda", "sqs", "iam"))
    table = ddb.create_table(
        TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream = table["TableDescription"]["LatestStreamArn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("fn.py", "def handler(event, context):\n    return None\n")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName="f", Runtime="python3.11", Role=role, Handler="fn.handler",
                        Code={"ZipFile": code.getvalue()})
    queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # First answer: a malformed partial response (a full failure, no retries left) -> the destination.
    post(f"{simple_moto}/moto-api/static/lambda-simple/response",
         {"results": [json.dumps({"batchItemFailures": [{"itemIdentifier": ""}]})], "region": "us-east-1"})
    lam.create_event_source_mapping(
        FunctionName="f", EventSourceArn=stream, StartingPosition="TRIM_HORIZON", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "first"}})
    log = io.StringIO()

    def invocations() -> list[dict]:
        return [e for e in map(json.loads, log.getvalue().splitlines()) if e["event"] == "invocation"]

    with Runner(endpoint_url=simple_moto, region="us-east-1", state_dir=tmp_path / "state", invoker="lambda-api",
                poll_interval=0.05, refresh_interval=0.1, retry_delay=0.05, log_stream=log):
        deadline = time.monotonic() + 20
        messages: list[dict] = []
        while not messages:
            assert time.monotonic() < deadline, log.getvalue()[-2000:]
            messages = sqs.receive_message(QueueUrl=queue_url).get("Messages", [])
            time.sleep(0.05)
        failure = json.loads(messages[0]["Body"])
        assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
        # Later answers echo the event (moto's default): an object without batchItemFailures is a success.
        ddb.put_item(TableName="t", Item={"pk": {"S": "second"}})
        while len(invocations()) < 2:
            assert time.monotonic() < deadline, log.getvalue()[-2000:]
            time.sleep(0.05)
    assert [e["succeeded"] for e in invocations()] == [False, True]
    assert [e["batch_size"] for e in invocations()] == [1, 1]
