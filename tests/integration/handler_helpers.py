"""Helpers for the handler's integration tests: a moto table whose stream feeds Lambda-shaped events,
the real OpenSearch index read back exactly, and a proxy that lets a test script HTTP failures."""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import boto3
import urllib3
from boto3.dynamodb.types import Binary

from ddb_opensearch_sync import aws
from ddb_opensearch_sync.doc_id import document_id
from ddb_opensearch_sync.sync import Syncer

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
http = urllib3.PoolManager()


def opensearch(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    response = http.request(method, url + path, body=data, headers={"Content-Type": "application/json"})
    return response.status, json.loads(response.data or b"null", parse_float=Decimal)


def index_state(url: str, index: str) -> dict[str, Any]:
    """Every document in the index (refreshed), by id, with numbers exact."""
    opensearch(url, "POST", f"/{index}/_refresh")
    status, found = opensearch(url, "GET", f"/{index}/_search?size=10000&version=true")
    if status == 404:
        return {}
    assert status == 200, found
    return {hit["_id"]: hit["_source"] for hit in found["hits"]["hits"]}


def syncer(opensearch_url: str, index: str, **env: str) -> Syncer:
    return Syncer.from_env({"OPENSEARCH_ENDPOINT": opensearch_url, "OPENSEARCH_INDEX": index, "OPENSEARCH_AUTH": "none",
                            "METRICS_NAMESPACE": "", **env})


def failed(response: dict) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def _lambda_value(value: Any) -> Any:
    """boto3 decodes binary attributes to bytes; Lambda events carry base64 text."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _lambda_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lambda_value(v) for v in value]
    return value


class Table:
    """A moto table with a stream; `changes()` returns the records written since the last call, as Lambda delivers them."""

    def __init__(self, moto_url: str, view: str = "NEW_AND_OLD_IMAGES", sort_key: bool = False, partition_type: str = "S") -> None:
        self.name = f"t-{uuid.uuid4().hex[:8]}"
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
        self.client = session.client("dynamodb", endpoint_url=moto_url)
        self.streams = session.client("dynamodbstreams", endpoint_url=moto_url)
        self.items = session.resource("dynamodb", endpoint_url=moto_url).Table(self.name)
        keys = [("pk", "HASH", partition_type)] + ([("sk", "RANGE", "N")] if sort_key else [])
        created = self.client.create_table(
            TableName=self.name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": n, "KeyType": t} for n, t, _ in keys],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": a} for n, _, a in keys],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        self.stream_arn = created["TableDescription"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.iterator = self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard,
                                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def changes(self) -> list[dict[str, Any]]:
        page = self.streams.get_records(ShardIterator=self.iterator)
        self.iterator = page["NextShardIterator"]
        records = []
        for record in page["Records"]:
            stream = _lambda_value(record["dynamodb"])
            stream["ApproximateCreationDateTime"] = int(record["dynamodb"]["ApproximateCreationDateTime"].timestamp())
            records.append({**record, "dynamodb": stream, "eventSourceARN": self.stream_arn})
        return records

    def state(self) -> dict[str, dict[str, Any]]:
        """The table as documents should hold it: id → item (boto3 resource values: Decimal, set, Binary)."""
        found = self.items.scan(ConsistentRead=True)["Items"]
        return {document_id({k: _typed_key(v) for k, v in item.items() if k in ("pk", "sk")}): item for item in found}


def _typed_key(value: Any) -> dict[str, str]:
    if isinstance(value, Decimal):
        return {"N": str(value)}
    if isinstance(value, Binary):
        return {"B": base64.b64encode(value.value).decode()}
    return {"S": value}


def matches(doc: Any, item: Any) -> bool:
    """Is the OpenSearch value exactly the DynamoDB value, in the JSON form the README promises?"""
    if isinstance(item, Decimal):
        if item != item.to_integral_value():
            return isinstance(doc, Decimal) and doc == item
        # integers are JSON integers, or n.0 inside an array that also holds decimals (lambda/README.md)
        return (type(doc) is int or (isinstance(doc, Decimal) and doc.as_tuple().exponent == -1)) and doc == item
    if isinstance(item, Binary):
        return doc == base64.b64encode(item.value).decode()
    if isinstance(item, set):
        ordered = sorted(item, key=lambda v: v.value if isinstance(v, Binary) else v)
        return isinstance(doc, list) and len(doc) == len(ordered) and all(matches(d, v) for d, v in zip(doc, ordered))
    if isinstance(item, dict):
        return isinstance(doc, dict) and doc.keys() == item.keys() and all(matches(doc[k], item[k]) for k in item)
    if isinstance(item, list):
        return isinstance(doc, list) and len(doc) == len(item) and all(matches(d, v) for d, v in zip(doc, item))
    return type(doc) is type(item) and doc == item


def assert_index_equals_table(opensearch_url: str, index: str, table: Table) -> None:
    documents, items = index_state(opensearch_url, index), table.state()
    assert sorted(documents) == sorted(items), f"ids differ: index {sorted(documents)} table {sorted(items)}"
    for doc_id, item in items.items():
        assert matches(documents[doc_id], item), f"{doc_id}: index {documents[doc_id]} table {item}"


def use_moto_for_boto3(monkeypatch: Any, moto_url: str) -> None:
    """Point the handler's own boto3 calls (BatchGetItem, destinations) at moto, as the Lambda runtime's env would."""
    for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": moto_url}.items():
        monkeypatch.setenv(name, value)
    aws._clients.clear()


Rule = Callable[[str, str, bytes], "tuple[int, bytes] | str | None"]


class Proxy:
    """HTTP proxy on 127.0.0.1 in front of the real node. `rule(method, path, body)` returns None to forward,
    (status, body) to answer instead, or "hang" to hold the request past the client's timeout."""

    def __init__(self, target: str, rule: Rule) -> None:
        self.target, self.rule, self.requests = target, rule, 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests += 1
                answer = proxy.rule(self.command, self.path, body)
                if answer == "hang":
                    time.sleep(3)
                    return
                if answer is None:
                    forwarded = http.request(self.command, proxy.target + self.path, body=body,
                                             headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
                    answer = (forwarded.status, forwarded.data)
                status, data = answer
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Proxy":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
