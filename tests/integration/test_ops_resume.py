"""An interrupted backfill (SIGINT, SIGKILL) resumes from its checkpoint without reading finished segments or
acknowledged pages again, and the index ends equal to the table."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops_helpers import Adopted, run_cli

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 1200
SEGMENTS = 8


def start_backfill(adopted: Adopted, checkpoint: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lambda", "ops"))}
    # one worker and small, budgeted pages: segments finish one after another, slowly enough to stop halfway
    return subprocess.Popen([sys.executable, "-m", "ddb_opensearch_sync_ops", "backfill", *adopted.flags(), "--json",
                             "--segments", str(SEGMENTS), "--workers", "1", "--page-limit", "10", "--read-units", "40",
                             "--checkpoint", str(checkpoint), "--progress-interval", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_segments(checkpoint: Path, done: int, process: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if checkpoint.exists():
            state = json.loads(checkpoint.read_text())
            if sum(s["done"] for s in state["segments"].values()) >= done:
                return state
        time.sleep(0.05)
    raise AssertionError("the backfill never finished two segments")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_backfill_resumes_without_rereading(stack, lambda_zip, tmp_path, monkeypatch, sig):
    adopted = Adopted(stack, lambda_zip, ITEMS, monkeypatch)
    assert run_cli("setup-index", *adopted.flags())[0] == 0
    adopted.deploy()
    checkpoint = tmp_path / "cp.json"
    process = start_backfill(adopted, checkpoint)
    wait_for_segments(checkpoint, 2, process)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert process.returncode == 130, err
        assert json.loads(out.splitlines()[-1])["status"] == "interrupted"
    else:
        assert process.returncode == -signal.SIGKILL
    state = json.loads(checkpoint.read_text())
    finished = sorted(int(s) for s, entry in state["segments"].items() if entry["done"])
    recorded = sum(entry["items"] for entry in state["segments"].values())
    assert 2 <= len(finished) < SEGMENTS and recorded < ITEMS

    status, resumed, err = run_cli("backfill", *adopted.flags(), "--segments", str(SEGMENTS),
                                   "--checkpoint", str(checkpoint))
    assert status == 0, f"{resumed}\n{err}"
    assert resumed["resumed"] and resumed["version"] == state["version"]
    assert resumed["segments_already_done"] == len(finished)
    assert resumed["segments_scanned"] == SEGMENTS - len(finished)
    assert resumed["items_read"] == ITEMS - recorded  # neither finished segments nor acknowledged pages read again
    adopted.converge()
