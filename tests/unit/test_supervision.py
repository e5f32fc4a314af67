"""The supervisor's rules with real (tiny) child processes: restart in place, back-off for quick exits, pauses left
alone, every restart logged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from local_stack import supervision
from local_stack.supervision import Part, Supervisor, describe_exit


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def crasher() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])


def wait_for(condition, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def published():
    return []


def supervisor_of(tmp_path, published, *parts: Part) -> Supervisor:
    return Supervisor(list(parts), tmp_path / "supervisor.log", published.append, interval_s=0.02)


def test_a_killed_part_is_relaunched_at_once_and_logged(tmp_path, published, monkeypatch):
    monkeypatch.setattr(supervision, "STABLE_AFTER_S", 0.0)  # every run counts as stable: no back-off
    part = Part("worker", sleeper, sleeper())
    supervisor = supervisor_of(tmp_path, published, part)
    supervisor.start()
    first = part.process
    try:
        first.send_signal(signal.SIGKILL)
        wait_for(lambda: part.restarts == 1 and part.process.pid != first.pid, "the restart")
        status = supervisor.status()["worker"]
        assert status["state"] == "running" and status["pid"] == part.process.pid
        assert status["last_exit"]["status"] == "killed by SIGKILL" and status["last_exit"]["pid"] == str(first.pid)
        log = [json.loads(line)["message"] for line in (tmp_path / "supervisor.log").read_text().splitlines()]
        assert log[0].startswith(f"worker (pid {first.pid}) killed by SIGKILL") and "restart 1 in 0s" in log[0]
        assert log[1] == f"worker restarted (restart 1), pid {part.process.pid}"
        assert published[-1]["worker"]["restarts"] == 1
    finally:
        supervisor.stop()
        part.process.kill()
        part.process.wait()


def test_a_part_that_keeps_exiting_backs_off_doubling(tmp_path, published):
    part = Part("flaky", crasher, crasher())
    supervisor = supervisor_of(tmp_path, published, part)
    part.process.wait()
    assert supervisor.check(part)  # first quick exit: restarted after FIRST_BACKOFF_S
    status = supervisor.status()["flaky"]
    assert status["state"] == "backing off" and status["quick_exits"] == 1
    assert 0 < status["restart_in_s"] <= supervision.FIRST_BACKOFF_S
    part.restart_at = time.monotonic()  # the back-off is over
    assert supervisor.check(part) and part.restarts == 1
    part.process.wait()
    supervisor.check(part)
    assert part.quick_exits == 2
    assert supervision.FIRST_BACKOFF_S < part.restart_at - time.monotonic() <= 2 * supervision.FIRST_BACKOFF_S
    assert "back-off: 2 quick exits in a row" in (tmp_path / "supervisor.log").read_text()


def test_a_stopped_process_is_paused_not_dead(tmp_path, published):
    part = Part("node", sleeper, sleeper())
    supervisor = supervisor_of(tmp_path, published, part)
    os.kill(part.process.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: supervision.process_state(part.process.pid) == "T", "the stop")
        assert not supervisor.check(part)
        assert part.restarts == 0 and supervisor.status()["node"]["state"].startswith("paused")
    finally:
        part.process.kill()
        part.process.wait()


def test_describe_exit():
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exit 3"
