"""Mutation check of the Terraform tests: does each behaviour of the module have a test that turns red when it breaks?

    python scripts/mutate_module.py [--jobs 2] [--only ID ...] [--source DIR] [--tests FILE ...]

Each mutation below is one small edit of the module (bisect off, retries infinite, a threshold ignored...). The
script copies the module to a scratch directory, applies one edit at a time, runs only the .tftest.hcl files that
cover it (`terraform test -filter=...`) and reports which mutations survive (all tests still green). Exit 1 if any
survives, if the unmutated tests fail, if an edit no longer matches the code (the list must follow the code), or if
an edit breaks the configuration instead of a behaviour (no run failed: it proves nothing).

--source DIR checks another checkout; --tests FILE... runs those test files for every mutation instead (to measure
an older suite; then edits that do not match DIR's code are reported as n/a rather than failing the run).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `terraform init -test-directory=tests/terraform` needs: the module, the examples and fixtures the tests
# plan, and the package build's sources (hashed at plan time).
COPIED = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "modules", "examples", "tests/terraform", "lambda",
          "scripts/package_lambda.py")

RUN_FAILED = re.compile(r'^\s*run "[^"]+"\.\.\. fail', re.M)

ESM = "plan_event_source_mapping.tftest.hcl"
FUNCTION = "plan_function.tftest.hcl"
ALARMS = "plan_alarms.tftest.hcl"
TABLE = "plan_table.tftest.hcl"
QUEUE = "plan_failure_queue.tftest.hcl"
ROLE = "plan_execution_role.tftest.hcl"
ROOT_TESTS = "plan_root.tftest.hcl"
SHARED = "shared_failure_queue.tftest.hcl"


@dataclass(frozen=True)
class Mutation:
    id: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    nth: int = 0  # which occurrence of `old` to edit (1-based); 0: `old` must be unique


MUTATIONS = (
    # The mapping's failure handling and batching (modules/event-source-mapping).
    Mutation("bisect-off", "bisect_batch_on_function_error ignored (false)", "modules/event-source-mapping/main.tf",
             "bisect_batch_on_function_error     = var.bisect_batch_on_function_error",
             "bisect_batch_on_function_error     = false", (ESM,)),
    Mutation("rbif-removed", "ReportBatchItemFailures removed", "modules/event-source-mapping/main.tf",
             'var.report_batch_item_failures ? ["ReportBatchItemFailures"] : []', "[]", (ESM,)),
    Mutation("retries-infinite", "maximum_retry_attempts ignored (-1)", "modules/event-source-mapping/main.tf",
             "maximum_retry_attempts             = var.maximum_retry_attempts",
             "maximum_retry_attempts             = -1", (ESM,)),
    Mutation("starting-latest", "starting_position ignored (LATEST)", "modules/event-source-mapping/main.tf",
             "starting_position = var.starting_position", 'starting_position = "LATEST"', (ESM,)),
    Mutation("destination-elsewhere", "on-failure destination pointed elsewhere", "modules/event-source-mapping/main.tf",
             "destination_arn = var.destination_arn",
             'destination_arn = "arn:aws:sqs:us-east-1:123456789012:elsewhere"', (ESM,)),
    Mutation("record-age-infinite", "maximum_record_age_in_seconds ignored (-1)", "modules/event-source-mapping/main.tf",
             "maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds",
             "maximum_record_age_in_seconds      = -1", (ESM,)),
    Mutation("metrics-dropped", "metrics_config dropped", "modules/event-source-mapping/main.tf",
             "for_each = length(var.metrics) > 0 ? [1] : []", "for_each = []", (ESM,)),
    Mutation("batch-size", "batch_size ignored", "modules/event-source-mapping/main.tf",
             "batch_size                         = var.batch_size", "batch_size                         = 100", (ESM,)),
    Mutation("batching-window", "maximum_batching_window_in_seconds ignored", "modules/event-source-mapping/main.tf",
             "maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds",
             "maximum_batching_window_in_seconds = 0", (ESM,)),
    Mutation("parallelization", "parallelization_factor ignored", "modules/event-source-mapping/main.tf",
             "parallelization_factor             = var.parallelization_factor",
             "parallelization_factor             = 1", (ESM,)),
    Mutation("filters-dropped", "filter_patterns dropped", "modules/event-source-mapping/main.tf",
             "for_each = length(var.filter_patterns) > 0 ? [1] : []", "for_each = []", (ESM,)),
    Mutation("mapping-enabled", "enabled ignored (always true)", "modules/event-source-mapping/main.tf",
             "enabled           = var.enabled", "enabled           = true", (ESM,)),
    Mutation("numeric-on-n-allowed", "numeric-on-N filter validation removed (module)",
             "modules/event-source-mapping/variables.tf", 'can(regex("\\"N\\"', 'false && can(regex("\\"N\\"', (ESM,)),
    # The function (modules/function).
    Mutation("tracing-ignored", "tracing_mode ignored (PassThrough)", "modules/function/main.tf",
             "mode = var.tracing_mode", 'mode = "PassThrough"', (FUNCTION,)),
    Mutation("timeout-ignored", "timeout ignored", "modules/function/main.tf",
             "timeout       = var.timeout", "timeout       = 60", (FUNCTION,)),
    Mutation("memory-ignored", "memory_size ignored", "modules/function/main.tf",
             "memory_size   = var.memory_size", "memory_size   = 256", (FUNCTION,)),
    Mutation("layers-ignored", "layers ignored", "modules/function/main.tf",
             "layers        = var.layers", "layers        = []", (FUNCTION,)),
    Mutation("log-retention", "log_retention_in_days ignored", "modules/function/main.tf",
             "retention_in_days = var.log_retention_in_days", "retention_in_days = 365", (FUNCTION,)),
    Mutation("log-class", "log_group_class ignored", "modules/function/main.tf",
             'log_group_class = var.log_group_class == "STANDARD" ? null : var.log_group_class',
             "log_group_class = null", (FUNCTION,)),
    Mutation("logging-config-dropped", "logging_config (JSON, levels, log group) dropped", "modules/function/main.tf",
             "for_each = local.logging_config", "for_each = []", (FUNCTION,)),
    Mutation("alias-off-latest", "alias points at $LATEST instead of the published version", "modules/function/main.tf",
             "function_version = aws_lambda_function.this.version", 'function_version = "$LATEST"', (FUNCTION,)),
    # Alarms (modules/alarms).
    Mutation("threshold-ignored", "function alarm thresholds ignored (0)", "modules/alarms/main.tf",
             "threshold           = each.value.threshold", "threshold           = 0", (ALARMS,), nth=1),
    Mutation("mapping-threshold-ignored", "mapping alarm thresholds ignored (0)", "modules/alarms/main.tf",
             "threshold           = each.value.threshold", "threshold           = 0", (ALARMS,), nth=2),
    Mutation("missing-data-flipped", "function alarms treat missing data as breaching", "modules/alarms/main.tf",
             'treat_missing_data  = "notBreaching"', 'treat_missing_data  = "breaching"', (ALARMS,), nth=1),
    Mutation("queue-missing-data-flipped", "queue alarm treats missing data as breaching", "modules/alarms/main.tf",
             'treat_missing_data  = "notBreaching"', 'treat_missing_data  = "breaching"', (ALARMS,), nth=3),
    Mutation("period-ignored", "alarm period ignored", "modules/alarms/main.tf",
             "period              = var.period_seconds", "period              = 60", (ALARMS,), nth=1),
    Mutation("evaluation-ignored", "alarm evaluation periods ignored", "modules/alarms/main.tf",
             "evaluation_periods  = var.evaluation_periods", "evaluation_periods  = 1", (ALARMS,), nth=1),
    Mutation("queue-threshold-ignored", "queue alarm threshold ignored", "modules/alarms/main.tf",
             "threshold           = var.failure_queue_visible_threshold", "threshold           = 0", (ALARMS,)),
    Mutation("mapping-alarms-off", "DroppedEventCount/FailedInvokeEventCount alarms never created",
             "modules/alarms/main.tf", "mapping_alarms = !var.mapping_metrics_enabled ? {} : {",
             "mapping_alarms = true ? {} : {", (ALARMS,)),
    # Table, queue, role.
    Mutation("stream-view-ignored", "stream_view_type ignored", "modules/table/main.tf",
             "stream_view_type = var.stream_view_type", 'stream_view_type = "NEW_AND_OLD_IMAGES"', (TABLE,)),
    Mutation("pitr-ignored", "point-in-time recovery ignored (on)", "modules/table/main.tf",
             "enabled = var.point_in_time_recovery_enabled", "enabled = true", (TABLE,)),
    Mutation("deletion-protection-ignored", "deletion protection ignored (on)", "modules/table/main.tf",
             "deletion_protection_enabled = var.deletion_protection_enabled", "deletion_protection_enabled = true",
             (TABLE,)),
    Mutation("queue-encryption-off", "queue encryption off", "modules/failure-queue/main.tf",
             "sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null",
             "sqs_managed_sse_enabled           = false", (QUEUE,)),
    Mutation("queue-retention", "queue retention ignored", "modules/failure-queue/main.tf",
             "message_retention_seconds = var.message_retention_seconds", "message_retention_seconds = 345600",
             (QUEUE,)),
    Mutation("s3-list-bucket-dropped", "S3 destination without s3:ListBucket", "modules/execution-role/main.tf",
             '{ Sid = "ListFailureBucket", Action = ["s3:ListBucket"], Resource = [var.destination_arn] },', "",
             (ROLE,)),
    Mutation("get-queue-url-dropped", "handler sending to SQS without sqs:GetQueueUrl", "modules/execution-role/main.tf",
             '["sqs:SendMessage", "sqs:GetQueueUrl"] : ["sqs:SendMessage"]', '["sqs:SendMessage"] : ["sqs:SendMessage"]',
             (ROLE,)),
    Mutation("extra-statements-ignored", "role_policy_statements ignored", "modules/execution-role/main.tf",
             "[for st in var.extra_statements :", "[for st in [] :", (ROLE,)),
    # The root module's defaults and wiring.
    Mutation("root-retries-default", "root default retries 10 instead of -1", "variables.tf",
             "maximum_retry_attempts             = optional(number, -1)",
             "maximum_retry_attempts             = optional(number, 10)", (ROOT_TESTS,)),
    Mutation("root-record-age-default", "root default record age 3600 instead of -1", "variables.tf",
             "maximum_record_age_in_seconds      = optional(number, -1)",
             "maximum_record_age_in_seconds      = optional(number, 3600)", (ROOT_TESTS,)),
    Mutation("root-poison-default", "root default poison policy report", "variables.tf",
             'poison_policy              = optional(string, "destination")',
             'poison_policy              = optional(string, "report")', (ROOT_TESTS,)),
    Mutation("root-timeout-wiring", "root ignores timeout", "main.tf",
             "timeout                        = var.timeout", "timeout                        = 60", (ROOT_TESTS,)),
    Mutation("root-bisect-wiring", "root ignores mapping.bisect_batch_on_function_error", "main.tf",
             "bisect_batch_on_function_error     = var.mapping.bisect_batch_on_function_error",
             "bisect_batch_on_function_error     = true", (ROOT_TESTS,)),
    Mutation("root-alias-wiring", "mapping invokes the function, not the alias", "main.tf",
             "function_arn                       = module.function.invoke_arn",
             "function_arn                       = module.function.function_arn", (ROOT_TESTS,)),
    Mutation("root-byo-role-ignored", "role_arn ignored", "main.tf",
             "role_arn                       = var.create_role ? module.role.arn : var.role_arn",
             "role_arn                       = module.role.arn", (ROOT_TESTS,)),
    Mutation("root-numeric-on-n-allowed", "numeric-on-N validation removed (root)", "variables.tf",
             'condition     = !anytrue([for p in var.mapping.filter_patterns : can(regex(',
             'condition     = true || !anytrue([for p in var.mapping.filter_patterns : can(regex(', (ROOT_TESTS,)),
    Mutation("root-tumbling-allowed", "tumbling window accepted at the root", "variables.tf",
             "condition     = var.mapping.tumbling_window_in_seconds == null",
             "condition     = var.mapping.tumbling_window_in_seconds == null || true", (ROOT_TESTS,)),
    Mutation("root-count-on-arn", "failure queue created when the destination ARN is null (apply-time count)",
             "main.tf", "count  = var.create_failure_queue ? 1 : 0",
             "count  = var.failure_destination_arn == null ? 1 : 0", (SHARED,)),
)


def copy_module(source: Path, scratch: Path) -> None:
    for name in COPIED:
        src, dst = source / name, scratch / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".terraform", "__pycache__", "*.tfstate*"))
        elif src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def terraform_env() -> dict[str, str]:
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    env.setdefault("TF_CLI_CONFIG_FILE", os.devnull)
    return env


def init(scratch: Path) -> None:
    flags = [f"-plugin-dir={os.environ['TF_PLUGIN_MIRROR']}"] if os.environ.get("TF_PLUGIN_MIRROR") else []
    result = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-test-directory=tests/terraform",
                             *flags], cwd=scratch, env=terraform_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"terraform init failed in the scratch copy:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def run_tests(scratch: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    filters = [f"-filter=tests/terraform/{t}" for t in tests]
    return subprocess.run(["terraform", "test", "-no-color", "-test-directory=tests/terraform", *filters],
                          cwd=scratch, env=terraform_env(), capture_output=True, text=True)


def locate(text: str, mutation: Mutation) -> int:
    """Offset of the occurrence to edit, or -1 when the code no longer has it."""
    count = text.count(mutation.old)
    if mutation.nth == 0:
        return text.index(mutation.old) if count == 1 else -1
    offset = -1
    for _ in range(mutation.nth):
        offset = text.find(mutation.old, offset + 1)
        if offset < 0:
            return -1
    return offset


def check(scratch: Path, mutation: Mutation, tests: tuple[str, ...]) -> tuple[str, float]:
    path = scratch / mutation.file
    original = path.read_text()
    offset = locate(original, mutation)
    if offset < 0:
        return "n/a", 0.0
    path.write_text(original[:offset] + mutation.new + original[offset + len(mutation.old):])
    started = time.monotonic()
    try:
        result = run_tests(scratch, tests)
    finally:
        path.write_text(original)
    seconds = time.monotonic() - started
    if result.returncode == 0:
        outcome = "SURVIVED"
    else:
        # Killed only when a run failed (an assertion, or a validation that no longer fires); an edit that breaks
        # the configuration itself proves nothing about the tests.
        outcome = "killed" if RUN_FAILED.search(result.stdout) else "ERROR"
    print(f"  {mutation.id}: {outcome} ({seconds:.0f} s)", file=sys.stderr, flush=True)
    return outcome, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutations checked at once (default 2)")
    parser.add_argument("--only", nargs="*", default=[], help="mutation ids to check (default: all)")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to mutate (default: this one)")
    parser.add_argument("--tests", nargs="*", default=None, help="test files to run for every mutation")
    args = parser.parse_args(argv)

    mutations = [m for m in MUTATIONS if not args.only or m.id in args.only]
    unknown = set(args.only) - {m.id for m in MUTATIONS}
    if unknown:
        parser.error(f"unknown mutation ids: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutate-module-") as tmp:
        scratches = [Path(tmp) / f"w{i}" for i in range(max(1, args.jobs))]
        for scratch in scratches:
            copy_module(args.source.resolve(), scratch)
            init(scratch)
        files = tuple(args.tests) if args.tests else tuple(sorted({t for m in mutations for t in m.tests}))
        baseline = run_tests(scratches[0], files)
        if baseline.returncode != 0:
            print(baseline.stdout[-4000:], baseline.stderr[-2000:], sep="\n")
            print("The unmutated tests fail: fix them before checking mutations.", file=sys.stderr)
            return 1

        def job(index_and_mutation: tuple[int, Mutation]) -> tuple[Mutation, str, float]:
            index, mutation = index_and_mutation
            scratch = scratches[index % len(scratches)]
            return (mutation, *check(scratch, mutation, tuple(args.tests) if args.tests else mutation.tests))

        # One scratch copy per worker: worker i only ever takes mutations i, i+jobs, ...
        by_worker = [[(i, m) for i, m in enumerate(mutations) if i % len(scratches) == w] for w in range(len(scratches))]
        with ThreadPoolExecutor(max_workers=len(scratches)) as pool:
            results = [r for rs in pool.map(lambda items: [job(item) for item in items], by_worker) for r in rs]

    results.sort(key=lambda r: mutations.index(r[0]))
    print(f"{'mutation':28} {'result':9} {'secs':>5}  what")
    for mutation, outcome, seconds in results:
        print(f"{mutation.id:28} {outcome:9} {seconds:5.1f}  {mutation.what}")
    survived = [m.id for m, outcome, _ in results if outcome == "SURVIVED"]
    errors = [m.id for m, outcome, _ in results if outcome == "ERROR"]
    stale = [m.id for m, outcome, _ in results if outcome == "n/a"]
    killed = sum(outcome == "killed" for _, outcome, _ in results)
    print(f"\n{killed} killed, {len(survived)} survived, {len(errors)} invalid, {len(stale)} n/a, of {len(results)} mutations "
          f"in {time.monotonic() - started:.0f} s")
    if stale and args.tests is None:
        print(f"Edits that no longer match the code (update MUTATIONS): {', '.join(stale)}", file=sys.stderr)
        return 1
    if errors:
        print(f"Edits that break the configuration instead of a behaviour (fix them): {', '.join(errors)}", file=sys.stderr)
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main())
