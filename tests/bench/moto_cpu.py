"""moto's CPU per item, with and without the speed patches of scripts/local_stack (not a test).

Two moto servers in child processes, patched as the stack patches them; the "moto" one then has the speed patches
undone (moto_server.SPEED_PATCHES; the fidelity patches stay). Against each, in
turn: N BatchWriteItems of 25 ~1 KB items (tests/bench/run.py's `item`) to a table with a NEW_AND_OLD_IMAGES stream;
GetRecords (Limit 1000) of the whole stream; BatchGetItem of 100 keys until every item is read; a full Scan; then the
same N items written again with one attribute changed (MODIFY records, with old and new images).
Each phase's CPU is the child's user+system time from /proc, per item; ratios are moto / patched, same run.

    PYTHONPATH=lambda:scripts python tests/bench/moto_cpu.py [--items 5000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parents[1]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT / "scripts"), str(BENCH)]

from run import item  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
VARIANTS = ("moto", "patched")


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def serve(variant: str) -> None:
    """Child: a moto server in this process until stdin closes; prints its URL."""
    from local_stack.moto_server import SPEED_PATCHES, start_moto

    server, url = start_moto()
    if variant == "moto":
        for module in SPEED_PATCHES:
            module.unpatch()
    print(url, flush=True)
    sys.stdin.read()
    server.stop()


class Child:
    def __init__(self, variant: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda"), str(ROOT / "scripts")])}
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", variant], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env)
        url = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        if not url:
            raise RuntimeError(f"the {variant} moto did not start (exit {self.process.wait()})")
        config = Config(retries={"max_attempts": 1}, read_timeout=600)
        self.client = lambda name: boto3.client(name, endpoint_url=url, region_name="us-east-1", config=config,
                                                aws_access_key_id="test", aws_secret_access_key="test")

    def measure(self, action: Callable[[], Any]) -> tuple[float, float]:
        """(CPU seconds of the child, wall seconds) spent while `action` runs."""
        cpu, wall = process_cpu_s(self.process.pid), time.perf_counter()
        action()
        return process_cpu_s(self.process.pid) - cpu, time.perf_counter() - wall

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=60)


def phases(child: Child, items: list[dict[str, Any]], table: str) -> dict[str, tuple[float, float]]:
    db, streams = child.client("dynamodb"), child.client("dynamodbstreams")
    arn = db.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST",
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                          )["TableDescription"]["LatestStreamArn"]

    def write(changed: bool = False) -> None:
        for start in range(0, len(items), 25):
            batch = [{**i, "version": {"N": "2"}} if changed else i for i in items[start:start + 25]]
            db.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": i}} for i in batch]})

    def read_stream() -> None:
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        seen = 0
        while seen < len(items):
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            seen, iterator = seen + len(page["Records"]), page["NextShardIterator"]

    def batch_get() -> None:
        for start in range(0, len(items), 100):
            keys = [{"pk": i["pk"]} for i in items[start:start + 100]]
            got = db.batch_get_item(RequestItems={table: {"Keys": keys}})
            assert len(got["Responses"][table]) == len(keys) and not got["UnprocessedKeys"]

    def scan() -> None:
        count = sum(page["Count"] for page in db.get_paginator("scan").paginate(TableName=table))
        assert count == len(items), count

    return {name: child.measure(action) for name, action in
            (("BatchWriteItem", write), ("GetRecords", read_stream), ("BatchGetItem", batch_get), ("Scan", scan),
             ("rewrite (MODIFY)", lambda: write(changed=True)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per variant (min CPU is kept)")
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    rng = random.Random(1)
    items = [item(rng, f"p{n:07d}") for n in range(args.items)]
    size = sum(len(json.dumps(i)) for i in items) / len(items)
    best: dict[str, dict[str, tuple[float, float]]] = {v: {} for v in VARIANTS}
    for round_ in range(args.rounds):
        for variant in VARIANTS:
            child = Child(variant)
            try:
                for phase, (cpu, wall) in phases(child, items, f"t{round_}").items():
                    if phase not in best[variant] or cpu < best[variant][phase][0]:
                        best[variant][phase] = (cpu, wall)
            finally:
                child.close()
    print(f"{args.items} items of ~{size:.0f} B (DynamoDB JSON), best of {args.rounds} rounds; "
          "moto's CPU per item (ms) and wall time (s):")
    print(f"{'phase':<17}{'moto':>16}{'patched':>16}{'CPU ratio':>11}")
    for phase in best["moto"]:
        (slow, slow_wall), (fast, fast_wall) = best["moto"][phase], best["patched"][phase]
        per = lambda cpu: 1000 * cpu / args.items  # noqa: E731
        print(f"{phase:<17}{per(slow):>8.3f} {slow_wall:>6.1f}s{per(fast):>8.3f} {fast_wall:>6.1f}s"
              f"{slow / fast if fast else float('inf'):>10.1f}x")


if __name__ == "__main__":
    main()
