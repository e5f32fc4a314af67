"""End-to-end benchmark of the embedded stack: table writes -> moto stream -> ESM runner -> handler -> searchable.

For each moto variant ("moto": moto's own parser, serializers and write path; "patched": the stack's speed patches,
`SPEED_PATCHES` in scripts/local_stack/moto_server.py; the fidelity patches apply to both) and for each mapping batch
size (100, the module's default, and 1000) and batching window (0 and 1 s) it starts the embedded stack in a child
process (so moto's CPU is that process's CPU), creates a table and a mapping to the packaged function
(dist/lambda.zip), runs a warm-up burst (JIT of the node, warm handler), waits until the machine is quiet (the node
done merging), then writes N ~1 KB items with several writer threads (BatchWriteItem of 25) and polls OpenSearch
every 0.1 s (no forced refresh; one search for the count and the tracked ids) until every item is searchable:
records/s end to end (first write to last searchable), the sustained rate (records becoming searchable between the
polls that saw 10 % and 90 % of them), and the CPU per record, while the clock runs, of moto, of the runner with its
handler workers, of the OpenSearch node (when the bench started it) and of this process (the writers and the polls:
what the bench itself takes from the 2 cores), and of the whole machine, with the cores it kept busy and the rate
that CPU per record would give with every core busy. Every 25th item is also polled by id for the burst's
write->searchable percentiles. Then single items at a paced rate below capacity:
write->searchable latency p50/p90/p99 without a backlog. Also the wall/CPU time of a 1,000-record GetRecords,
and patched/unpatched ratios from the same run. One OpenSearch node serves both variants.

The writes are serialized before the clock starts and posted as the DynamoDB JSON protocol over one keep-alive
connection per writer (moto does not check signatures): a boto3 writer spends ~0.6 ms of CPU per item on its own
validation and serialization, which on these 2 cores would be taken from the stack under test.
N is 30,000 for the patched stack: the end-to-end span includes one write->searchable latency (the first batch,
and the last refresh, up to 1 s), ~1.5 s that took 20-25 % of a 12,000-item run (~6 s) and takes under 10 % of a
30,000-item one; the 10 %->90 % figure moves in 1 s refresh steps, 4-5 of them in a 12,000-item run. moto's own path,
~10x slower, writes 6,000 per pipeline (its rates change little with N; the bench stays under ~5 minutes).
Linux only (CPU time from /proc). Writes are bounded (items, convergence deadline).

    python tests/bench/e2e.py [--items 30000] [--moto-items 6000] [--writers 4] [--windows 0 1]
                              [--batch-sizes 100 1000] [--variants moto patched] [--latency-items 60]
                              [--latency-rate 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT / "scripts"), str(Path(__file__).resolve().parent)]

import boto3  # noqa: E402
import urllib3  # noqa: E402
from botocore.config import Config  # noqa: E402

from ddb_opensearch_sync.doc_id import document_id  # noqa: E402

LAMBDA_ZIP = ROOT / "dist" / "lambda.zip"
HANDLER = "ddb_opensearch_sync.handler.lambda_handler"
CONVERGE_TIMEOUT_S = 180.0
POLL_INTERVAL_S = 0.1  # end-to-end times are within this of the truth (<1 % of a 30,000-item run)
LATENCY_SAMPLE = 25  # every 25th item of a burst is polled by id for the latency percentiles
WARM_UP_ITEMS = 1000
BATCH_WRITE = 25  # items per BatchWriteItem, DynamoDB's maximum
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
http = urllib3.PoolManager(maxsize=4)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its living descendants (the runner and its handler worker processes)."""
    total = 0.0
    try:
        total = process_cpu_s(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu_s(int(child))
    except (FileNotFoundError, ProcessLookupError):  # it exited meanwhile
        pass
    return total


def sustained(counts: list[tuple[float, int]], total: int) -> float | None:
    """Records/s becoming searchable between the polls that first saw 10 % and 90 % of them: the rate the stack
    keeps up once running, without the start (first batches, first refresh) and the last refresh's wait."""
    low = next((c for c in counts if c[1] >= total // 10), None)
    high = next((c for c in counts if c[1] >= total * 9 // 10), None)
    if low is None or high is None or high[0] <= low[0]:
        return None
    return round((high[1] - low[1]) / (high[0] - low[0]), 1)


def core_figures(machine_s: float | None, elapsed_s: float, items: int, cores: int) -> dict[str, float]:
    """Whether a burst was bound by the machine's cores: how many its `machine_s` of CPU kept busy over `elapsed_s`,
    and the rate that CPU per record would give with every core busy the whole time (nothing without the figure)."""
    if not machine_s:
        return {}
    return {"cores_busy": round(machine_s / elapsed_s, 2),
            "records_per_s_if_every_core_were_busy": round(cores * items / machine_s, 1)}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class ChildStack:
    """The embedded stack in a child process (`--serve`), sharing an OpenSearch node; stopped by closing stdin."""

    def __init__(self, variant: str, opensearch_url: str, state_dir: Path) -> None:
        cmd = [sys.executable, __file__, "--serve", variant, "--opensearch-url", opensearch_url,
               "--state-dir", str(state_dir)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda"), str(ROOT / "scripts")])}
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {variant} stack did not start (exit {self.process.wait()})")
        ready = json.loads(line)
        self.runner_pid = ready.pop("runner_pid")
        self.env = ready

    def client(self, name: str) -> Any:
        return boto3.client(name, endpoint_url=self.env["AWS_ENDPOINT_URL"], region_name=self.env["AWS_DEFAULT_REGION"],
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(max_pool_connections=32, retries={"max_attempts": 2}))

    def cpu_s(self) -> float:
        return process_cpu_s(self.process.pid)

    def runner_cpu_s(self) -> float:
        return tree_cpu_s(self.runner_pid)

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(variant: str, opensearch_url: str, state_dir: Path) -> None:
    """Child: run the stack (moto in this process) until stdin closes; print its env as one JSON line."""
    from local_stack.moto_server import SPEED_PATCHES
    from local_stack.stack import EmbeddedStack

    quick = ("--refresh-interval", "0.5")
    with EmbeddedStack(state_dir, [LAMBDA_ZIP], opensearch_url=opensearch_url, poll_interval_s=0.1,
                       runner_args=quick) as stack:
        if variant == "moto":  # the fidelity patches stay: without them the stream is wrong, not just slow
            for speed in SPEED_PATCHES:
                speed.unpatch()
        print(json.dumps({**stack.env, "runner_pid": stack.runner.pid}), flush=True)
        sys.stdin.read()


class Pipeline:
    """One table + mapping to the packaged function writing into its own index."""

    def __init__(self, stack: ChildStack, opensearch_url: str, window_s: int, batch_size: int,
                 node_pid: int | None) -> None:
        self.stack, self.opensearch_url, self.node_pid = stack, opensearch_url, node_pid
        self.name = f"bench-{uuid.uuid4().hex[:8]}"
        self.index = self.name
        dynamodb, lambda_, iam = stack.client("dynamodb"), stack.client("lambda"), stack.client("iam")
        self.stream_arn = dynamodb.create_table(
            TableName=self.name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        role = iam.create_role(RoleName=self.name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lambda_.create_function(
            FunctionName=self.name, Runtime="python3.12", Role=role, Handler=HANDLER, Timeout=60,
            Code={"ZipFile": LAMBDA_ZIP.read_bytes()},
            Environment={"Variables": {"OPENSEARCH_ENDPOINT": opensearch_url, "OPENSEARCH_INDEX": self.index,
                                       "OPENSEARCH_AUTH": "none", "METRICS_NAMESPACE": ""}})
        lambda_.create_event_source_mapping(
            FunctionName=self.name, EventSourceArn=self.stream_arn, StartingPosition="TRIM_HORIZON",
            BatchSize=batch_size, MaximumBatchingWindowInSeconds=window_s,
            FunctionResponseTypes=["ReportBatchItemFailures"])

    def poll(self, ids: list[str]) -> tuple[set[str], int]:
        """Which of `ids` a search finds now, and how many documents it sees in all (no refresh forced: searchable
        as a user would see it), in one request: each search request costs the embedded node ~5 ms of CPU (a
        `_count` ~6, an ids search of 400 ids ~19; measured), which a `_count` and an ids search every 50 ms took
        from the stack under test (~0.3 s of the node's CPU per second)."""
        body = json.dumps({"size": len(ids), "_source": False, "track_total_hits": False,
                           "query": {"ids": {"values": ids}}, "aggs": {"indexed": {"global": {}}}}).encode()
        response = http.request("POST", f"{self.opensearch_url}/{self.index}/_search", body=body,
                                headers={"Content-Type": "application/json"})
        if response.status != 200:  # no index yet, or its shards are still starting
            return set(), 0
        answer = json.loads(response.data)
        return {hit["_id"] for hit in answer["hits"]["hits"]}, answer["aggregations"]["indexed"]["doc_count"]

    def request(self, batch: list[dict[str, Any]]) -> tuple[str, bytes]:
        """The DynamoDB JSON-protocol request writing `batch`: X-Amz-Target and body."""
        if len(batch) == 1:
            return "DynamoDB_20120810.PutItem", json.dumps({"TableName": self.name, "Item": batch[0]}).encode()
        return "DynamoDB_20120810.BatchWriteItem", json.dumps(
            {"RequestItems": {self.name: [{"PutRequest": {"Item": i}} for i in batch]}}).encode()

    def post(self, pool: urllib3.HTTPConnectionPool, target: str, body: bytes) -> None:
        """One write; unprocessed items (DynamoDB may return some) are sent again."""
        while True:
            response = pool.urlopen("POST", "/", body=body, headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target,
                "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20250101/{self.stack.env['AWS_DEFAULT_REGION']}"
                                 "/dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
            if response.status != 200:
                raise RuntimeError(f"{target} answered {response.status}: {response.data[:300]!r}")
            unprocessed = json.loads(response.data).get("UnprocessedItems")
            if not unprocessed:
                return
            body = json.dumps({"RequestItems": unprocessed}).encode()

    def run(self, items: int, writers: int, latency_items: int, latency_rate: float, seed: int) -> dict[str, Any]:
        """Throughput: `items` written as fast as `writers` threads can (BatchWriteItem), until all are searchable.
        Latency: `latency_items` single PutItems at `latency_rate`/s, below capacity, so no backlog adds to it."""
        from run import item, wait_until_quiet  # imported here so run.py may import this module

        rng = random.Random(seed)

        def burst(prefix: str, count: int) -> list[list[list[dict[str, Any]]]]:
            batches = [[item(rng, f"{prefix}-{n}") for n in range(start, min(count, start + BATCH_WRITE))]
                       for start in range(0, count, BATCH_WRITE)]
            return [batches[n::writers] for n in range(writers)]

        # Warm-up: the runner has found the mapping, the handler is loaded and the node's JIT has compiled the
        # indexing path before the clock starts.
        self.measure(burst("w", WARM_UP_ITEMS), pace_s=0.0, every=WARM_UP_ITEMS)
        work = burst("k", items)
        wait_until_quiet()  # the node done merging what the warm-up and the pipelines before wrote
        measured = self.measure(work, pace_s=0.0, every=LATENCY_SAMPLE)
        cpu = {name: round(1000 * used / items, 3) for name, used in measured["cpu_s"].items()}
        paced = self.measure([[[item(rng, f"l-{n}")] for n in range(latency_items)]], pace_s=1 / latency_rate,
                             every=1)
        result: dict[str, Any] = {
            "items": items, "complete": measured["searchable"] == items,
            "records_per_s": round(items / measured["elapsed_s"], 1),
            "sustained_records_per_s": measured["sustained_per_s"],
            "writes_per_s": round(items / measured["writes_s"], 1),  # how fast moto took the writes meanwhile
            **{f"{name}_cpu_ms_per_record": value for name, value in cpu.items()},
            **core_figures(measured["cpu_s"].get("machine"), measured["elapsed_s"], items, os.cpu_count() or 1),
            "burst_latency_p50_s": measured.get("latency_p50_s"),
            "burst_latency_p99_s": measured.get("latency_p99_s"),
            "latency_items": latency_items, "latency_rate_per_s": latency_rate,
            **{k: v for k, v in paced.items() if k.startswith("latency_p")},
        }
        result["get_records_1000"] = self.time_get_records()
        return result

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds so far of moto, the runner with its handler workers, this process, the node (when known) and
        every process on the machine (where /proc/stat tells)."""
        from run import PROC_STAT, machine_busy_s

        out = {"moto": self.stack.cpu_s(), "runner_and_handler": self.stack.runner_cpu_s(),
               "bench_writers_and_polls": process_cpu_s(os.getpid())}
        if self.node_pid:
            out["opensearch"] = process_cpu_s(self.node_pid)
        if PROC_STAT.exists():
            out["machine"] = machine_busy_s()
        return out

    def measure(self, work: list[list[list[dict[str, Any]]]], pace_s: float, every: int) -> dict[str, Any]:
        """One writer thread per entry of `work` (its batches, one write call each, `pace_s` apart); polls the count
        until every item is searchable or the deadline, and every `every`-th item by id for its latency."""
        requests = [[(*self.request(batch), [document_id({"pk": i["pk"]}) for i in batch]) for batch in mine]
                    for mine in work]  # serialized before the clock starts
        tracked = {doc for mine in requests for _, _, docs in mine for doc in docs[::every]}
        total, base = sum(len(docs) for mine in requests for _, _, docs in mine), self.poll([])[1]
        written: dict[str, float] = {}
        lock = threading.Lock()
        endpoint = urllib3.util.parse_url(self.stack.env["AWS_ENDPOINT_URL"])

        def writer(mine: list[tuple[str, bytes, list[str]]]) -> None:
            pool = urllib3.HTTPConnectionPool(endpoint.host, endpoint.port, maxsize=1)
            for target, body, docs in mine:
                self.post(pool, target, body)
                done = time.monotonic()
                with lock:
                    written.update((doc, done) for doc in docs if doc in tracked)
                time.sleep(pace_s)

        cpu_before = self.cpu_s()
        started = time.monotonic()
        deadline = started + CONVERGE_TIMEOUT_S
        threads = [threading.Thread(target=writer, args=(mine,)) for mine in requests]
        for thread in threads:
            thread.start()
        seen: dict[str, float] = {}
        converged: float | None = None
        searchable = 0
        counts: list[tuple[float, int]] = []  # (when, how many searchable) per poll
        while time.monotonic() < deadline and (converged is None or len(seen) < len(tracked)):
            with lock:
                pending = [doc for doc in written if doc not in seen]
            found, indexed = self.poll(pending)
            now = time.monotonic()
            seen.update((doc, now) for doc in found)
            if converged is None:
                searchable = indexed - base
                counts.append((now, searchable))
                if searchable >= total:
                    converged = now
            time.sleep(POLL_INTERVAL_S)
        cpu_s = {name: after - cpu_before[name] for name, after in self.cpu_s().items()}
        for thread in threads:
            thread.join()
        latencies = [seen[doc] - written[doc] for doc in written if doc in seen]
        out: dict[str, Any] = {"elapsed_s": (converged or time.monotonic()) - started, "searchable": searchable,
                               "writes_s": max(written.values(), default=started) - started,
                               "sustained_per_s": sustained(counts, total), "cpu_s": cpu_s}
        if latencies:
            out.update({f"latency_p{p}_s": round(percentile(latencies, p / 100), 3) for p in (50, 90, 99)})
        return out

    def time_get_records(self) -> dict[str, float]:
        """A GetRecords of 1,000 records from the start of the stream: wall time and moto's CPU for one, averaged over
        as many reads as take 0.5 s of moto's CPU (at most 20): /proc counts CPU time in 10 ms ticks."""
        streams = self.stack.client("dynamodbstreams")
        shard = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
        cpu, wall, reads, count = self.stack.cpu_s(), time.monotonic(), 0, 0
        while reads < 20 and (reads == 0 or self.stack.cpu_s() - cpu < 0.5):
            iterator = streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard,
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            count = len(streams.get_records(ShardIterator=iterator, Limit=1000)["Records"])
            reads += 1
        return {"records": count, "reads": reads, "wall_s": round((time.monotonic() - wall) / reads, 4),
                "moto_cpu_s": round((self.stack.cpu_s() - cpu) / reads, 4)}


def run(items: int = 30000, writers: int = 4, windows: tuple[int, ...] = (0, 1),
        variants: tuple[str, ...] = ("moto", "patched"), batch_sizes: tuple[int, ...] = (100, 1000),
        opensearch_url: str = "", latency_items: int = 60, latency_rate: float = 10.0,
        seed: int = 1, moto_items: int = 6000) -> dict[str, Any]:
    """Run every (variant, batch size, window) pipeline; results by variant and pipeline, plus patched/moto
    ratios."""
    if not LAMBDA_ZIP.exists():
        from package_lambda import build

        build(LAMBDA_ZIP)
    node = None
    if not opensearch_url:
        from local_stack.opensearch_node import OpenSearchNode

        node = OpenSearchNode.start()
        opensearch_url = node.url
        from run import warm_up  # a fresh node is up to twice as slow (JIT) for its first few thousand documents

        warm_up(opensearch_url)
    results: dict[str, Any] = {"items": {"patched": items, "moto": moto_items}, "writers": writers,
                               "batch_sizes": list(batch_sizes),
                               "latency_items": latency_items, "latency_rate_per_s": latency_rate, "variants": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as scratch:
            for variant in variants:
                results["variants"][variant] = pipelines = {}
                for size in batch_sizes:
                    for window in windows:
                        name = f"batch_{size}_window_{window}s"
                        # A stack of its own per pipeline, as `make demo` and a test session start one: in one moto
                        # process each pipeline would pay for the ones before it (their idle mappings' polling,
                        # ~15 ms of moto's and the runner's CPU per second each; moto's heap, which slows it down
                        # as it grows: 0.29 -> 0.40 ms per record over four 30,000-item pipelines, measured).
                        stack = ChildStack(variant, opensearch_url, Path(scratch) / variant / name)
                        try:
                            pipelines[name] = Pipeline(stack, opensearch_url, window, size,
                                                       node.process.pid if node else None).run(
                                moto_items if variant == "moto" else items, writers, latency_items, latency_rate, seed)
                        finally:
                            stack.close()
    finally:
        if node is not None:
            node.stop()
    if {"moto", "patched"} <= set(results["variants"]):
        results["patched_vs_moto"] = ratios(results["variants"]["moto"], results["variants"]["patched"])
    return results


def ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """after/before for throughput, before/after for costs (so > 1 means the patches help)."""
    out = {}
    for pipeline, b in before.items():
        a = after[pipeline]
        out[pipeline] = {
            "throughput_x": round(a["records_per_s"] / b["records_per_s"], 2),
            "moto_cpu_per_record_x": round(b["moto_cpu_ms_per_record"] / a["moto_cpu_ms_per_record"], 2),
            "get_records_1000_cpu_x": round(b["get_records_1000"]["moto_cpu_s"]
                                            / max(a["get_records_1000"]["moto_cpu_s"], 0.0001), 2),
            "latency_p50_x": round(b["latency_p50_s"] / a["latency_p50_s"], 2),
            "burst_latency_p50_x": round(b["burst_latency_p50_s"] / a["burst_latency_p50_s"], 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30000,
                        help="items written per pipeline of the patched stack (default 30000)")
    parser.add_argument("--moto-items", type=int, default=6000,
                        help="items written per pipeline of moto's own path (default 6000)")
    parser.add_argument("--writers", type=int, default=4, help="writer threads (default 4)")
    parser.add_argument("--windows", type=int, nargs="+", default=[0, 1], help="batching windows in seconds")
    parser.add_argument("--variants", nargs="+", default=["moto", "patched"], choices=["moto", "patched"])
    parser.add_argument("--latency-items", type=int, default=60, help="paced single writes for latency")
    parser.add_argument("--latency-rate", type=float, default=10.0, help="paced writes per second (default 10)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 1000],
                        help="mapping BatchSize values (default: 100, the module's default, and 1000)")
    parser.add_argument("--opensearch-url", default=os.environ.get("OPENSEARCH_URL", ""),
                        help="reuse a running node (default: start one)")
    parser.add_argument("--serve", choices=["moto", "patched"], help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.opensearch_url, Path(args.state_dir))
        return
    started = time.monotonic()
    results = run(args.items, args.writers, tuple(args.windows), tuple(args.variants), tuple(args.batch_sizes),
                  args.opensearch_url, args.latency_items, args.latency_rate, moto_items=args.moto_items)
    results["bench_wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
