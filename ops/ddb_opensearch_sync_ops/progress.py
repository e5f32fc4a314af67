"""Progress while a command runs (a tqdm bar on a terminal, plain periodic lines otherwise) and its closing summary."""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO


class Progress:
    """Thread-safe item counter. `extra()` supplies text such as '3/8 segments done' for the plain lines."""

    def __init__(self, label: str, total: int | None = None, interval: float = 10.0, stream: TextIO | None = None,
                 bar: bool | None = None) -> None:
        stream = stream or sys.stderr
        self.label, self.stream, self.interval = label, stream, interval
        self.count, self.started = 0, time.monotonic()
        self._lock = threading.Lock()
        self._last = self.started
        self.extra = lambda: ""
        self._bar = None
        if bar if bar is not None else stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total or None, desc=label, unit="item", file=stream, dynamic_ncols=True)

    def add(self, n: int) -> None:
        with self._lock:
            self.count += n
            if self._bar is not None:
                self._bar.update(n)
                return
            now = time.monotonic()
            if now - self._last < self.interval:
                return
            self._last = now
        rate = self.count / max(now - self.started, 1e-9)
        extra = self.extra()
        print(f"{self.label}: {self.count} items, {rate:.0f}/s{', ' + extra if extra else ''}", file=self.stream,
              flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def report(summary: dict[str, Any], as_json: bool, stream: TextIO | None = None) -> None:
    """The closing summary: one JSON object with --json, else one 'key: value' line per entry."""
    stream = stream or sys.stdout
    if as_json:
        print(json.dumps(summary, default=str, sort_keys=True), file=stream, flush=True)
        return
    for key, value in summary.items():
        if isinstance(value, (list, dict)):
            value = json.dumps(value, default=str)
        print(f"{key}: {value}", file=stream)
    stream.flush()


def timing(progress: Progress, items: int) -> dict[str, Any]:
    seconds = progress.elapsed
    return {"seconds": round(seconds, 3), "items_per_second": round(items / seconds, 1) if seconds > 0 else None}
