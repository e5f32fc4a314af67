"""Stream records → changes: what to write to which document, with which version."""
from __future__ import annotations

from . import convert, version
from .config import INDEX_FORBIDDEN, Settings
from .doc_id import document_id

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

EVENTS = ("INSERT", "MODIFY", "REMOVE")
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


class MalformedEvent(ValueError):
    """The event cannot be answered record by record (no Records list, or a record without SequenceNumber)."""


class Change:
    """One record's change. A plain class, as are the handler's other records: importing dataclasses (and the
    inspect module it needs) cost the cold start ~11 ms, measured."""

    __slots__ = ("position", "sequence", "op", "doc_id", "keys", "stream_arn", "second", "version", "index", "source",
                 "ttl", "error", "full", "dropped", "step", "image")

    def __init__(self, position: int, sequence: str, op: str = "", version: int = 0) -> None:
        self.position = position  # index in event["Records"]
        self.sequence = sequence  # dynamodb.SequenceNumber as delivered: the only identifier we ever report
        self.op = op  # "index", "delete", "fetch" (image not in the stream view), "skip" (TTL delete kept)
        self.doc_id = ""
        self.keys: dict[str, Any] = {}
        self.stream_arn = ""
        self.second = 0
        self.version = version
        self.index = ""
        self.source: dict[str, Any] | None = None
        self.ttl = False
        self.error = ""  # why the record is poison: unusable content, or OpenSearch's reason for rejecting it
        # Rejected by OpenSearch for good (item-level 400): the item as converted, what is left out of it
        # (paths, see degrade.py) and the degrade step reached; `source` is then the degraded document.
        self.full: dict[str, Any] | None = None
        self.dropped: list[tuple] = []
        self.step = 0
        # DynamoDB JSON that `prepare` converts: NewImage, or what names a delete's index template
        self.image: Any = None

    @property
    def key_names(self) -> set[str]:
        return set(self.keys or ())


def sequences(event: Any) -> list[str]:
    """Every record's SequenceNumber, or MalformedEvent: without them no partial response is possible."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise MalformedEvent("event has no Records list; expected a DynamoDB Streams event")
    out = []
    for position, record in enumerate(records):
        stream = record.get("dynamodb") if isinstance(record, dict) else None
        sequence = stream.get("SequenceNumber") if isinstance(stream, dict) else None
        if not isinstance(sequence, str) or not sequence.isdigit():
            raise MalformedEvent(f"Records[{position}] has no dynamodb.SequenceNumber digit string; got {sequence!r:.60}")
        out.append(sequence)
    return out


def shape(settings: Settings, attributes: dict[str, Any]) -> dict[str, Any]:
    """Apply INCLUDE_FIELDS / EXCLUDE_FIELDS to a converted item."""
    if settings.include_fields:
        attributes = {k: v for k, v in attributes.items() if k in settings.include_fields}
    if settings.exclude_fields:
        attributes = {k: v for k, v in attributes.items() if k not in settings.exclude_fields}
    return attributes


def index_name(settings: Settings, attributes: dict[str, Any]) -> str:
    """The target index: OPENSEARCH_INDEX, its {attribute} placeholders filled from the item."""
    if not settings.index_fields:
        return settings.index
    values = {}
    for name in settings.index_fields:
        value = attributes.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            raise ValueError(f"index template {settings.index!r} needs attribute {name!r} as a non-empty S or integer N, got {value!r:.60}")
        values[name] = str(value).lower()
    name = settings.index.format(**values)
    bad = set(name) & INDEX_FORBIDDEN
    if bad or len(name.encode()) > 255:
        raise ValueError(f"index name {name[:80]!r} from template {settings.index!r} is invalid (characters {''.join(sorted(bad))!r} or over 255 bytes)")
    return name


def parse(settings: Settings, record: dict[str, Any], position: int, sequence: str) -> Change:
    """One record → Change with what is cheap to read (event, keys → document id, second, operation); the
    images are converted by `prepare`, only for the change that is written. Problems land in Change.error."""
    change = Change(position, sequence)
    try:
        stream = record["dynamodb"]
        event_name = record.get("eventName")
        if event_name not in EVENTS:
            raise ValueError(f"eventName {event_name!r} is not one of {', '.join(EVENTS)}")
        change.stream_arn = str(record.get("eventSourceARN") or "")
        change.keys = stream.get("Keys")
        change.doc_id = document_id(change.keys)
        change.second = version.epoch_second(stream.get("ApproximateCreationDateTime"))
        if event_name == "REMOVE":
            identity = record.get("userIdentity") or {}
            change.ttl = identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL
            change.op = "skip" if change.ttl and settings.ttl_deletes == "keep" else "delete"
            if change.op == "delete" and settings.index_fields:  # the old image only matters to an index template
                change.image = stream.get("OldImage") or change.keys
        elif "NewImage" in stream:
            change.op, change.image = "index", stream["NewImage"]
        else:
            change.op = "fetch"  # KEYS_ONLY / OLD_IMAGE views: read the current item
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        change.error = f"{type(exc).__name__}: {exc}"[:1000]
    return change


def prepare(settings: Settings, change: Change) -> None:
    """Convert the change's image into its document and target index (Change.error when it cannot be)."""
    try:
        if change.op == "index":
            item = convert.item(change.image)
            change.index, change.source = index_name(settings, item), shape(settings, item)
        elif change.op == "delete":
            change.index = index_name(settings, convert.item(change.image) if change.image is not None else {})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        change.error = f"{type(exc).__name__}: {exc}"[:1000]


def resolve(settings: Settings, change: Change, item: dict[str, Any] | None) -> None:
    """Turn a fetched current item (None: gone) into an index or delete operation (anything left out of an
    earlier state is forgotten: the new state gets its own verdict)."""
    change.full, change.dropped, change.step, change.error = None, [], 0, ""
    if item is None:
        change.op, change.source = "delete", None
        change.index = index_name(settings, convert.item(change.keys))
    else:
        converted = convert.item(item)
        change.op, change.index, change.source = "index", index_name(settings, converted), shape(settings, converted)
