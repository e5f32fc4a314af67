"""Benchmark of the ops CLI (`run() -> dict`; standalone: `python tests/bench/ops.py`). Not a test.

A table of OPS_BENCH_ITEMS (default 100,000) ~1 KB items in moto (its own process, as a service would be), a real
OpenSearch node (OPENSEARCH_URL, or one started here). Measures `backfill` and `verify` items/s through the CLI
itself, and as their limits the node's own `_bulk` rate for the same documents (same chunking, same parallelism,
plain urllib3, no DynamoDB in the way) and a bare parallel Scan of the same table (on the embedded stack, moto's
Scan is usually the tighter limit). Ratios are the numbers to compare across changes.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import urllib3

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT / "scripts"), str(ROOT / "ops")]

import boto3  # noqa: E402

from ddb_opensearch_sync_ops.cli import main  # noqa: E402
from ddb_opensearch_sync_ops.documents import document  # noqa: E402
from ddb_opensearch_sync_ops.settings import resolve  # noqa: E402

WORDS = "trail running shoe jacket waterproof tent stove wool cotton blue red green light heavy".split()
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_REGION": "us-east-1"}
WORKERS = 8
CHUNK = 500  # the CLI's streaming_bulk chunk size


def product(rng: random.Random, key: str) -> dict[str, Any]:
    return {"pk": {"S": key}, "name": {"S": " ".join(rng.choices(WORDS, k=4))},
            "description": {"S": " ".join(rng.choices(WORDS, k=90))},
            "price": {"N": f"{rng.randint(1, 99999) / 100:.2f}"}, "stock": {"N": str(rng.randint(0, 500))},
            "tags": {"SS": sorted(set(rng.choices(WORDS, k=4)))}, "active": {"BOOL": rng.random() < 0.8},
            "dims": {"M": {"w": {"N": "10.5"}, "sizes": {"L": [{"N": "40"}, {"N": "41"}]}}}}


@contextlib.contextmanager
def services() -> Iterator[tuple[str, str]]:
    """(moto URL, OpenSearch URL): moto in a process of its own; the node from OPENSEARCH_URL or started here."""
    moto = subprocess.Popen([sys.executable, "-m", "local_stack.moto_server", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")})
    node = None
    try:
        moto_url = moto.stdout.readline().strip()  # type: ignore[union-attr]
        url = os.environ.get("OPENSEARCH_URL")
        if not url:
            from local_stack.opensearch_node import OpenSearchNode

            node = OpenSearchNode.start()
            url = node.url
        yield moto_url, url
    finally:
        if node is not None:
            node.stop()
        moto.terminate()
        try:
            moto.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not lose the measurements over a slow exit
            moto.kill()
            moto.wait()


def load(dynamodb: Any, table: str, count: int) -> None:
    def batch(start: int) -> None:
        rng = random.Random(start)
        requests = [{"PutRequest": {"Item": product(rng, f"p{n:07d}")}} for n in range(start, min(start + 25, count))]
        while requests:
            requests = dynamodb.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(batch, range(0, count, 25)))


def adopt(session: Any, moto_url: str, table: str) -> None:
    """Stream + an enabled event source mapping: the CLI refuses to backfill without them (no runner is needed)."""
    dynamodb, lam, iam = (session.client(s, endpoint_url=moto_url) for s in ("dynamodb", "lambda", "iam"))
    stream = dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
                                   )["TableDescription"]["LatestStreamArn"]
    code = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("fn.py", "def handler(event, context):\n    return None\n")
    role = iam.create_role(RoleName=table, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName=table, Runtime="python3.12", Role=role, Handler="fn.handler",
                        Code={"ZipFile": code.getvalue()})
    lam.create_event_source_mapping(FunctionName=table, EventSourceArn=stream, StartingPosition="LATEST")


def note(line: str) -> None:
    print(f"bench ops: {line}", file=sys.stderr, flush=True)


def cli(*argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main([*argv, "--json"])
    summary = json.loads(out.getvalue().splitlines()[-1])
    if status != 0:
        raise RuntimeError(f"{argv[0]} exited {status}: {summary}")
    return summary


def scan_baseline(session: Any, moto_url: str, table: str) -> float:
    """items/s of a bare parallel Scan of the same table (moto's own limit), nothing done with the items."""
    dynamodb = session.client("dynamodb", endpoint_url=moto_url)

    def segment(number: int) -> int:
        count, key = 0, None
        while True:
            page = dynamodb.scan(TableName=table, Segment=number, TotalSegments=WORKERS, **({"ExclusiveStartKey": key} if key else {}))
            count += len(page["Items"])
            key = page.get("LastEvaluatedKey")
            if not key:
                return count

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        items = sum(pool.map(segment, range(WORKERS)))
    return items / (time.perf_counter() - started)


def bulk_baseline(url: str, session: Any, moto_url: str, table: str, settings: Any) -> float:
    """docs/s of the node's own `_bulk` for the same documents, same chunking and parallelism as the CLI."""
    dynamodb = session.client("dynamodb", endpoint_url=moto_url)
    bodies, current = [], []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            doc = document(settings, raw, ["pk"])
            current.append(json.dumps({"index": {"_index": "bench-baseline", "_id": doc.doc_id, "version": 1,
                                                 "version_type": "external"}}) + "\n" + doc.source + "\n")
            if len(current) == CHUNK:
                bodies.append("".join(current).encode())
                current = []
    if current:
        bodies.append("".join(current).encode())
    http = urllib3.PoolManager(maxsize=WORKERS)
    http.request("PUT", f"{url}/bench-baseline", body=json.dumps({"settings": {"index": {"gc_deletes": "24h"}}}),
                 headers={"Content-Type": "application/json"})

    def post(body: bytes) -> None:
        response = http.request("POST", f"{url}/_bulk?filter_path=errors", body=body,
                                headers={"Content-Type": "application/x-ndjson"})
        assert response.status == 200 and b'"errors":false' in response.data, response.data[:300]

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(post, bodies))
    seconds = time.perf_counter() - started
    http.request("DELETE", f"{url}/bench-baseline")
    return sum(body.count(b"\n") // 2 for body in bodies) / seconds


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set variables for the CLI's boto3 calls; restore the caller's environment afterwards (run.py goes on)."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run() -> dict[str, Any]:
    count = int(os.environ.get("OPS_BENCH_ITEMS", "100000"))
    with services() as (moto_url, url), tempfile.TemporaryDirectory() as scratch, \
            environment(**CREDENTIALS, AWS_ENDPOINT_URL=moto_url):
        session = boto3.session.Session(region_name="us-east-1")
        table = f"bench-{uuid.uuid4().hex[:6]}"
        dynamodb = session.client("dynamodb", endpoint_url=moto_url)
        dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        started = time.perf_counter()
        load(dynamodb, table, count)
        load_seconds = time.perf_counter() - started
        note(f"loaded {count} items in {load_seconds:.0f} s")
        adopt(session, moto_url, table)
        flags = ["--table", table, "--endpoint", url, "--index", table, "--auth", "none"]
        cli("setup-index", *flags)
        filled = cli("backfill", *flags, "--segments", str(WORKERS), "--workers", str(WORKERS),
                     "--checkpoint", str(Path(scratch) / "cp.json"))
        note(f"backfill: {filled['items_read']} items, {filled['items_per_second']}/s")
        checked = cli("verify", *flags, "--segments", str(WORKERS), "--workers", str(WORKERS))
        note(f"verify: {checked['table_items']} items, {checked['items_per_second']}/s, equal={checked['equal']}")
        scan_rate = scan_baseline(session, moto_url, table)
        note(f"bare Scan: {scan_rate:.0f} items/s")
        baseline = bulk_baseline(url, session, moto_url, table, resolve({"table": table, "endpoint": url, "index": table,
                                                                         "auth": "none"}).handler)
    backfill_rate, verify_rate = filled["items_per_second"], checked["items_per_second"]
    return {"items": count, "load_items_per_s": round(count / load_seconds, 1),
            "backfill_items_per_s": backfill_rate, "verify_items_per_s": verify_rate,
            "verify_equal": checked["equal"], "node_bulk_docs_per_s": round(baseline, 1),
            "moto_scan_items_per_s": round(scan_rate, 1), "backfill_vs_moto_scan": round(backfill_rate / scan_rate, 3),
            "backfill_vs_node_bulk": round(backfill_rate / baseline, 3),
            "verify_vs_node_bulk": round(verify_rate / baseline, 3)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
