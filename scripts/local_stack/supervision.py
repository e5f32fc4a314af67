"""Keep the stack's child processes running: a part that exits on its own is started again, in place.

Liveness is the process itself (waitpid), never an HTTP probe: a node paused by SIGSTOP, or busy in a long GC, is
alive and is left alone (its callers retry, as they would against a slow cluster); restarting it would kill a
healthy node and start a storm. Only an exit (a crash, kill -9, an OOM kill) counts. A part that exits again
soon after being started is restarted after a doubling back-off, so a part that cannot start does not spin.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

# A part that ran this long before exiting is restarted at once; one that exits sooner backs off.
STABLE_AFTER_S = 30.0
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


def describe_exit(returncode: int) -> str:
    """`killed by SIGKILL` for a signal, `exit 3` for an exit status (Popen gives signals as negative codes)."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit {returncode}"


def process_state(pid: int) -> str:
    """The kernel's state letter for a live process (R, S, D, T = stopped, ...), '' when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]  # the name field may hold spaces; the state follows its ')'


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Part:
    """One supervised child. `launch` starts it (again) with the same arguments, ports and data; `process` is the
    current process."""

    name: str
    launch: Callable[[], subprocess.Popen]
    process: subprocess.Popen
    restarts: int = 0
    quick_exits: int = 0  # consecutive exits within STABLE_AFTER_S of a start
    started_at: float = field(default_factory=time.monotonic)
    restart_at: float | None = None  # set while waiting out a back-off
    last_exit: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        alive = self.process.poll() is None
        state = "running" if alive else "backing off" if self.restart_at is not None else "exited"
        if alive and process_state(self.process.pid) == "T":
            state = "paused (stopped by a signal; alive, not restarted)"
        summary: dict[str, object] = {"pid": self.process.pid, "state": state, "restarts": self.restarts,
                                      "last_exit": self.last_exit}
        if self.restart_at is not None:
            summary["restart_in_s"] = round(max(0.0, self.restart_at - time.monotonic()), 1)
            summary["quick_exits"] = self.quick_exits
        return summary


class Supervisor:
    """Watches the parts from a thread; every restart is logged (one line in `log_path`) and `on_change` is called
    with the new status so it can be published (`status_path` of the stack)."""

    def __init__(self, parts: list[Part], log_path: Path, on_change: Callable[[dict], None],
                 interval_s: float = 0.5) -> None:
        self.parts = {part.name: part for part in parts}
        self.log_path, self.on_change, self.interval_s = log_path, on_change, interval_s
        self.rounds = 0  # completed checks of every part (tests wait on it instead of sleeping)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stack-supervisor", daemon=True)

    def start(self) -> None:
        self.on_change(self.status())
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the parts keep running; the stack stops them)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def status(self) -> dict[str, object]:
        return {name: part.summary() for name, part in self.parts.items()}

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if any([self.check(part) for part in self.parts.values()]):
                    self.on_change(self.status())
            except Exception as exc:  # noqa: BLE001 - this thread must outlive any one failure: children restarted
                # from it get SIGTERM (their parent-death signal) when it ends
                self._log(f"supervisor round failed: {type(exc).__name__}: {exc}")
            self.rounds += 1

    def check(self, part: Part) -> bool:
        """Handle one part's exit or back-off; True when something changed."""
        now = time.monotonic()
        if part.restart_at is None:
            returncode = part.process.poll()
            if returncode is None:
                return False
            uptime = now - part.started_at
            part.quick_exits = part.quick_exits + 1 if uptime < STABLE_AFTER_S else 0
            backoff = 0.0 if part.quick_exits == 0 else min(FIRST_BACKOFF_S * 2 ** (part.quick_exits - 1),
                                                             MAX_BACKOFF_S)
            part.last_exit = {"pid": str(part.process.pid), "status": describe_exit(returncode), "at": _now(),
                              "uptime_s": f"{uptime:.1f}"}
            part.restart_at = now + backoff
            self._log(f"{part.name} (pid {part.process.pid}) {describe_exit(returncode)} after {uptime:.1f}s; "
                      f"restart {part.restarts + 1} in {backoff:.0f}s"
                      + (f" (back-off: {part.quick_exits} quick exits in a row)" if backoff else ""))
        if now < part.restart_at:
            return True
        part.restart_at = None
        part.started_at = time.monotonic()
        try:
            process = part.launch()
        except Exception as exc:  # a launch that fails counts as a quick exit of a process that never ran
            part.restarts += 1
            self._log(f"{part.name}: restart {part.restarts} failed to launch: {exc}")
            part.quick_exits += 1
            part.restart_at = time.monotonic() + min(FIRST_BACKOFF_S * 2 ** (part.quick_exits - 1), MAX_BACKOFF_S)
            return True
        # Counted once the new process is in place: whoever sees the count go up must find the new process.
        part.process, part.restarts = process, part.restarts + 1
        self._log(f"{part.name} restarted (restart {part.restarts}), pid {part.process.pid}")
        return True

    def _log(self, message: str) -> None:
        line = json.dumps({"at": _now(), "event": "supervisor", "message": message})
        with open(self.log_path, "a") as log:
            log.write(line + "\n")
