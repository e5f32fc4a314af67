"""Tumbling windows: fixed, non-overlapping windows per shard, with state carried between the invocations of a window
and a final invocation (``isFinalInvokeForWindow``) when it closes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from esm_runner.batching import Pending


MAX_STATE_BYTES = 1024 * 1024  # beyond this Lambda ends the window early (isWindowTerminatedEarly)


@dataclass
class Window:
    start: int
    length: int
    state: dict[str, Any] = field(default_factory=dict)
    terminated_early: bool = False

    def keep_state(self, state: dict[str, Any]) -> None:
        """Carry the function's state to the next invocation; an oversized state ends the window early."""
        self.state = state
        self.terminated_early = len(json.dumps(state)) > MAX_STATE_BYTES

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
            "isWindowTerminatedEarly": self.terminated_early,
        }

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "length": self.length, "state": self.state, "early": self.terminated_early}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        return cls(int(data["start"]), int(data["length"]), dict(data.get("state") or {}), bool(data.get("early")))


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
