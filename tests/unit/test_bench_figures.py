"""The machine-wide figures of `make bench` (tests/bench): how /proc/stat is read and what a burst's CPU means."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import e2e  # noqa: E402
import run  # noqa: E402


def test_machine_busy_counts_every_state_but_idle_and_iowait(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal ...
    stat.write_text("cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\n")
    monkeypatch.setattr(run, "PROC_STAT", stat)
    assert run.machine_busy_s() == pytest.approx(160 / os.sysconf("SC_CLK_TCK"))


def test_waiting_for_a_quiet_machine_returns_at_once_without_proc_stat(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "PROC_STAT", tmp_path / "absent")
    monkeypatch.setattr(run.time, "sleep", lambda _: pytest.fail("waited on a machine it cannot measure"))
    run.wait_until_quiet()


def test_core_figures_say_how_many_cores_were_busy_and_the_rate_with_all_of_them():
    assert e2e.core_figures(3.0, 2.0, 3000, 2) == {"cores_busy": 1.5, "records_per_s_if_every_core_were_busy": 2000.0}
    assert e2e.core_figures(None, 2.0, 3000, 2) == {}  # no /proc/stat: the rows are left out
