"""One structured JSON line per invocation, which is also a CloudWatch embedded-metric-format record."""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any
    from .destination import Report

METRICS = ("Records", "Written", "Stale", "Skipped", "PoisonSent", "Degraded", "Failed", "Retries", "BulkLatencyMs")
SUMMARY_ITEMS = 5  # poison records and errors repeated in the summary line (every poison record has its own line)
REASON_CHARS = 1000  # of a reason in a log line; a record's identity (sequence number, keys, ids) is never cut
LOGGED_POINTERS = 100  # dropped-field pointers in a log line (the document's _sync_dropped_fields has them all)


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
        if len(target) < SUMMARY_ITEMS:
            target.append({"sequenceNumber": sequence, "error": error[:300]})

    def poison_record(self, record: dict[str, Any], report: Report, outcome: str) -> None:
        """One line per poison record, whatever the level: which record, why, and what was indexed of it."""
        stream = record.get("dynamodb") if isinstance(record.get("dynamodb"), dict) else {}
        sequence = str(stream.get("SequenceNumber"))
        self.note("poison", sequence, report.reason)
        line = {"level": "WARNING", "message": "poison record", "outcome": outcome, "sequenceNumber": sequence,
                "keys": stream.get("Keys"), "documentId": report.document_id, "index": report.index,
                "droppedFields": report.dropped[:LOGGED_POINTERS], "reason": report.reason[:REASON_CHARS]}
        if len(report.dropped) > LOGGED_POINTERS:
            line["droppedFieldsOmitted"] = len(report.dropped) - LOGGED_POINTERS
        print(json.dumps(line, separators=(",", ":"), default=str), file=sys.stdout, flush=True)

    def line(self, records: int, failed: int, stats: dict[str, Any]) -> str:
        metrics = {
            "Records": records, "Written": self.outcomes["written"], "Stale": self.outcomes["stale"],
            "Skipped": self.outcomes["skipped"], "PoisonSent": self.outcomes["poison_sent"] + self.outcomes["degraded_sent"],
            "Degraded": self.outcomes["degraded"] + self.outcomes["degraded_sent"], "Failed": failed,
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
