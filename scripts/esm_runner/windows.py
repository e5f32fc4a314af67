"""Tumbling windows: fixed, non-overlapping windows per shard, with state carried between the invocations of a window
and a final invocation (``isFinalInvokeForWindow``) when it closes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from esm_runner.batching import Pending


@dataclass
class Window:
    start: int
    length: int
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.start + self.length

    def contains(self, item: Pending) -> bool:
        return self.start <= item.created < self.end

    def event_fields(self, shard_id: str, stream_arn: str, final: bool) -> dict[str, Any]:
        return {
            "window": {"start": _iso(self.start), "end": _iso(self.end)},
            "state": self.state,
            "shardId": shard_id,
            "eventSourceARN": stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": False,
        }

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "length": self.length, "state": self.state}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        return cls(int(data["start"]), int(data["length"]), dict(data.get("state") or {}))


def window_for(item: Pending, length: int) -> Window:
    """Windows are aligned to multiples of their length on the records' ApproximateCreationDateTime."""
    return Window(int(item.created) // length * length, length)


def in_window(pending: list[Pending], window: Window) -> list[Pending]:
    """The leading records that belong to the window (a batch never spans two windows)."""
    taken: list[Pending] = []
    for item in pending:
        if not window.contains(item):
            break
        taken.append(item)
    return taken


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
