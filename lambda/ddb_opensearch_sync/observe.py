"""One structured JSON line per invocation, which is also a CloudWatch embedded-metric-format record."""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from typing import Any

METRICS = ("Records", "Written", "Stale", "Skipped", "PoisonSent", "Failed", "Retries", "BulkLatencyMs")


class Summary:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.started = time.perf_counter()
        self.actions: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.poison: list[dict[str, str]] = []  # first few, so one line still tells what went wrong
        self.errors: list[dict[str, str]] = []

    def note(self, kind: str, sequence: str, error: str) -> None:
        target = self.poison if kind == "poison" else self.errors
        if len(target) < 5:
            target.append({"sequenceNumber": sequence, "error": error[:300]})

    def line(self, records: int, failed: int, stats: dict[str, Any]) -> str:
        metrics = {
            "Records": records, "Written": self.outcomes["written"], "Stale": self.outcomes["stale"],
            "Skipped": self.outcomes["skipped"], "PoisonSent": self.outcomes["poison_sent"], "Failed": failed,
            "Retries": stats.get("retries", 0), "BulkLatencyMs": round(stats.get("bulk_ms", 0.0), 1),
        }
        body: dict[str, Any] = {
            "level": "ERROR" if failed else "INFO", "message": "batch processed", "records": records,
            "failed": failed, "actions": dict(self.actions), "outcomes": dict(self.outcomes),
            "requests": stats.get("requests", 0), "splits": stats.get("splits", 0),
            "durationMs": round((time.perf_counter() - self.started) * 1000, 1),
            "poison": self.poison, "errors": self.errors, **metrics,
        }
        if self.namespace:
            function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
            body["FunctionName"] = function
            body["_aws"] = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
                "Namespace": self.namespace, "Dimensions": [["FunctionName"]],
                "Metrics": [{"Name": m, "Unit": "Milliseconds" if m.endswith("Ms") else "Count"} for m in METRICS],
            }]}
        return json.dumps(body, separators=(",", ":"), default=str)

    def emit(self, records: int, failed: int, stats: dict[str, Any]) -> None:
        print(self.line(records, failed, stats), file=sys.stdout, flush=True)
