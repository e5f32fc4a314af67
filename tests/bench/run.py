"""Benchmark of the handler against a real OpenSearch node (`make bench`; not a test).

One run, side by side, medians with spreads ([min–max] over interleaved rounds, so load from elsewhere on the
machine hits every contender alike):
- throughput at batch 100 and 1000 for realistic items (~1 KB, nested maps and lists, old and new images):
  the handler; *the limit* (the exact `_bulk` requests the handler sends for each batch — as many as it sends,
  byte for byte — serialized beforehand and posted one after another, as the handler posts them, through the
  same HTTP stack to the same node: the node's time alone); the typical opensearch-py `helpers.bulk` handler
  (boto3's TypeDeserializer); one request per record. The contenders take turns batch by batch; ratios are per
  round. Also the cores the other processes kept busy while the limit ran (the node's, when it runs on this
  machine): the handler's CPU can overlap the node's time only on a core the node leaves free;
- hot keys: items changed twice in one second, the changes in different batches (every second change is a
  same-second conflict, settled with `_mget` + one BatchGetItem on a moto table in a process of its own), vs the
  same changes in different seconds (conflict-free), the two taking turns batch by batch; the time inside the
  emulator's reads is shown apart;
- the handler's CPU per record with OpenSearch taken out;
- cold start to the first result (fresh interpreter: import + first invocation against the node), with and
  without SigV4, for the package with compiled .pyc and sources only, and the opensearch-py peer, taking turns
  run by run once the machine is quiet (the node done merging what the sections before wrote);
- zip sizes;
- the sections tests/bench/e2e.py (embedded stack end to end) and tests/bench/ops.py (backfill/verify rates)
  when those modules exist: each has `run() -> dict` of printable figures.
Uses OPENSEARCH_URL, or starts a node of its own when that is unset. `--only throughput,cpu` runs just those
sections (`--help` lists them); `--batches 100,1000` picks the throughput batch sizes.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
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
from typing import Any, Callable, Iterator

import urllib3

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT / "scripts"), str(Path(__file__).resolve().parent)]

from ddb_opensearch_sync.config import load  # noqa: E402
from ddb_opensearch_sync.sync import Syncer  # noqa: E402
from ddb_opensearch_sync.transport import Transport  # noqa: E402

REGION = "us-east-1"
ARN = f"arn:aws:dynamodb:{REGION}:123456789012:table/products/stream/2024-01-01T00:00:00.000"
WORDS = "trail running shoe jacket waterproof tent stove wool cotton blue red green light heavy".split()
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


# --- workload -------------------------------------------------------------------------------------------

def item(rng: random.Random, key: str) -> dict[str, Any]:
    """A ~1 KB product in DynamoDB JSON (as the stream carries it): nested maps, lists, sets, every scalar type."""
    words = lambda k: " ".join(rng.choices(WORDS, k=k))  # noqa: E731
    price = lambda: {"N": f"{rng.randint(1, 99999) / 100:.2f}"}  # noqa: E731 - "12.50": trailing zeros occur
    return {
        "pk": {"S": key}, "name": {"S": words(4)}, "description": {"S": words(40)}, "price": price(),
        "stock": {"N": str(rng.randint(0, 500))}, "rating": {"N": str(rng.randint(10, 50) / 10)},
        "createdAt": {"N": str(1_700_000_000_000 + rng.randint(0, 10**9))},
        "tags": {"SS": sorted(set(rng.choices(WORDS, k=4)))},
        "sizes": {"NS": [str(s) for s in sorted(set(rng.choices(range(36, 47), k=4)))]},
        "dims": {"M": {"w": {"N": "10.5"}, "h": {"N": str(rng.randint(1, 90))}, "unit": {"S": "cm"}}},
        "variants": {"L": [{"M": {"sku": {"S": f"{key}-{i}"}, "color": {"S": rng.choice(WORDS)},
                                  "qty": {"N": str(rng.randint(0, 99))}, "price": price(),
                                  "onSale": {"BOOL": rng.random() < 0.3}}} for i in range(3)]},
        "supplier": {"M": {"name": {"S": words(2)}, "address": {"M": {
            "city": {"S": words(1)}, "zip": {"S": str(rng.randint(10000, 99999))},
            "geo": {"L": [{"N": "48.8566"}, {"N": "2.3522"}]}}}}},
        "active": {"BOOL": rng.random() < 0.8}, "note": {"NULL": True},
    }


def event_record(name: str, key: str, n: int, second: int, old: dict | None, new: dict | None, arn: str = ARN) -> dict:
    stream: dict[str, Any] = {"Keys": {"pk": {"S": key}}, "SequenceNumber": str(10**20 + n), "SizeBytes": 1100,
                              "ApproximateCreationDateTime": second, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if old is not None:
        stream["OldImage"] = old
    if new is not None:
        stream["NewImage"] = new
    return {"eventID": str(n), "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": REGION, "eventSourceARN": arn, "dynamodb": stream}


def records(count: int, seed: int) -> list[dict[str, Any]]:
    """Mixed changes over a key space: ~60 % INSERT, 30 % MODIFY, 10 % REMOVE, with old and new images."""
    rng = random.Random(seed)
    out, live = [], {}
    for n in range(count):
        roll = rng.random()
        if live and roll < 0.1:
            key = rng.choice(list(live))
            out.append(event_record("REMOVE", key, n, 1_700_000_000 + n // 50, live.pop(key), None))
        elif live and roll < 0.4:
            key = rng.choice(list(live))
            live[key], old = item(rng, key), live[key]
            out.append(event_record("MODIFY", key, n, 1_700_000_000 + n // 50, old, live[key]))
        else:
            key = f"p-{seed}-{n}"
            live[key] = item(rng, key)
            out.append(event_record("INSERT", key, n, 1_700_000_000 + n // 50, None, live[key]))
    return out


def batches(data: list[dict], size: int) -> list[list[dict]]:
    return [data[i:i + size] for i in range(0, len(data), size)]


# --- contenders -----------------------------------------------------------------------------------------

def syncer(url: str, index: str, transport: Any = None, **env: str) -> Syncer:
    return Syncer(load({"OPENSEARCH_ENDPOINT": url, "OPENSEARCH_INDEX": index, "OPENSEARCH_AUTH": "none",
                        "METRICS_NAMESPACE": "", **env}), transport=transport)


class Recorder:
    """A transport that answers every _bulk with success at once and keeps each request: the handler's own
    work (CPU per record), and the exact requests it sends (the limit)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []

    def request(self, method: str, path: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
        self.requests.append((path, body))
        items = b",".join([b'{"index":{"status":201}}'] * body.count(b'"version_type"'))
        return 200, b'{"errors":false,"items":[' + items + b"]}"


def run_handler(sync: Syncer, data: list[list[dict]]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        for batch in data:
            assert sync.handle({"Records": batch}) == {"batchItemFailures": []}


def handler_requests(url: str, index: str, data: list[list[dict]]) -> list[tuple[str, bytes]]:
    recorder = Recorder()
    run_handler(syncer(url, index, transport=recorder), data)
    return recorder.requests


def post_all(transport: Transport, requests: list[tuple[str, bytes]]) -> None:
    for path, body in requests:
        status, data = transport.request("POST", path, body, {"Content-Type": "application/x-ndjson"}, 60)
        assert status == 200 and b'"errors":false' in data[:40], data[:300]


def opensearch_py_client(url: str) -> Any:
    """opensearch-py's client with its serializer taught sets (TypeDeserializer gives SS/NS as sets)."""
    from opensearchpy import JSONSerializer, OpenSearch

    class Serializer(JSONSerializer):
        def default(self, data: Any) -> Any:
            return sorted(data) if isinstance(data, set) else super().default(data)

    return OpenSearch(hosts=[url], serializer=Serializer())


def typical_opensearch_py_handler(client: Any, index: str) -> Callable[[list[dict]], None]:
    """The handler most tutorials show: boto3's TypeDeserializer, one helpers.bulk per batch."""
    from boto3.dynamodb.types import TypeDeserializer
    from opensearchpy import helpers

    deserializer = TypeDeserializer()

    def handle(batch: list[dict]) -> None:
        actions = []
        for record in batch:
            stream = record["dynamodb"]
            doc_id = stream["Keys"]["pk"]["S"]
            if record["eventName"] == "REMOVE":
                actions.append({"_op_type": "delete", "_index": index, "_id": doc_id})
            else:
                source = {k: deserializer.deserialize(v) for k, v in stream["NewImage"].items()}
                actions.append({"_op_type": "index", "_index": index, "_id": doc_id, "_source": source})
        helpers.bulk(client, actions, raise_on_error=False)

    return handle


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


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


PROC_STAT = Path("/proc/stat")  # Linux: without it the machine-wide figures are left out


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has spent so far (all but idle and iowait)."""
    fields = [int(n) for n in PROC_STAT.read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(cores: float = 0.2, timeout_s: float = 60.0) -> None:
    """Until the machine's other work keeps fewer than `cores` busy over a second (or the timeout)."""
    deadline = time.monotonic() + timeout_s
    while PROC_STAT.exists() and time.monotonic() < deadline:
        busy = machine_busy_s()
        time.sleep(1.0)
        if machine_busy_s() - busy < cores:
            return


# --- figures --------------------------------------------------------------------------------------------

def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def warm_up(url: str) -> None:
    """Bring the node to steady state (JIT-compiled, mappings made) on every request shape before timing:
    a freshly started node is up to twice as slow for its first few thousand documents."""
    data = batches(records(6000, seed=1), 100)
    run_handler(syncer(url, f"bench-warm-{uuid.uuid4().hex[:8]}"), data)
    client = opensearch_py_client(url)
    typical = typical_opensearch_py_handler(client, f"bench-warm-py-{uuid.uuid4().hex[:8]}")
    for batch in data[:20]:
        typical(batch)
    one_request_per_record(urllib3.PoolManager(), url, f"bench-warm-guide-{uuid.uuid4().hex[:8]}", records(300, seed=2))


# The handler's own CPU can only hide behind the node's time if a core is free meanwhile: on these 2 cores the node
# keeps ~1.9 busy while it indexes one `_bulk` (measured), so here the handler's time adds to the node's.
NODE_CORES = "limit: cores the other processes kept busy (the node, when local)"


def throughput(url: str, batch_size: int) -> dict[str, list[float]]:
    """Records/s per round for each contender, and the handler's time over the limit's, per round. The contenders
    take turns batch by batch (in a shuffled order each time), so a burst of load from elsewhere on the machine
    lands on all of them rather than on whichever ran during it."""
    client, pool, transport = opensearch_py_client(url), urllib3.PoolManager(), Transport(load(
        {"OPENSEARCH_ENDPOINT": url, "OPENSEARCH_INDEX": "x", "OPENSEARCH_AUTH": "none"}))
    tag = uuid.uuid4().hex[:8]
    ours, limit_index = syncer(url, f"bench-{tag}"), f"bench-limit-{tag}"
    typical = typical_opensearch_py_handler(client, f"bench-py-{tag}")
    rates: dict[str, list[float]] = {"handler": [], "limit": [], "opensearch-py helpers.bulk": [],
                                     "one request per record": [], "handler / limit (time)": []}
    if PROC_STAT.exists():
        rates[NODE_CORES] = []
    per_round = max(1000, 2 * batch_size)
    for r in range(ROUNDS):
        data = batches(records(per_round, seed=batch_size * 100 + r), batch_size)
        seconds = {"handler": 0.0, "limit": 0.0, "opensearch-py helpers.bulk": 0.0}
        others = 0.0  # CPU seconds of the other processes (the node, when it runs here) while the limit ran
        for n, batch in enumerate(data):
            requests = handler_requests(url, limit_index, [batch])  # serialized before the clock starts
            order = [("handler", lambda: run_handler(ours, [batch])), ("limit", lambda: post_all(transport, requests)),
                     ("opensearch-py helpers.bulk", lambda: typical(batch))]
            random.Random(r * 1000 + n).shuffle(order)
            for name, action in order:
                outside = machine_busy_s() - time.process_time() if name == "limit" and NODE_CORES in rates else None
                seconds[name] += timed(action)
                if outside is not None:
                    others += machine_busy_s() - time.process_time() - outside
        for name, took in seconds.items():
            rates[name].append(per_round / took)
        rates["handler / limit (time)"].append(seconds["handler"] / seconds["limit"])
        if NODE_CORES in rates:
            rates[NODE_CORES].append(others / seconds["limit"])
        sample = data[0][:200]  # the slow path needs fewer records for a stable rate
        rates["one request per record"].append(len(sample) / timed(
            lambda: one_request_per_record(pool, url, f"bench-guide-{tag}", sample)))
    return rates


def hot_keys(url: str, keys: int = 1000, batch_size: int = 100) -> tuple[dict[str, list[float]], str]:
    """Every key changed twice; the second changes in later batches, in the same second (conflicts) or the next."""
    import boto3

    from ddb_opensearch_sync import aws

    # moto in a process of its own, as DynamoDB is remote: in this process it would take the GIL from the handler.
    server = subprocess.Popen([sys.executable, "-m", "local_stack.moto_server"], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")})
    moto_url = server.stdout.readline().strip() if server.stdout else ""
    try:
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION,
                          AWS_ENDPOINT_URL=moto_url)
        aws._clients.clear()
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_url)
        calls: dict[str, int] = {}
        aws.client("dynamodb", REGION).meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.__setitem__(model.name, calls.get(model.name, 0) + 1))
        rates: dict[str, list[float]] = {"conflict-free": [], "same-second conflicts": [], "conflicts / conflict-free (time)": [],
                                         "conflicts without the read time / conflict-free (time)": [],
                                         "DynamoDB (moto) read time, s per round": []}
        reads: list[str] = []
        for r in range(-1, ROUNDS):  # round -1 warms the node, the handler and moto up; it is not counted
            cases = {case: hot_case(dynamodb, url, r, keys, later=1 if case == "conflict-free" else 0)
                     for case in ("conflict-free", "same-second conflicts")}
            seconds = dict.fromkeys(cases, 0.0)
            calls.clear()
            # The cases take turns batch by batch (in a shuffled order each time), as the throughput contenders do.
            for n, pair in enumerate(zip(*(batches(data, batch_size) for _, data, _ in cases.values()))):
                order = list(zip(cases, pair))
                random.Random(r * 1000 + n).shuffle(order)
                for case, batch in order:
                    seconds[case] += timed(lambda: run_handler(cases[case][0], [batch]))
            if r < 0:
                continue
            reading = cases["same-second conflicts"][2][0]
            for case, took in seconds.items():
                rates[case].append(2 * keys / took)
            rates["DynamoDB (moto) read time, s per round"].append(reading)
            rates["conflicts / conflict-free (time)"].append(seconds["same-second conflicts"] / seconds["conflict-free"])
            rates["conflicts without the read time / conflict-free (time)"].append(
                (seconds["same-second conflicts"] - reading) / seconds["conflict-free"])
            reads.append(", ".join(f"{n} {name}" for name, n in sorted(calls.items())))
        return rates, f"{keys} conflicts in {keys // batch_size} batches: DynamoDB calls per round: {'; '.join(sorted(set(reads)))}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def hot_case(dynamodb: Any, url: str, seed: int, keys: int, later: int) -> tuple[Syncer, list[dict], list[float]]:
    """A table holding every key's second state, the stream records of both changes (the second ones `later`
    seconds after the first), and a syncer into a new index whose reads of the table are timed (seconds in [0])."""
    table = f"hot-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",  # with a stream, as a synced table has
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = f"arn:aws:dynamodb:{REGION}:123456789012:table/{table}/stream/2024-01-01T00:00:00.000"
    rng = random.Random(seed)
    first = {f"h{n}": item(rng, f"h{n}") for n in range(keys)}
    second = {k: item(rng, k) for k in first}
    for k, image in second.items():  # the table holds the latest state
        dynamodb.put_item(TableName=table, Item=image)
    data = [event_record("INSERT", k, n, 1_700_000_000, None, v, arn) for n, (k, v) in enumerate(first.items())]
    data += [event_record("MODIFY", k, keys + n, 1_700_000_000 + later, first[k], v, arn)
             for n, (k, v) in enumerate(second.items())]
    sync = syncer(url, f"bench-hot-{uuid.uuid4().hex[:8]}")
    reading = [0.0]
    read = sync.fetch_many

    def timed_read(arn: str, keys_list: list) -> list:
        started = time.perf_counter()
        try:
            return read(arn, keys_list)
        finally:
            reading[0] += time.perf_counter() - started

    sync.fetch_many = timed_read
    return sync, data, reading


def cpu_per_record(batch_size: int = 100, rounds: int = 20) -> list[float]:
    sync = syncer("http://127.0.0.1:9", "bench", transport=Recorder())
    data = [records(batch_size, seed=100 + r) for r in range(rounds)]
    run_handler(sync, data[:1])
    samples = []
    for batch in data:
        started = time.process_time()
        run_handler(sync, [batch])
        samples.append((time.process_time() - started) / batch_size * 1e6)
    return samples


COLD_HANDLER = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import json
import ddb_opensearch_sync.handler as h
event = {"Records": [json.loads(sys.argv[2])]}
result = h.lambda_handler(event, None)
assert result == {"batchItemFailures": []}, result  # the handler's log line above says why
print((time.perf_counter() - started) * 1000)
"""
COLD_PEER = """
import sys, time
started = time.perf_counter()
import boto3
from boto3.dynamodb.types import TypeDeserializer
from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection, helpers
import json
record = json.loads(sys.argv[3])
for name, typed in list(record["dynamodb"]["NewImage"].items()):  # the peer's serializer knows no sets
    if set(typed) & {"SS", "NS", "BS"}:
        del record["dynamodb"]["NewImage"][name]
auth = AWSV4SignerAuth(boto3.Session().get_credentials(), "us-east-1", "es") if sys.argv[2] == "iam" else None
client = OpenSearch(hosts=[sys.argv[1]], http_auth=auth, connection_class=RequestsHttpConnection)
source = {k: TypeDeserializer().deserialize(v) for k, v in record["dynamodb"]["NewImage"].items()}
helpers.bulk(client, [{"_index": "bench-cold-py", "_id": "p-1", "_source": source}])
print((time.perf_counter() - started) * 1000)
"""


PEER = "opensearch-py peer"


def cold_starts(url: str, zips: dict[str, tuple[Path, str]], runs: int = 7) -> dict[tuple[str, str], list[float]]:
    """ms from a fresh interpreter to the first result (import, settings, first _bulk answered), per (package or
    the opensearch-py peer, auth). The variants take turns run by run, in a shuffled order, so load from elsewhere
    (the node still merging what the sections before wrote) lands on all of them alike. -B keeps the sources-only
    package from caching bytecode between runs (Lambda's /var/task is read-only)."""
    env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": url, "OPENSEARCH_INDEX": "bench-cold",
           "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
           "AWS_SESSION_TOKEN": "token", "METRICS_NAMESPACE": ""}
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        homes = {}
        for n, (name, (package, _)) in enumerate(zips.items()):
            homes[name] = Path(scratch) / str(n)
            with zipfile.ZipFile(package) as archive:
                archive.extractall(homes[name])
        variants = [(name, auth) for auth in ("none", "iam") for name in [*zips, PEER]]
        for run in range(runs + 1):  # the first run creates the indices: not timed
            random.Random(run).shuffle(variants)
            for name, auth in variants:
                record = json.dumps(records(1, seed=random.randrange(10**9))[0])
                if name == PEER:  # the peer runs from the dev virtualenv, where opensearch-py and boto3 are installed
                    command = [sys.executable, "-B", "-c", COLD_PEER, url, auth, record]
                else:
                    command = [zips[name][1], "-I", "-B", "-c", COLD_HANDLER, str(homes[name]), record]
                done = subprocess.run(command, env={**env, "OPENSEARCH_AUTH": auth}, capture_output=True, text=True)
                if done.returncode:
                    raise RuntimeError(f"cold start run {run} of {name}, auth={auth} failed:\n{done.stdout[-3000:]}\n"
                                       f"{done.stderr[-2000:]}")
                if run:
                    samples.setdefault((name, auth), []).append(float(done.stdout.splitlines()[-1]))
    return samples


@contextlib.contextmanager
def node() -> Iterator[str]:
    if os.environ.get("OPENSEARCH_URL"):
        yield os.environ["OPENSEARCH_URL"].rstrip("/")
        return
    from local_stack.opensearch_node import opensearch_node

    with opensearch_node(production_jit=True) as url:  # the node's own speed, as a production node has it
        yield url


def packages(scratch: Path) -> dict[str, tuple[Path, str]]:
    """name → (zip, interpreter that runs it): the default package (compiled for the target runtime, run by that
    version when one is found) and one built for this interpreter, for the cold-start and size figures."""
    from package_lambda import build, find_python

    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    default = ROOT / "dist" / "lambda.zip"
    if not default.exists():
        build(default)
    target = find_python("3.12")
    with contextlib.redirect_stderr(io.StringIO()):
        return {f"default (dist/lambda.zip) on python {'3.12' if target else running}": (default, target[0] if target else sys.executable),
                f"python {running}, .pyc": (build(scratch / "pyc.zip", running), sys.executable)}


def optional_sections() -> list[tuple[str, dict[str, Any] | str]]:
    """tests/bench/e2e.py and tests/bench/ops.py, when present: each `run() -> dict` of printable figures."""
    out: list[tuple[str, dict[str, Any] | str]] = []
    for name, title in (("e2e", "embedded stack end to end"), ("ops", "backfill / verify rates")):
        if not (Path(__file__).resolve().parent / f"{name}.py").exists():
            out.append((title, f"skipped: tests/bench/{name}.py is not there"))
            continue
        out.append((title, importlib.import_module(name).run()))
    return out


def progress(what: str) -> None:
    print(f"bench: {what}", file=sys.stderr, flush=True)


SECTIONS = ("throughput", "hot", "cold", "cpu", "sizes", "optional")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="make bench: the handler side by side with its peers and the limit")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--batches", default="100,1000", help="batch sizes for the throughput section (default: 100,1000)")
    args = parser.parse_args(argv)
    args.only = set(filter(None, args.only.split(",")))
    unknown = args.only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; allowed: {', '.join(SECTIONS)}")
    args.batches = [int(b) for b in args.batches.split(",") if b]
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        zips = packages(Path(scratch)) if args.only & {"cold", "sizes"} else {}

        with (node() if args.only & {"throughput", "hot", "cold"} else contextlib.nullcontext("")) as url:
            if "throughput" in args.only:
                progress("warming the node up")
                warm_up(url)
            for size in args.batches if "throughput" in args.only else []:
                progress(f"throughput at batch {size}")
                rates = throughput(url, size)
                for name, values in rates.items():
                    ratio = "time" in name
                    rows.append((f"batch {size}: {name}", spread(values, "{:.2f}" if name == NODE_CORES else
                                                                 "{:.2f}x" if ratio else "{:,.0f}"),
                                 "<= 1.25x" if name == "handler / limit (time)" else
                                 f"of {os.cpu_count()}" if name == NODE_CORES else ("" if ratio else "records/s")))
            if "hot" in args.only:
                progress("hot keys")
                hot, reads = hot_keys(url)
                for name, values in hot.items():
                    ratio, read = "(time)" in name, "per round" in name
                    rows.append((f"hot keys: {name}", spread(values, "{:.2f}x" if ratio else "{:.2f}" if read else "{:,.0f}"),
                                 "<= 1.3x" if name.startswith("conflicts") else "" if ratio or read else "records/s"))
                rows.append(("hot keys: reads", reads, ""))
            if "cold" in args.only:
                progress("cold starts")
                wait_until_quiet()
                starts = cold_starts(url, zips)
                for auth, target in (("none", "<= 90 ms"), ("iam", "<= 110 ms")):
                    for name in [*zips, PEER]:
                        rows.append((f"cold start to first result, {name}, auth={auth}",
                                     spread(starts[name, auth], "{:.0f} ms"), "" if name == PEER else target))
        if "cpu" in args.only:
            for size in (100, 1000):
                rows.append((f"handler CPU per record at batch {size} (OpenSearch excluded)",
                             spread(cpu_per_record(size, rounds=max(2, 2000 // size)), "{:.1f} us"), ""))
        for name, (path, _) in zips.items() if "sizes" in args.only else []:
            rows.append((f"zip size, {name}", f"{path.stat().st_size / 1024:.0f} KiB", "<= 2048 KiB"))
    print(f"{'metric':78} {'median [min-max]':>32}  target")
    for name, value, target in rows:
        print(f"{name:78} {value:>32}  {target}")
    for title, figures in optional_sections() if "optional" in args.only else []:
        print(f"\n{title}:")
        for name, value in flat(figures) if isinstance(figures, dict) else [("", figures)]:
            print(f"  {name:72} {value}" if name else f"  {value}")
    return 0


def flat(figures: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested figures as (dotted name, value) rows: e.g. variants.patched.batch_100_window_0s.records_per_s."""
    for name, value in figures.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


if __name__ == "__main__":
    sys.exit(main())
