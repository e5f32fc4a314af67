"""moto's CreateEventSourceMapping/UpdateEventSourceMapping made to refuse what AWS Lambda refuses.

moto stores any value; AWS answers InvalidParameterValueException (HTTP 400) for a filter pattern it cannot parse
and for numbers outside the ranges of the Lambda API reference
(https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html), including a
MaximumRecordAgeInSeconds between -1 and 60 ("The minimum valid value for maximum record age is 60s"). A mapping the
local stack accepts must be one AWS accepts. Filter patterns are checked by the ESM runner's own parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from esm_runner.filters import parse_filter_criteria
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import EventSourceMapping, LambdaBackend

# Parameter -> (minimum, maximum) as the API reference gives them.
_RANGES: dict[str, tuple[int, int]] = {
    "BatchSize": (1, 10000),
    "MaximumBatchingWindowInSeconds": (0, 300),
    "ParallelizationFactor": (1, 10),
    "MaximumRecordAgeInSeconds": (-1, 604800),
    "MaximumRetryAttempts": (-1, 10000),
    "TumblingWindowInSeconds": (0, 900),
}
_MIN_RECORD_AGE = 60  # above -1 (infinite), AWS accepts no age below a minute

_checking = True
_moto_create = LambdaBackend.create_event_source_mapping
_moto_update = LambdaBackend.update_event_source_mapping


def validate_mapping(spec: dict[str, Any]) -> None:
    """Raise InvalidParameterValueException naming the first parameter AWS would refuse."""
    for name, (low, high) in _RANGES.items():
        value = spec.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidParameterValueException(f"{name} must be an integer from {low} to {high}, got {value!r}.")
    age = spec.get("MaximumRecordAgeInSeconds")
    if age is not None and -1 < age < _MIN_RECORD_AGE:
        raise InvalidParameterValueException(
            f"MaximumRecordAgeInSeconds must be -1 (infinite) or from {_MIN_RECORD_AGE} to 604800, got {age}: "
            f"the minimum valid value for maximum record age is {_MIN_RECORD_AGE}s.")
    if spec.get("FilterCriteria") is not None:
        try:
            parse_filter_criteria(spec["FilterCriteria"])
        except ValueError as exc:
            raise InvalidParameterValueException(f"Invalid filter pattern definition. {exc}") from None


@contextmanager
def unchecked() -> Iterator[None]:
    """Let this process's moto store mappings AWS refuses, as moto alone does: for tests of how a consumer copes
    with such a mapping (a broken filter it must report, a record age under 60 s that keeps an expiry test short)."""
    global _checking
    _checking = False
    try:
        yield
    finally:
        _checking = True


def _create(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    if _checking:
        validate_mapping(spec)
    return _moto_create(self, spec)


def _update(self: LambdaBackend, uuid: str, spec: dict[str, Any]) -> EventSourceMapping | None:
    if _checking:
        validate_mapping(spec)
    return _moto_update(self, uuid, spec)


def patch() -> None:
    LambdaBackend.create_event_source_mapping = _create  # type: ignore[method-assign]
    LambdaBackend.update_event_source_mapping = _update  # type: ignore[method-assign]
