"""Discovery of DynamoDB-stream event source mappings through the Lambda API, and their settings.

Settings are re-read on every refresh, so updates, new mappings and deleted ones are picked up while the runner runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from esm_runner.filters import FilterPattern, numeric_on_dynamodb_numbers, parse_filter_criteria

# Documented ranges (facts §5, §7); an emulator may store values outside them, which the runner honours with a warning.
DOCUMENTED_RANGES: dict[str, tuple[int, int]] = {
    "BatchSize": (1, 10000),
    "MaximumBatchingWindowInSeconds": (0, 300),
    "ParallelizationFactor": (1, 10),
    "TumblingWindowInSeconds": (0, 900),
    "MaximumRecordAgeInSeconds": (60, 604800),
    "MaximumRetryAttempts": (0, 10000),
}
UNLIMITED = -1


class MappingError(ValueError):
    """A mapping the runner cannot run; the message names the mapping, the field and what is allowed."""


@dataclass(frozen=True)
class MappingSettings:
    uuid: str
    function_arn: str
    stream_arn: str
    enabled: bool
    batch_size: int = 100
    batching_window: float = 0.0
    starting_position: str = "TRIM_HORIZON"
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    max_retry_attempts: int = UNLIMITED
    max_record_age: int = UNLIMITED
    on_failure_destination: str | None = None
    filters: tuple[FilterPattern, ...] = ()
    parallelization_factor: int = 1
    tumbling_window: int = 0
    event_count_metrics: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_api(cls, config: dict[str, Any]) -> MappingSettings:
        """Build settings from a ``GetEventSourceMapping``/``ListEventSourceMappings`` entry."""
        uuid = config["UUID"]
        warnings: list[str] = []

        def number(key: str, default: int) -> int:
            value = config.get(key)
            if value is None:
                return default
            low, high = DOCUMENTED_RANGES[key]
            if value != UNLIMITED or key not in ("MaximumRecordAgeInSeconds", "MaximumRetryAttempts"):
                if not low <= value <= high:
                    warnings.append(f"{key}={value} is outside the documented range {low}..{high}; honoured as given")
            return int(value)

        position = config.get("StartingPosition") or "TRIM_HORIZON"
        if position not in ("TRIM_HORIZON", "LATEST"):
            raise MappingError(
                f"mapping {uuid}: StartingPosition {position!r} is not supported for DynamoDB streams; "
                "allowed: TRIM_HORIZON, LATEST"
            )
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        try:
            filters = parse_filter_criteria(config.get("FilterCriteria"))
        except ValueError as exc:
            raise MappingError(f"mapping {uuid}: {exc}") from exc
        warnings += [f"FilterCriteria {path}: 'numeric' never matches a DynamoDB N value (a string in the event), on "
                     "AWS either; compare as strings or filter in the function" for path in
                     numeric_on_dynamodb_numbers(filters)]
        metrics = (config.get("MetricsConfig") or {}).get("Metrics") or []
        return cls(
            uuid=uuid,
            function_arn=config["FunctionArn"],
            stream_arn=config["EventSourceArn"],
            enabled=config.get("State", "Enabled") in ("Enabled", "Enabling", "Updating", "Creating"),
            batch_size=number("BatchSize", 100),
            batching_window=float(number("MaximumBatchingWindowInSeconds", 0)),
            starting_position=position,
            report_batch_item_failures="ReportBatchItemFailures" in (config.get("FunctionResponseTypes") or []),
            bisect_on_error=bool(config.get("BisectBatchOnFunctionError")),
            max_retry_attempts=number("MaximumRetryAttempts", UNLIMITED),
            max_record_age=number("MaximumRecordAgeInSeconds", UNLIMITED),
            on_failure_destination=destination,
            filters=filters,
            parallelization_factor=max(1, number("ParallelizationFactor", 1)),
            tumbling_window=number("TumblingWindowInSeconds", 0),
            event_count_metrics="EventCount" in metrics,
            warnings=tuple(warnings),
        )


def is_dynamodb_stream(arn: str) -> bool:
    return arn.startswith("arn:") and ":dynamodb:" in arn and "/stream/" in arn


def list_stream_mappings(lambda_client: Any) -> list[dict[str, Any]]:
    """Every event source mapping whose source is a DynamoDB stream, enabled or not."""
    found: list[dict[str, Any]] = []
    for page in lambda_client.get_paginator("list_event_source_mappings").paginate():
        found.extend(m for m in page.get("EventSourceMappings", []) if is_dynamodb_stream(m.get("EventSourceArn", "")))
    return found


def settings_fingerprint(config: dict[str, Any]) -> str:
    """A stable digest of a mapping's configuration; a change means the mapping was updated."""
    relevant = {k: v for k, v in config.items() if k not in ("LastProcessingResult", "StateTransitionReason")}
    return json.dumps(relevant, sort_keys=True, default=str)
