"""Helpers for the ops CLI's integration tests: an existing table adopted by the sync on the embedded stack
(moto + the ESM runner running dist/lambda.zip + the real OpenSearch node), a writer thread that keeps changing,
deleting and re-creating items, and the CLI run in-process with its JSON summary."""
from __future__ import annotations

import contextlib
import io
import json
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import boto3

from ddb_opensearch_sync_ops.cli import main

CONVERGE_S = 120


def run_cli(*argv: str) -> tuple[int, dict[str, Any], str]:
    """(exit status, JSON summary, stderr) of `ddb-opensearch-sync ARGV --json`."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*argv, "--json", "--progress-interval", "0.5"])
    text = out.getvalue().strip()
    return status, (json.loads(text.splitlines()[-1]) if text else {}), err.getvalue()


def item(key: str, generation: int) -> dict[str, Any]:
    return {"pk": {"S": key}, "title": {"S": f"{key} v{generation}"}, "n": {"N": str(generation)},
            "price": {"N": f"{generation}.25"}, "tags": {"SS": ["a", f"g{generation}"]},
            "blob": {"B": key.encode()}, "nested": {"M": {"g": {"N": str(generation)}, "l": {"L": [{"BOOL": True}]}}}}


class Adopted:
    """A table that already holds `count` items when its stream and the sync's mapping are added (the adoption
    case: those items reach the index only through a backfill). The CLI's boto3 calls go to the stack's moto."""

    def __init__(self, stack: Any, lambda_zip: Path, count: int, monkeypatch: Any, index: str | None = None) -> None:
        for name, value in {**stack.env, "AWS_REGION": stack.region}.items():
            monkeypatch.setenv(name, value)
        self.stack, self.count = stack, count
        self.name = f"ops-{uuid.uuid4().hex[:8]}"
        self.index = index or self.name
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=stack.region)
        self.dynamodb, self.lambda_, self.iam, self.sqs = (session.client(s, endpoint_url=stack.aws_endpoint_url)
                                                           for s in ("dynamodb", "lambda", "iam", "sqs"))
        self.dynamodb.create_table(TableName=self.name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                   BillingMode="PAY_PER_REQUEST")
        for number in range(count):
            self.dynamodb.put_item(TableName=self.name, Item=item(f"k{number:05d}", 0))
        self.stream_arn = self.dynamodb.update_table(
            TableName=self.name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        )["TableDescription"]["LatestStreamArn"]
        self.zip = lambda_zip
        self.mapping = ""
        self.queue_url = ""

    def flags(self) -> list[str]:
        return ["--table", self.name, "--endpoint", self.stack.opensearch_url, "--index", self.index, "--auth", "none",
                "--region", self.stack.region]

    def deploy(self, failure_queue: bool = False, **env: str) -> None:
        """The function and its event source mapping (what `terraform apply` of the module creates)."""
        role = self.iam.create_role(RoleName=self.name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        # where the function reaches the node (differs from the tests' URL only when functions run in containers)
        endpoint = getattr(self.stack, "function_opensearch_url", self.stack.opensearch_url)
        variables = {"OPENSEARCH_ENDPOINT": endpoint, "OPENSEARCH_INDEX": self.index,
                     "OPENSEARCH_AUTH": "none", "METRICS_NAMESPACE": "", **env}
        self.lambda_.create_function(FunctionName=self.name, Runtime="python3.12", Role=role, Timeout=60,
                                     Handler="ddb_opensearch_sync.handler.lambda_handler",
                                     Code={"ZipFile": self.zip.read_bytes()}, Environment={"Variables": variables})
        extra: dict[str, Any] = {}
        if failure_queue:
            self.queue_url = self.sqs.create_queue(QueueName=self.name)["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            extra = {"DestinationConfig": {"OnFailure": {"Destination": arn}}, "MaximumRetryAttempts": 0}
        self.mapping = self.lambda_.create_event_source_mapping(
            FunctionName=self.name, EventSourceArn=self.stream_arn, StartingPosition="TRIM_HORIZON", BatchSize=100,
            FunctionResponseTypes=["ReportBatchItemFailures"], **extra)["UUID"]
        deadline = time.monotonic() + 30
        while self.lambda_.get_event_source_mapping(UUID=self.mapping)["State"] != "Enabled":
            assert time.monotonic() < deadline, "mapping never became Enabled"
            time.sleep(0.2)

    def converge(self, *extra: str) -> dict[str, Any]:
        """Poll `verify` until the index equals the table and both sides count alike (the stream caught up), or the
        deadline passes: the stream may still write between verify's table side and its index side."""
        deadline = time.monotonic() + CONVERGE_S
        while True:
            status, summary, err = run_cli("verify", *self.flags(), *extra)
            caught_up = status == 0 and summary["table_items"] == summary["index_documents"]
            if caught_up or time.monotonic() > deadline:
                assert caught_up, f"{summary}\n{err}\nrunner log:\n{self.stack.runner_tail()}"
                return summary
            time.sleep(1)


class Writer(threading.Thread):
    """Changes, deletes and re-creates `hot` items, each several times per second, until stopped."""

    def __init__(self, adopted: Adopted, hot: int = 10, pause: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.adopted, self.keys, self.pause = adopted, [f"k{n:05d}" for n in range(0, adopted.count, max(1, adopted.count // hot))][:hot], pause
        self.stop_event = threading.Event()
        self.writes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rng = random.Random(7)
        generation = 0
        try:
            while not self.stop_event.is_set():
                generation += 1
                key = rng.choice(self.keys)
                if rng.random() < 0.25:
                    self.adopted.dynamodb.delete_item(TableName=self.adopted.name, Key={"pk": {"S": key}})
                else:
                    self.adopted.dynamodb.put_item(TableName=self.adopted.name, Item=item(key, generation))
                self.writes += 1
                time.sleep(self.pause)
        except BaseException as exc:  # noqa: BLE001 - surfaced by stop()
            self.error = exc

    def stop(self) -> int:
        self.stop_event.set()
        self.join(timeout=30)
        assert self.error is None, f"writer failed: {self.error!r}"
        return self.writes
