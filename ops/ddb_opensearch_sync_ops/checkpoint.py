"""Backfill checkpoint: per scan segment, the last page whose documents OpenSearch acknowledged, and whether the
segment is finished. Rewritten atomically (write, fsync, rename) after every page, so a kill at any moment
loses at most the pages in flight and a resume never re-reads a finished segment."""
from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any

FORMAT = 1


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class Checkpoint:
    def __init__(self, path: Path, state: dict[str, Any]) -> None:
        self.path, self.state = Path(path), state
        self._lock = threading.Lock()

    @classmethod
    def new(cls, path: Path, *, table: str, index: str, segments: int, version: int, started: float) -> "Checkpoint":
        state = {"format": FORMAT, "table": table, "index": index, "total_segments": segments, "version": version,
                 "started": started, "complete": False,
                 "segments": {str(s): {"done": False, "last_key": None, "items": 0} for s in range(segments)}}
        checkpoint = cls(path, state)
        checkpoint.save()
        return checkpoint

    @classmethod
    def load(cls, path: Path) -> "Checkpoint | None":
        path = Path(path)
        if not path.exists():
            return None
        state = json.loads(path.read_text())
        if state.get("format") != FORMAT:
            raise ValueError(f"checkpoint {path} has format {state.get('format')!r}, expected {FORMAT}")
        return cls(path, state)

    def segment(self, segment: int) -> dict[str, Any]:
        entry = self.state["segments"][str(segment)]
        return {**entry, "last_key": _decode(entry["last_key"])}

    def pending(self) -> list[int]:
        return [int(s) for s, entry in self.state["segments"].items() if not entry["done"]]

    def advance(self, segment: int, last_key: dict[str, Any] | None, items: int) -> None:
        with self._lock:
            entry = self.state["segments"][str(segment)]
            entry["items"] += items
            entry["last_key"] = _encode(last_key)
            entry["done"] = last_key is None
            self.state["complete"] = all(e["done"] for e in self.state["segments"].values())
            self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w") as out:
            json.dump(self.state, out, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
