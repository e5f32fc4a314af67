"""Benchmark of the handler against a real OpenSearch node (`make bench`; not a test).

Measures, in one process: records/s for batches of 100 and 1000 mixed INSERT/MODIFY/REMOVE records with ~1 KB
items, against the guide's one-request-per-record approach on the same node and HTTP pool; the handler's own
CPU time per record with OpenSearch taken out; cold init of the packaged zip in a fresh interpreter; zip size.
Uses OPENSEARCH_URL, or starts a node of its own when that is unset.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Iterator

import urllib3

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT / "scripts")]

from ddb_opensearch_sync.config import load  # noqa: E402
from ddb_opensearch_sync.sync import Syncer  # noqa: E402

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
WORDS = "trail running shoe jacket waterproof tent stove wool cotton blue red green light heavy".split()


def item(rng: random.Random, key: str) -> dict[str, Any]:
    """A ~1 KB product in DynamoDB JSON, as the stream carries it."""
    return {
        "pk": {"S": key}, "name": {"S": " ".join(rng.choices(WORDS, k=4))},
        "description": {"S": " ".join(rng.choices(WORDS, k=90))},
        "price": {"N": f"{rng.randint(1, 99999) / 100:.2f}"}, "stock": {"N": str(rng.randint(0, 500))},
        "tags": {"SS": sorted(set(rng.choices(WORDS, k=4)))},
        "dims": {"M": {"w": {"N": "10.5"}, "h": {"N": str(rng.randint(1, 90))}, "sizes": {"L": [{"N": "40"}, {"N": "41"}]}}},
        "active": {"BOOL": rng.random() < 0.8}, "note": {"NULL": True},
    }


def records(count: int, seed: int) -> list[dict[str, Any]]:
    """Mixed changes over a key space: ~60 % INSERT, 30 % MODIFY, 10 % REMOVE."""
    rng = random.Random(seed)
    out, live = [], []
    for n in range(count):
        roll = rng.random()
        if live and roll < 0.1:
            key, name = live.pop(rng.randrange(len(live))), "REMOVE"
        elif live and roll < 0.4:
            key, name = rng.choice(live), "MODIFY"
        else:
            key, name = f"p-{seed}-{n}", "INSERT"
            live.append(key)
        stream: dict[str, Any] = {"Keys": {"pk": {"S": key}}, "SequenceNumber": str(10**20 + n),
                                  "ApproximateCreationDateTime": 1_700_000_000 + n // 50, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if name != "REMOVE":
            stream["NewImage"] = item(rng, key)
        out.append({"eventName": name, "eventSourceARN": ARN, "dynamodb": stream})
    return out


def guide_unmarshall(image: dict[str, Any]) -> dict[str, Any]:
    """The guide's one-level unmarshall (nested values come out wrong; kept to be faithful)."""
    return {k: next(iter(v.values())) for k, v in image.items()}


def one_request_per_record(pool: urllib3.PoolManager, url: str, index: str, batch: list[dict[str, Any]]) -> None:
    for record in batch:
        key = record["dynamodb"]["Keys"]["pk"]["S"]
        if record["eventName"] == "REMOVE":
            pool.request("DELETE", f"{url}/{index}/_doc/{key}")
        else:
            body = json.dumps(guide_unmarshall(record["dynamodb"]["NewImage"])).encode()
            pool.request("PUT", f"{url}/{index}/_doc/{key}", body=body, headers={"Content-Type": "application/json"})


def syncer(url: str, index: str, transport: Any = None) -> Syncer:
    return Syncer(load({"OPENSEARCH_ENDPOINT": url, "OPENSEARCH_INDEX": index, "OPENSEARCH_AUTH": "none"}), transport=transport)


def warm_up(url: str) -> None:
    """Bring the node to steady state (JIT-compiled, mappings made) on both request shapes before timing:
    a freshly started node is up to twice as slow for its first few thousand documents."""
    sync, pool = syncer(url, f"bench-warm-{uuid.uuid4().hex[:8]}"), urllib3.PoolManager()
    data = records(10000, seed=1)
    with contextlib.redirect_stdout(io.StringIO()):
        for i in range(0, len(data), 100):
            sync.handle({"Records": data[i:i + 100]})
    one_request_per_record(pool, url, f"bench-warm-guide-{uuid.uuid4().hex[:8]}", data[:500])


def throughput(url: str, batch_size: int, rounds: int = 5) -> tuple[float, float]:
    """Median records/s of the handler and of the one-request-per-record approach. The two alternate in
    rounds over the same kind of records, so load from elsewhere on the machine hits both alike."""
    ours, pool = syncer(url, f"bench-{uuid.uuid4().hex[:8]}"), urllib3.PoolManager()
    guide_index = f"bench-guide-{uuid.uuid4().hex[:8]}"
    per_round = max(1000, 2 * batch_size)
    ours_rates, guide_rates = [], []
    for r in range(rounds):
        data = records(per_round, seed=batch_size * 100 + r)
        with contextlib.redirect_stdout(io.StringIO()):
            started = time.perf_counter()
            for i in range(0, per_round, batch_size):
                assert ours.handle({"Records": data[i:i + batch_size]}) == {"batchItemFailures": []}
            ours_rates.append(per_round / (time.perf_counter() - started))
        sample = data[:200]  # the slow path needs fewer records for a stable rate
        started = time.perf_counter()
        one_request_per_record(pool, url, guide_index, sample)
        guide_rates.append(len(sample) / (time.perf_counter() - started))
    return statistics.median(ours_rates), statistics.median(guide_rates)


class Instant:
    """A transport that answers every _bulk at once with success: the handler's own work remains."""

    item = b'{"index":{"status":201}}'

    def request(self, method: str, path: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
        count = body.count(b'"version_type"')
        return 200, b'{"errors":false,"items":[' + b",".join([self.item] * count) + b"]}"


def cpu_per_record(batch_size: int = 100, rounds: int = 30) -> float:
    sync = syncer("http://127.0.0.1:9", "bench", transport=Instant())
    batches = [records(batch_size, seed=100 + r) for r in range(rounds)]
    with contextlib.redirect_stdout(io.StringIO()):
        sync.handle({"Records": batches[0]})
        started = time.process_time()
        for batch in batches:
            sync.handle({"Records": batch})
        used = time.process_time() - started
    return used / (batch_size * rounds) * 1e6


def cold_init(zip_path: Path, runs: int = 7) -> float:
    """Median ms to import the packaged handler (settings + client construction) in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(scratch)
        code = ("import sys, time; t = time.perf_counter(); sys.path.insert(0, sys.argv[1]); "
                "import ddb_opensearch_sync.handler; print((time.perf_counter() - t) * 1000)")
        env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": "https://search.example.test",
               "OPENSEARCH_INDEX": "products", "OPENSEARCH_AUTH": "iam", "AWS_REGION": "us-east-1"}
        times = [float(subprocess.run([sys.executable, "-I", "-c", code, scratch], env=env, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(runs)]
    return statistics.median(times)


@contextlib.contextmanager
def node() -> Iterator[str]:
    if os.environ.get("OPENSEARCH_URL"):
        yield os.environ["OPENSEARCH_URL"].rstrip("/")
        return
    from local_stack.opensearch_node import opensearch_node

    with opensearch_node() as url:
        yield url


def main() -> int:
    zip_path = ROOT / "dist" / "lambda.zip"
    if not zip_path.exists():
        from package_lambda import build

        build(zip_path)
    with node() as url:
        warm_up(url)
        ours100, guide100 = throughput(url, 100)
        ours1000, guide1000 = throughput(url, 1000)
    cpu = cpu_per_record()
    init = cold_init(zip_path)
    size = zip_path.stat().st_size
    rows = [
        ("records/s, batch 100 (handler)", f"{ours100:,.0f}", ""),
        ("records/s, batch 100 (one request per record)", f"{guide100:,.0f}", ""),
        ("speed-up at batch 100", f"{ours100 / guide100:.1f}x", ">= 20x", ours100 / guide100 >= 20),
        ("records/s, batch 1000 (handler)", f"{ours1000:,.0f}", ""),
        ("records/s, batch 1000 (one request per record)", f"{guide1000:,.0f}", ""),
        ("speed-up at batch 1000", f"{ours1000 / guide1000:.1f}x", ""),
        ("handler CPU per 1 KB record (OpenSearch excluded)", f"{cpu:.1f} us", "<= 50 us", cpu <= 50),
        ("cold init of the packaged zip (median of 7)", f"{init:.0f} ms", "<= 250 ms", init <= 250),
        ("zip size", f"{size / 1024:.0f} KiB", "<= 2048 KiB", size <= 2 * 1024 * 1024),
    ]
    print(f"{'metric':52} {'value':>12}  {'target':>12}  met")
    for name, value, target, *met in rows:
        print(f"{name:52} {value:>12}  {target:>12}  {('yes' if met[0] else 'NO') if met else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
