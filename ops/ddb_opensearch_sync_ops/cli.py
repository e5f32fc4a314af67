"""`ddb-opensearch-sync`: command line. Exit status: 0 done/equal, 1 differences or failures left, 2 bad input or a
precondition that does not hold (nothing written), 130 interrupted (run the same command again to resume)."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from . import backfill as backfill_mod, index_setup, redrive as redrive_mod, reindex as reindex_mod, repair as repair_mod
from . import verify as verify_mod
from .context import Context
from .errors import OpsError
from .preconditions import DEFAULT_MIN_GC_DELETES
from .progress import report
from .settings import resolve

EXIT_CODES = ("exit status: 0 done (verify: equal), 1 differences or failures left, 2 bad input or a precondition "
              "that does not hold (nothing written), 130 interrupted (run the same command again to resume)")


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (default: the handler's environment variables)")
    group.add_argument("--from-terraform", metavar="DIR", help="read table and function settings from `terraform output -json` in DIR")
    group.add_argument("--function", help="read the handler's settings from this deployed function's environment")
    group.add_argument("--table", help="DynamoDB table (DYNAMODB_TABLE)")
    group.add_argument("--endpoint", help="OpenSearch endpoint URL (OPENSEARCH_ENDPOINT)")
    group.add_argument("--index", help="index, write alias or index template (OPENSEARCH_INDEX)")
    group.add_argument("--auth", choices=("iam", "aoss", "none"), help="request signing (OPENSEARCH_AUTH)")
    group.add_argument("--opensearch-region", help="SigV4 region (OPENSEARCH_REGION)")
    group.add_argument("--region", help="AWS region of the table (AWS_REGION / AWS_DEFAULT_REGION)")
    group.add_argument("--include-fields", help="INCLUDE_FIELDS, comma-separated")
    group.add_argument("--exclude-fields", help="EXCLUDE_FIELDS, comma-separated")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--progress-interval", type=float, default=10.0, metavar="SECONDS",
                        help="seconds between progress lines when stderr is not a terminal (default 10)")


def _writes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--min-gc-deletes", default=DEFAULT_MIN_GC_DELETES, metavar="TIME",
                        help=f"refuse to write unless index.gc_deletes is at least this (default {DEFAULT_MIN_GC_DELETES})")


def _scan(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--segments", type=int, default=8, help="parallel Scan segments (default 8)")
    parser.add_argument("--workers", type=int, default=8, help="threads (default 8)")
    parser.add_argument("--read-units", type=float, metavar="RCU_PER_S",
                        help="read capacity units per second the scan may use (default: unlimited)")


def _verify_options(args: argparse.Namespace) -> verify_mod.Options:
    if args.sample is not None and not 0 < args.sample <= 1:
        raise OpsError(f"--sample {args.sample}: use a fraction above 0 and at most 1, e.g. 0.01")
    return verify_mod.Options(segments=args.segments, workers=args.workers, read_units=args.read_units,
                              sample=args.sample, seed=args.seed, shown=args.show)


def _backfill_options(args: argparse.Namespace, ctx: Context) -> backfill_mod.Options:
    if not 1 <= args.segments <= 1_000_000:
        raise OpsError(f"--segments {args.segments}: use 1 to 1000000")
    checkpoint = Path(args.checkpoint) if args.checkpoint else backfill_mod.default_checkpoint(
        ctx.settings.table, ctx.settings.handler.index)
    return backfill_mod.Options(checkpoint=checkpoint, segments=args.segments, workers=args.workers,
                                read_units=args.read_units, page_limit=args.page_limit, restart=args.restart,
                                min_gc_deletes=args.min_gc_deletes)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ddb-opensearch-sync", description="Operate the DynamoDB to OpenSearch sync: "
                                  "set up the index, backfill, verify, repair, redrive, reindex.", epilog=EXIT_CODES)
    commands = top.add_subparsers(dest="command", required=True)

    setup = commands.add_parser("setup-index", help="create the versioned index behind its aliases (idempotent)")
    _common(setup)
    setup.add_argument("--mappings", metavar="FILE", help="JSON mappings ({\"properties\": ...})")
    setup.add_argument("--read-alias", help="alias for searches (default: <index>-read)")
    setup.add_argument("--gc-deletes", default=DEFAULT_MIN_GC_DELETES, help=f"index.gc_deletes (default {DEFAULT_MIN_GC_DELETES})")
    setup.add_argument("--shards", type=int, help="index.number_of_shards of a new index")
    setup.add_argument("--replicas", type=int, help="index.number_of_replicas of a new index")

    fill = commands.add_parser("backfill", help="copy every existing item into the index while the stream is live")
    _common(fill), _writes(fill), _scan(fill)
    fill.add_argument("--checkpoint", metavar="FILE", help="resume file (default .ddb-opensearch-sync/backfill-<table>-<index>.json)")
    fill.add_argument("--restart", action="store_true", help="ignore an existing checkpoint and start over")
    fill.add_argument("--page-limit", type=int, help="items per Scan page (default: 1 MB pages)")

    for name, text in (("verify", "compare table and index item by item; exit 0 only when equal"),
                       ("repair", "write the table's current state for every difference verify finds")):
        command = commands.add_parser(name, help=text)
        _common(command), _scan(command)
        command.add_argument("--sample", type=float, metavar="FRACTION", help="check only this random fraction")
        command.add_argument("--seed", type=int, help="seed of the sample (printed in the summary)")
        command.add_argument("--show", type=int, default=10, help="examples listed per kind (default 10)")
        if name == "repair":
            _writes(command)

    drive = commands.add_parser("redrive", help="re-sync the items behind on-failure destination messages, then delete them")
    _common(drive), _writes(drive)
    drive.add_argument("--destination", metavar="ARN", help="SQS queue or S3 bucket ARN (default: the on-failure "
                       "destinations of the stream's mappings and FAILURE_DESTINATION_ARN)")
    drive.add_argument("--visibility-timeout", type=int, default=300, help="seconds a kept SQS message stays hidden")

    rebuild = commands.add_parser("reindex", help="rebuild into a new versioned index, then swap the read alias")
    _common(rebuild), _writes(rebuild), _scan(rebuild)
    rebuild.add_argument("--mappings", metavar="FILE", help="JSON mappings of the new index")
    rebuild.add_argument("--read-alias", help="alias for searches (default: <index>-read)")
    rebuild.add_argument("--checkpoint", metavar="FILE", help="directory of this file holds the backfill checkpoint")
    rebuild.add_argument("--page-limit", type=int, help=argparse.SUPPRESS)
    rebuild.set_defaults(restart=False, sample=None, seed=None, show=10)
    return top


def _run(args: argparse.Namespace, ctx: Context) -> tuple[dict[str, Any], int]:
    index = ctx.settings.handler.index
    if args.command == "setup-index":
        extra = {k: v for k, v in (("number_of_shards", args.shards), ("number_of_replicas", args.replicas)) if v is not None}
        summary = index_setup.setup_index(ctx.opensearch, index, args.read_alias or f"{index}-read",
                                          index_setup.read_mappings(args.mappings), args.gc_deletes, extra)
        return {"command": "setup-index", **summary}, 0
    if args.command == "backfill":
        return backfill_mod.backfill(ctx, _backfill_options(args, ctx))
    if args.command == "verify":
        return verify_mod.verify(ctx, _verify_options(args))
    if args.command == "repair":
        return repair_mod.repair(ctx, _verify_options(args), args.min_gc_deletes)
    if args.command == "redrive":
        return redrive_mod.redrive(ctx, args.destination, args.min_gc_deletes, visibility=args.visibility_timeout)
    return reindex_mod.reindex(ctx, args.read_alias or f"{index}-read", index_setup.read_mappings(args.mappings),
                               args.min_gc_deletes, {}, _backfill_options(args, ctx), _verify_options(args))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops like Ctrl-C: workers finish their page, the checkpoint stays exact


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        settings = resolve(vars(args), terraform_dir=args.from_terraform)
        ctx = Context(settings, progress_interval=args.progress_interval)
        summary, status = _run(args, ctx)
    except OpsError as exc:
        if args.json:
            print(json.dumps({"command": args.command, "error": str(exc)}))
        print(f"ddb-opensearch-sync {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ddb-opensearch-sync {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    report(summary, args.json)
    return status
