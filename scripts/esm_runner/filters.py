"""FilterCriteria: the documented event-pattern syntax, applied to DynamoDB stream records.

A pattern is a JSON object whose leaves are lists of matchers; every key must match (AND), any matcher in a list may
match (OR), and a record is delivered when any of the mapping's filters matches it. Supported matchers: exact values
(strings, numbers, null, ""), ``prefix``, ``suffix``, ``equals-ignore-case``, ``anything-but`` (a value, a list or a
prefix), ``numeric`` (comparisons and ranges), ``exists``.

Matching is type-strict, as on AWS (recorded in tests/fixtures/aws_recordings): a DynamoDB number is a string in the
event (``{"N": "12"}``), so ``numeric`` and number literals never match it (only real JSON numbers such as
``ApproximateCreationDateTime`` do), and ``exists`` looks for a leaf value: an attribute object such as
``{"S": "x"}`` is not one, so ``{"attr": [{"exists": false}]}`` matches it and ``exists: true`` does not.
"""

from __future__ import annotations

import json
from typing import Any

FilterPattern = dict[str, Any]
_MISSING = object()
_OPERATORS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_MATCHER_KEYS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists")


def parse_filter_criteria(criteria: dict[str, Any] | None) -> tuple[FilterPattern, ...]:
    """Parse ``{"Filters": [{"Pattern": "<json>"}]}``; raise ValueError naming the bad filter."""
    patterns: list[FilterPattern] = []
    for index, entry in enumerate((criteria or {}).get("Filters") or []):
        text = (entry or {}).get("Pattern")
        try:
            pattern = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError as exc:
            raise ValueError(f"FilterCriteria filter #{index} is not valid JSON ({exc.msg}): {text!r}") from exc
        if not isinstance(pattern, dict) or not pattern:
            raise ValueError(f"FilterCriteria filter #{index} must be a non-empty JSON object, got {text!r}")
        _validate(pattern, f"filter #{index}")
        patterns.append(pattern)
    return tuple(patterns)


def _validate(pattern: dict[str, Any], where: str) -> None:
    for key, rule in pattern.items():
        path = f"{where} at {key!r}"
        if isinstance(rule, dict):
            _validate(rule, path)
        elif not isinstance(rule, list) or not rule:
            raise ValueError(f"FilterCriteria {path}: expected an object or a non-empty list of matchers, got {rule!r}")
        else:
            for matcher in rule:
                if isinstance(matcher, dict) and (len(matcher) != 1 or next(iter(matcher)) not in _MATCHER_KEYS):
                    raise ValueError(
                        f"FilterCriteria {path}: unknown matcher {matcher!r}; allowed: {', '.join(_MATCHER_KEYS)}"
                    )
                if isinstance(matcher, dict) and "numeric" in matcher:
                    _validate_numeric(matcher["numeric"], path)


def _validate_numeric(conditions: Any, path: str) -> None:
    valid = (
        isinstance(conditions, list)
        and conditions
        and len(conditions) % 2 == 0
        and all(op in _OPERATORS for op in conditions[0::2])
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in conditions[1::2])
    )
    if not valid:
        raise ValueError(
            f"FilterCriteria {path}: numeric matcher {conditions!r} must be pairs of operator and number, "
            f"operators: {', '.join(_OPERATORS)}"
        )


def numeric_on_dynamodb_numbers(patterns: tuple[FilterPattern, ...]) -> list[str]:
    """Where a pattern applies ``numeric`` to a DynamoDB ``N`` value: valid, but it never matches (on AWS either),
    so such a filter silently drops every record it was meant to select."""
    found: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, rule in node.items():
            if isinstance(rule, dict):
                walk(rule, f"{path}.{key}")
            elif key == "N" and any(isinstance(matcher, dict) and "numeric" in matcher for matcher in rule):
                found.append(f"{path}.{key}")

    for index, pattern in enumerate(patterns):
        walk(pattern, f"filter #{index}")
    return found


def matches_any(record: dict[str, Any], patterns: tuple[FilterPattern, ...]) -> bool:
    """True when there are no filters or any filter matches the record."""
    return not patterns or any(_matches(pattern, record) for pattern in patterns)


def _matches(pattern: dict[str, Any], value: Any) -> bool:
    for key, rule in pattern.items():
        actual = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(rule, dict):
            if actual is _MISSING or not _matches(rule, actual):
                return False
        elif not any(_leaf_matches(matcher, actual) for matcher in rule):
            return False
    return True


def _leaf_matches(matcher: Any, actual: Any) -> bool:
    if isinstance(matcher, dict) and "exists" in matcher:  # an object is not a leaf value (see the module doc)
        return (actual is not _MISSING and not isinstance(actual, dict)) == bool(matcher["exists"])
    if actual is _MISSING:
        return False
    if isinstance(actual, list):  # sets and lists match when any element does
        return any(_leaf_matches(matcher, element) for element in actual)
    if not isinstance(matcher, dict):
        return _equals(matcher, actual)
    (kind, operand), = matcher.items()
    if kind == "prefix":
        return isinstance(actual, str) and actual.startswith(operand)
    if kind == "suffix":
        return isinstance(actual, str) and actual.endswith(operand)
    if kind == "equals-ignore-case":
        return isinstance(actual, str) and actual.lower() == str(operand).lower()
    if kind == "anything-but":
        if isinstance(operand, dict):
            return not (isinstance(actual, str) and actual.startswith(operand.get("prefix", "\0")))
        excluded = operand if isinstance(operand, list) else [operand]
        return not any(_equals(item, actual) for item in excluded)
    return _numeric(operand, actual)


def _equals(expected: Any, actual: Any) -> bool:
    if _is_number(expected):  # 5 matches 5 and 5.0, never the string "5"
        return _is_number(actual) and float(actual) == float(expected)
    return not _is_number(actual) and expected == actual


def _numeric(conditions: list[Any], actual: Any) -> bool:
    if not _is_number(actual):
        return False
    pairs = zip(conditions[0::2], conditions[1::2], strict=True)
    return all(_OPERATORS[op](float(actual), float(bound)) for op, bound in pairs)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
