"""Durable checkpoints: per mapping, per shard, the last sequence number whose records (and all before it) were
handled, written atomically to --state-dir so a restarted runner resumes after it (at-least-once, nothing skipped)."""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any


class CheckpointStore:
    """``<state_dir>/<mapping uuid>.json`` = {"shards": {shard_id: {"sequence", "finished", "window"}}}."""

    def __init__(self, state_dir: Path, mapping_uuid: str) -> None:
        self._path = Path(state_dir) / f"{mapping_uuid}.json"
        self._lock = threading.Lock()
        self._data: dict[str, Any] = {"shards": {}}
        if self._path.exists():
            self._data = json.loads(self._path.read_text())

    def shard(self, shard_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._data["shards"].get(shard_id, {}))

    def update(self, shard_id: str, **fields: Any) -> None:
        with self._lock:
            self._data["shards"].setdefault(shard_id, {}).update(fields)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_suffix(f".tmp{threading.get_ident()}")
            temporary.write_text(json.dumps(self._data, sort_keys=True))
            os.replace(temporary, self._path)  # atomic: a crash leaves the old or the new checkpoint, never half


class ContiguousProgress:
    """Tracks records of one shard in stream order; the checkpoint may only move past records that are all done,
    even when parallel lanes finish out of order."""

    def __init__(self) -> None:
        self._order: deque[int] = deque()
        self._done: set[int] = set()
        self._lock = threading.Lock()

    def add(self, sequence: int, done: bool = False) -> None:
        with self._lock:
            self._order.append(sequence)
            if done:
                self._done.add(sequence)

    def mark_done(self, sequences: list[int]) -> None:
        with self._lock:
            self._done.update(sequences)

    def advance(self) -> int | None:
        """Drop the leading done records and return the last of them (the new checkpoint), if any."""
        with self._lock:
            last = None
            while self._order and self._order[0] in self._done:
                last = self._order.popleft()
                self._done.discard(last)
            return last

    def idle(self) -> bool:
        with self._lock:
            return not self._order
