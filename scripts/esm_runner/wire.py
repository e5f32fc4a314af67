"""Stream records kept with their JSON text as GetRecords returned it, so the event is assembled without encoding
the records again.

A GetRecords record on the wire is already what a Lambda event carries (binary values as base64 strings, times in
epoch seconds); decoding it is needed to filter and batch, but encoding it again for the function process cost about
as much CPU as the decoding (measured: ~40 % of the runner's CPU in a burst of ~2 KB records). The text and the dict
always say the same: every change made to the record is made to both.
"""

from __future__ import annotations

import json
import re
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# The record's own time stamp: a bare number (an attribute of that name in an image is an object, in a string quoted).
_WHOLE_SECONDS = re.compile(r'("ApproximateCreationDateTime"\s*:\s*)(-?\d+)(?=\s*[,}])')


class WireRecord(dict):  # type: ignore[type-arg]
    """An event record (the dict) and its JSON text."""

    __slots__ = ("text",)

    def __init__(self, record: dict[str, Any], text: str) -> None:
        super().__init__(record)
        self.text = text


def split_records(body: str) -> tuple[list[tuple[dict[str, Any], str]], dict[str, Any]]:
    """A GetRecords JSON body -> its records, each with its own text, and the other members."""
    records: list[tuple[dict[str, Any], str]] = []
    rest: dict[str, Any] = {}
    at = _expect(body, _SPACE.match(body, 0).end(), "{")
    while body[_SPACE.match(body, at).end()] != "}":
        key, at = _DECODER.raw_decode(body, _SPACE.match(body, at).end())
        at = _SPACE.match(body, _expect(body, _SPACE.match(body, at).end(), ":")).end()
        if key == "Records" and body[at] == "[":
            at = _SPACE.match(body, at + 1).end()
            while body[at] != "]":
                record, end = _DECODER.raw_decode(body, at)
                records.append((record, body[at:end]))
                at = _SPACE.match(body, end).end()
                if body[at] == ",":
                    at = _SPACE.match(body, at + 1).end()
            at += 1
        else:
            rest[key], at = _DECODER.raw_decode(body, at)
        at = _SPACE.match(body, at).end()
        if body[at] == ",":
            at += 1
    return records, rest


def _expect(body: str, at: int, char: str) -> int:
    if body[at:at + 1] != char:
        raise ValueError(f"GetRecords body: expected {char!r} at character {at}, found {body[at:at + 20]!r}")
    return at + 1


def event_record(record: dict[str, Any], text: str, stream_arn: str, region: str) -> WireRecord:
    """A record as read -> the event's record: `eventSourceARN` added, `awsRegion` when missing, and the time stamp
    as the JSON float Lambda delivers (an emulator may write an integer)."""
    stream = record.get("dynamodb") or {}
    stamp = stream.get("ApproximateCreationDateTime")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        stream["ApproximateCreationDateTime"] = float(stamp)
        text = _WHOLE_SECONDS.sub(r"\g<1>\g<2>.0", text, count=1)
    if "awsRegion" not in record:
        record["awsRegion"] = region
        text = f"{text[:-1]}, \"awsRegion\": {json.dumps(region)}}}"
    record["eventSourceARN"] = stream_arn
    text = f"{text[:-1]}, \"eventSourceARN\": {json.dumps(stream_arn)}}}"
    return WireRecord(record, text)


def event_json(event: dict[str, Any]) -> str:
    """The event's JSON text; records read from the stream are joined as they came, not encoded again."""
    records = event.get("Records")
    if not records or not all(isinstance(record, WireRecord) for record in records):
        return json.dumps(event)
    rest = json.dumps({key: value for key, value in event.items() if key != "Records"})
    return "{\"Records\": [" + ", ".join(record.text for record in records) + "]" + (
        ", " + rest[1:] if rest != "{}" else "}")
