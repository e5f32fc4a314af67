"""`python -m local_stack up|down|status`: the embedded stack in the background, for `make up` / `make down`.

`up` starts a supervisor process (`serve`) that owns moto, the OpenSearch node and the ESM runner, and returns once
the supervisor has written `<state-dir>/env` (dotenv) — that is, once everything answers. The supervisor restarts
the node or the runner in place when one of them dies (see supervision.py) and keeps `<state-dir>/status.json`
current; `status` prints it. `down` asks the supervisor to stop and waits until nothing of the stack runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from local_stack.envfile import write_env
from local_stack.stack import STATUS_FILE, EmbeddedStack

UP_TIMEOUT_S = 300
DOWN_TIMEOUT_S = 60


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_pid(state_dir: Path) -> int | None:
    pid_file = state_dir / "pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().strip() or 0)
    return pid if pid and _alive(pid) else None


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def up(state_dir: Path, packages: list[Path]) -> int:
    env_file = state_dir / "env"
    pid = _running_pid(state_dir)
    if pid is not None:
        print(f"The embedded stack is already running (pid {pid}); its settings are in {env_file}. "
              f"`make down` stops it.")
        return 0
    state_dir.mkdir(parents=True, exist_ok=True)
    env_file.unlink(missing_ok=True)
    # moto keeps nothing across restarts, so neither may the Terraform state or runner checkpoints describing it.
    shutil.rmtree(state_dir / "runner", ignore_errors=True)
    for stale in (state_dir / "terraform").glob("terraform.tfstate*"):
        stale.unlink()
    log_path = state_dir / "stack.log"
    cmd = [sys.executable, "-m", "local_stack", "serve", "--state-dir", str(state_dir)]
    for package in packages:
        cmd += ["--package", str(package)]
    with open(log_path, "ab") as log:
        supervisor = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True, env=os.environ.copy())
    deadline = time.monotonic() + UP_TIMEOUT_S
    while not env_file.exists():
        if supervisor.poll() is not None:
            print(f"The embedded stack failed to start (exit {supervisor.returncode}):\n{_tail(log_path)}",
                  file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            _stop(supervisor.pid)
            print(f"The embedded stack did not come up within {UP_TIMEOUT_S}s:\n{_tail(log_path)}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    print(f"The embedded stack is up (pid {supervisor.pid}). Settings in {env_file}:")
    print(env_file.read_text(), end="")
    return 0


def _stop(pid: int) -> bool:
    """SIGTERM the supervisor and wait for it; True when it is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + DOWN_TIMEOUT_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _alive(pid)


def down(state_dir: Path) -> int:
    pid = _running_pid(state_dir)
    if pid is None:
        print("The embedded stack is not running.")
        _forget(state_dir)
        return 0
    if not _stop(pid):
        # The supervisor did not stop in time: kill it and the children it recorded, whatever their state.
        for child in [pid, *_recorded_children(state_dir)]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
    _forget(state_dir)
    print("The embedded stack is stopped.")
    return 0


def _published_status(state_dir: Path) -> dict:
    path = state_dir / STATUS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _recorded_children(state_dir: Path) -> list[int]:
    return [int(part["pid"]) for part in _published_status(state_dir).get("parts", {}).values()]


def _forget(state_dir: Path) -> None:
    for name in ("pid", "env", STATUS_FILE):
        (state_dir / name).unlink(missing_ok=True)


def status(state_dir: Path) -> int:
    pid = _running_pid(state_dir)
    if pid is None:
        print("The embedded stack is not running.")
        return 1
    print(f"The embedded stack is running (supervisor pid {pid}); settings in {state_dir / 'env'}.")
    print("moto: in the supervisor process")
    for name, part in _published_status(state_dir).get("parts", {}).items():
        line = f"{name}: {part['state']}, pid {part['pid']}, restarts {part['restarts']}"
        if part.get("last_exit"):
            last = part["last_exit"]
            line += f" (last: pid {last['pid']} {last['status']} at {last['at']} after {last['uptime_s']}s)"
        if "restart_in_s" in part:
            line += f"; back-off after {part['quick_exits']} quick exits, restart in {part['restart_in_s']}s"
        print(line)
    print(f"restart log: {state_dir / 'supervisor.log'}")
    return 0


def serve(state_dir: Path, packages: list[Path]) -> int:
    """The supervisor: start the stack (which restarts its parts when they die), publish its env file, then wait
    for SIGTERM (`make down`)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    (state_dir / "pid").write_text(str(os.getpid()))
    stack = EmbeddedStack(state_dir, packages)
    try:
        stack.start()
        write_env(state_dir / "env", stack.env)
        print(f"stack up: {stack.env}", flush=True)
        while not stop.wait(1.0):  # a timed wait lets the main thread run the signal handlers
            pass
    finally:
        stack.stop()
        _forget(state_dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "serve"])
    parser.add_argument("--state-dir", type=Path, default=Path(".stack"),
                        help="where the env file, pid, logs and runner checkpoints live (default .stack)")
    parser.add_argument("--package", type=Path, action="append", default=[],
                        help="a Lambda zip the ESM runner may serve, matched to functions by CodeSha256 "
                             "(repeatable; default dist/lambda.zip)")
    args = parser.parse_args(argv)
    packages = args.package or [Path("dist/lambda.zip")]
    state_dir = args.state_dir.resolve()
    if args.command == "up":
        return up(state_dir, packages)
    if args.command == "down":
        return down(state_dir)
    if args.command == "status":
        return status(state_dir)
    return serve(state_dir, packages)


if __name__ == "__main__":
    sys.exit(main())
