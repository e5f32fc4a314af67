"""Durable checkpoints: per mapping, per shard, the last sequence number whose records (and all before it) were
handled, and the retry state of batches in flight, written atomically to --state-dir so a restarted runner resumes
after the checkpoint (at-least-once, nothing skipped) with the retry budget already used."""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any


class CheckpointStore:
    """``<state_dir>/<mapping uuid>.json`` = {"shards": {shard_id: {"sequence", "finished", "window", "attempts"}}},
    ``attempts`` = {first sequence of an in-flight chunk: {"size", "retries", "invocations", "first_failure"}}."""

    def __init__(self, state_dir: Path, mapping_uuid: str) -> None:
        self._path = Path(state_dir) / f"{mapping_uuid}.json"
        self._lock = threading.Lock()
        self._data: dict[str, Any] = {"shards": {}}
        if self._path.exists():
            self._data = json.loads(self._path.read_text())

    def shard(self, shard_id: str) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._data["shards"].get(shard_id, {})))

    def update(self, shard_id: str, **fields: Any) -> None:
        with self._lock:
            self._data["shards"].setdefault(shard_id, {}).update(fields)
            self._write()

    def attempts(self, shard_id: str) -> AttemptLog:
        return AttemptLog(self, shard_id)

    def attempt_state(self, shard_id: str, first_sequence: str) -> dict[str, Any] | None:
        with self._lock:
            saved = self._data["shards"].get(shard_id, {}).get("attempts", {}).get(first_sequence)
            return dict(saved) if saved is not None else None

    def save_attempt_state(self, shard_id: str, first_sequence: str, state: dict[str, Any] | None) -> None:
        with self._lock:
            attempts = self._data["shards"].setdefault(shard_id, {}).setdefault("attempts", {})
            if state is None and first_sequence not in attempts:
                return
            if state is None:
                del attempts[first_sequence]
            else:
                attempts[first_sequence] = state
            self._write()

    def forget_attempts_up_to(self, shard_id: str, sequence: int) -> None:
        """Drop the state of chunks at or below the checkpoint (left by a stop between delivery and cleanup)."""
        with self._lock:
            attempts = self._data["shards"].get(shard_id, {}).get("attempts", {})
            stale = [key for key in attempts if int(key) <= sequence]
            for key in stale:
                del attempts[key]
            if stale:
                self._write()

    def _write(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(f".tmp{threading.get_ident()}")
        temporary.write_text(json.dumps(self._data, sort_keys=True))
        with open(temporary, "rb+") as handle:  # on disk before the rename: a power cut keeps old or new, never none
            os.fsync(handle.fileno())
        os.replace(temporary, self._path)  # atomic: a crash leaves the old or the new checkpoint, never half


class AttemptLog:
    """The ``retry.AttemptStore`` of one shard, kept in the mapping's checkpoint file."""

    def __init__(self, store: CheckpointStore, shard_id: str) -> None:
        self._store = store
        self._shard_id = shard_id

    def load(self, first_sequence: str) -> dict[str, Any] | None:
        return self._store.attempt_state(self._shard_id, first_sequence)

    def save(self, first_sequence: str, state: dict[str, Any] | None) -> None:
        self._store.save_attempt_state(self._shard_id, first_sequence, state)


class ContiguousProgress:
    """Tracks records of one shard in stream order; the checkpoint may only move past records that are all done,
    even when parallel lanes finish out of order. Records are tracked by their position in the shard, not by
    sequence number, so a duplicated number can neither freeze progress nor mark an unwritten record done."""

    def __init__(self) -> None:
        self._order: deque[tuple[int, int]] = deque()  # (position, sequence number)
        self._done: set[int] = set()
        self._positions = itertools.count()
        self._lock = threading.Lock()

    def add(self, sequence: int, done: bool = False) -> int:
        """Track the next record of the shard; returns its position (what ``mark_done`` takes)."""
        with self._lock:
            position = next(self._positions)
            self._order.append((position, sequence))
            if done:
                self._done.add(position)
            return position

    def mark_done(self, positions: list[int]) -> None:
        with self._lock:
            self._done.update(positions)

    def advance(self) -> int | None:
        """Drop the leading done records and return the sequence number of the last of them, if any."""
        with self._lock:
            last = None
            while self._order and self._order[0][0] in self._done:
                position, last = self._order.popleft()
                self._done.discard(position)
            return last

    def idle(self) -> bool:
        with self._lock:
            return not self._order
