"""Settings from environment variables, validated once at init.

A bad value raises ConfigError naming the variable and what is allowed, so a misconfigured function
fails its init (and the event source mapping retries) instead of dropping records.
"""
from __future__ import annotations

import re
import string
from collections import namedtuple
from collections.abc import Mapping
from urllib.parse import urlsplit

AUTH_MODES = ("iam", "aoss", "none")
POISON_POLICIES = ("report", "destination")
TTL_POLICIES = ("delete", "keep")
LOG_LEVELS = ("INFO", "DEBUG")  # INFO: one line per invocation; DEBUG adds a line per failed record
DESTINATION_ARN = re.compile(r"^arn:aws[a-z-]*:(sqs|sns|s3):[^:]*:[^:]*:[^:]+$")
# Characters OpenSearch forbids in index names (besides upper case and a leading - _ +).
INDEX_FORBIDDEN = set(' \\/*?"<>|,#:')


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names it and the allowed values."""


class Settings(namedtuple("Settings", (
        "endpoint index index_fields auth region timeout_seconds bulk_max_bytes bulk_max_actions max_retries "
        "poison_policy failure_destination_arn ttl_deletes include_fields exclude_fields log_level "
        "metrics_namespace"))):
    """Immutable (`_replace` gives a changed copy); a named tuple, not a dataclass, for the cold start (records.Change
    says why). index_fields: the attribute names an index template uses, () for a fixed name; include_fields and
    exclude_fields: frozensets of attribute names; timeout_seconds a float, the bulk limits and max_retries ints."""

    __slots__ = ()


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], upper: bool = False, default: str = "") -> str:
    default = default or allowed[0]
    raw = env.get(name, "").strip() or default
    value = raw.upper() if upper else raw.lower()
    if value not in allowed:
        raise ConfigError(f"{name}={raw!r} is not allowed; use one of: {', '.join(allowed)} (default {default})")
    return value


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float, kind: type = int) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not allowed; use {what} from {low:g} to {high:g} (default {default:g})")
    return value


def _fields(env: Mapping[str, str], name: str) -> frozenset[str]:
    return frozenset(f.strip() for f in env.get(name, "").split(",") if f.strip())


def _index(raw: str) -> tuple[str, tuple[str, ...]]:
    """Validate OPENSEARCH_INDEX, a name or a template such as 'orders-{tenant}'."""
    if not raw:
        raise ConfigError("OPENSEARCH_INDEX is required: an index name, or a template like 'orders-{tenant}'")
    try:
        parsed = list(string.Formatter().parse(raw))
    except ValueError as exc:
        raise ConfigError(f"OPENSEARCH_INDEX={raw!r} is not a valid template ({exc}); use {{attribute}} placeholders") from None
    fields = tuple(f for _, f, spec, conv in parsed if f is not None)
    literal = "".join(text for text, *_ in parsed)
    bad = [f for _, f, spec, conv in parsed if f is not None and (not f or spec or conv or not f.isidentifier())]
    if bad or any(c in INDEX_FORBIDDEN for c in literal) or literal != literal.lower() or raw[0] in "-_+":
        raise ConfigError(
            f"OPENSEARCH_INDEX={raw!r} is not allowed; use a lower-case index name without spaces or \\/*?\"<>|,#: "
            "not starting with - _ +, optionally with {attribute} placeholders (plain attribute names)"
        )
    return raw, fields


def load(env: Mapping[str, str]) -> Settings:
    endpoint = env.get("OPENSEARCH_ENDPOINT", "").strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ConfigError(
            f"OPENSEARCH_ENDPOINT={endpoint!r} is not allowed; use a URL with scheme and host, "
            "e.g. https://search-x.us-east-1.es.amazonaws.com or http://127.0.0.1:9200"
        )
    index, index_fields = _index(env.get("OPENSEARCH_INDEX", "").strip())
    auth = _choice(env, "OPENSEARCH_AUTH", AUTH_MODES)
    region = env.get("OPENSEARCH_REGION", "").strip() or env.get("AWS_REGION", "").strip() or env.get("AWS_DEFAULT_REGION", "").strip()
    if auth != "none" and not region:
        raise ConfigError(f"OPENSEARCH_REGION (or AWS_REGION) is required when OPENSEARCH_AUTH={auth}")
    destination = env.get("FAILURE_DESTINATION_ARN", "").strip()
    if destination and not DESTINATION_ARN.match(destination):
        raise ConfigError(f"FAILURE_DESTINATION_ARN={destination!r} is not allowed; use an SQS queue, SNS topic or S3 bucket ARN")
    # With somewhere to put them, poison records go there and the stream moves on; without, they are reported.
    poison_policy = _choice(env, "POISON_POLICY", POISON_POLICIES, default="destination" if destination else "report")
    if poison_policy == "destination" and not destination:
        raise ConfigError("POISON_POLICY=destination needs FAILURE_DESTINATION_ARN (an SQS queue, SNS topic or S3 bucket ARN); "
                          "set it, or set POISON_POLICY=report")
    include, exclude = _fields(env, "INCLUDE_FIELDS"), _fields(env, "EXCLUDE_FIELDS")
    if include & exclude:
        raise ConfigError(f"INCLUDE_FIELDS and EXCLUDE_FIELDS both name {', '.join(sorted(include & exclude))}; name a field in one of them")
    return Settings(
        endpoint=endpoint,
        index=index,
        index_fields=index_fields,
        auth=auth,
        region=region,
        timeout_seconds=_number(env, "OPENSEARCH_TIMEOUT_SECONDS", 10.0, 0.1, 900.0, float),
        bulk_max_bytes=int(_number(env, "BULK_MAX_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024)),
        bulk_max_actions=int(_number(env, "BULK_MAX_ACTIONS", 1000, 1, 10000)),
        max_retries=int(_number(env, "MAX_RETRIES", 5, 0, 20)),
        poison_policy=poison_policy,
        failure_destination_arn=destination,
        ttl_deletes=_choice(env, "TTL_DELETES", TTL_POLICIES),
        include_fields=include,
        exclude_fields=exclude,
        log_level=_choice(env, "LOG_LEVEL", LOG_LEVELS, upper=True),
        metrics_namespace=env.get("METRICS_NAMESPACE", "DdbOpenSearchSync").strip(),
    )
