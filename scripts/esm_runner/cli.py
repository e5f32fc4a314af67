"""Command line: ``python -m esm_runner --endpoint-url URL --region REGION --package PATH.zip --state-dir DIR``."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from collections.abc import Sequence

from esm_runner.retry import MAX_RETRY_DELAY
from esm_runner.runner import INVOKERS, Runner

DESCRIPTION = """\
Local event source mapping runner: plays the AWS Lambda service's part for every enabled DynamoDB-stream event
source mapping found through the Lambda API at --endpoint-url. It reads each mapping's settings (batch size,
batching window, starting position, filters, ReportBatchItemFailures, bisect, retries, record age, on-failure
destination, parallelization factor, tumbling window, MetricsConfig), polls the stream, and invokes the function.
Settings are re-read while it runs: updated, added, disabled and deleted mappings are picked up.
It runs until SIGTERM or SIGINT and logs one JSON object per line to stderr (metrics included)."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m esm_runner", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint-url", default=None,
                   help="AWS endpoint for the Lambda, DynamoDB Streams, SQS, SNS and S3 APIs, e.g. a moto server "
                        "(http://127.0.0.1:5000) or LocalStack; omit to use AWS itself.")
    p.add_argument("--region", required=True, help="AWS region of the mappings, e.g. us-east-1.")
    p.add_argument("--package", action="append", default=[], metavar="PATH.zip",
                   help="A deployment zip the zip invoker may run; repeatable. The function's CodeSha256 selects "
                        "the matching zip when the endpoint does not serve Code.Location (moto).")
    p.add_argument("--state-dir", required=True,
                   help="Directory for durable checkpoints (one JSON file per mapping) and the extracted code "
                        "cache; reuse it to resume after a restart without skipping records.")
    p.add_argument("--invoker", choices=INVOKERS, default="zip",
                   help="zip (default): run the deployed zip's handler in a local Python process with the "
                        "function's environment and timeout. lambda-api: call the Lambda Invoke API, for "
                        "functions that LocalStack or AWS run themselves.")
    p.add_argument("--function", action="append", default=[], metavar="NAME_OR_ARN",
                   help="Serve only the mappings of this function; repeatable. Default: every DynamoDB-stream "
                        "mapping in the region.")
    p.add_argument("--poll-interval", type=float, default=0.25, metavar="SECONDS",
                   help="Wait between GetRecords calls on an idle shard (default 0.25: Lambda polls 4 times a "
                        "second).")
    p.add_argument("--refresh-interval", type=float, default=2.0, metavar="SECONDS",
                   help="How often the mappings and the stream's shards are re-read (default 2).")
    p.add_argument("--retry-delay", type=float, default=1.0, metavar="SECONDS",
                   help="First back-off before retrying a failed batch; doubles per retry (default 1).")
    p.add_argument("--max-retry-delay", type=float, default=MAX_RETRY_DELAY, metavar="SECONDS",
                   help=f"Upper bound of the retry back-off (default {MAX_RETRY_DELAY:g}): a shard blocked by an "
                        "outage recovers within this long of the endpoint coming back.")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The buffered records are long-lived containers that the default thresholds (700, 10, 10) make the collector
    # walk again and again while the next GetRecords is decoded: a 1,000-record decode took 100 ms with them and
    # 36 ms with these, next to a buffer of 5,000 records. Unreachable cycles are still freed, later.
    gc.set_threshold(10_000, 10, 1_000)
    for name in ("poll_interval", "refresh_interval", "retry_delay", "max_retry_delay"):
        if getattr(args, name) <= 0:
            parser().error(f"--{name.replace('_', '-')} must be a positive number of seconds")
    runner = Runner(endpoint_url=args.endpoint_url, region=args.region, packages=args.package,
                    state_dir=args.state_dir, invoker=args.invoker, poll_interval=args.poll_interval,
                    refresh_interval=args.refresh_interval, retry_delay=args.retry_delay,
                    max_retry_delay=args.max_retry_delay, functions=args.function)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        runner.start()
    except (FileNotFoundError, ValueError) as exc:
        print(f"esm_runner: {exc}", file=sys.stderr)
        return 2
    while not stopping.wait(0.5):  # a timed wait lets the main thread run the signal handlers
        pass
    runner.stop()
    return 0
