"""The embedded stack as one object: moto (in this process), a real OpenSearch node and the ESM runner (children).

`make up` runs it in a background supervisor (see __main__.py); the test suite runs it in the pytest process.
Both go through this class so they get the same stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from local_stack.fault_proxy import FaultProxy
from local_stack.moto_server import start_moto
from local_stack.opensearch_node import OpenSearchNode
from local_stack.process import parent_death_signal
from local_stack.supervision import Part, Supervisor

SCRIPTS_DIR = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep every client (Terraform, boto3, the handler) in one account.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
RUNNER_START_TIMEOUT_S = 60
STATUS_FILE = "status.json"


class EmbeddedStack:
    """Start with `start()` (or `with EmbeddedStack(...) as stack`), stop with `stop()`; `env` is what clients need.

    While it runs, a supervisor restarts the OpenSearch node (same port, same data) or the runner (same arguments,
    same checkpoints) when one exits on its own; `status()` (and `status.json` in the state directory, which
    `make status` prints) says what runs and what was restarted. Only `stop()` stops them.
    """

    def __init__(self, state_dir: Path, packages: list[Path], *, poll_interval_s: float = 0.25,
                 opensearch_url: str = "", runner_args: tuple[str, ...] = (), fault_proxy: bool = False) -> None:
        """`opensearch_url` reuses a node someone else runs (and stops) instead of starting one; `runner_args` are
        extra esm_runner flags (tests shorten its back-off); `fault_proxy` puts a FaultProxy in front of the node
        (`proxy.url`) for functions to be pointed at, so tests can inject HTTP faults."""
        self.state_dir = Path(state_dir)
        self.packages = [Path(p).resolve() for p in packages]
        self.poll_interval_s = poll_interval_s
        self.runner_args = list(runner_args)
        self.want_proxy = fault_proxy
        self._moto = None
        self.node: OpenSearchNode | None = None
        self.runner: subprocess.Popen | None = None
        self.proxy: FaultProxy | None = None
        self.supervisor: Supervisor | None = None
        self.aws_endpoint_url = ""
        self.opensearch_url = opensearch_url
        self.region = REGION

    @property
    def env(self) -> dict[str, str]:
        """The dotenv contract of `.stack/env`."""
        return {"AWS_ENDPOINT_URL": self.aws_endpoint_url, "OPENSEARCH_URL": self.opensearch_url,
                "AWS_DEFAULT_REGION": self.region, **CREDENTIALS}

    @property
    def runner_log(self) -> Path:
        return self.state_dir / "runner.log"

    @property
    def runner_state_dir(self) -> Path:
        return self.state_dir / "runner"

    @property
    def status_path(self) -> Path:
        return self.state_dir / STATUS_FILE

    @property
    def supervisor_log(self) -> Path:
        return self.state_dir / "supervisor.log"

    def start(self) -> EmbeddedStack:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._moto, self.aws_endpoint_url = start_moto()
            if not self.opensearch_url:
                self.node = OpenSearchNode.start()
                self.opensearch_url = self.node.url
            if self.want_proxy:
                self.proxy = FaultProxy(self.opensearch_url).start()
            self.runner = self._launch_runner()
            self._wait_for_runner_output()
            parts = [Part("esm-runner", self._launch_runner, self.runner)]
            if self.node is not None:
                parts.insert(0, Part("opensearch", self.node.launch, self.node.process))
            self.supervisor = Supervisor(parts, self.supervisor_log, self._publish)
            self.supervisor.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch_runner(self) -> subprocess.Popen:
        """Start the runner (again) with the same arguments and state directory: it resumes from its checkpoints."""
        cmd = [sys.executable, "-m", "esm_runner", "--endpoint-url", self.aws_endpoint_url, "--region", self.region,
               "--state-dir", str(self.runner_state_dir), "--poll-interval", str(self.poll_interval_s),
               *self.runner_args]
        for package in self.packages:
            cmd += ["--package", str(package)]
        env = {**os.environ, **self.env,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS_DIR), os.environ.get("PYTHONPATH")]))}
        with open(self.runner_log, "ab") as log:
            self.runner = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True,
                                           preexec_fn=parent_death_signal)
        return self.runner

    def _wait_for_runner_output(self) -> None:
        """The runner has no port to probe; its first log line says it is up (or why it is not)."""
        deadline = time.monotonic() + RUNNER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.runner.poll() is not None:
                raise RuntimeError(f"the ESM runner exited with {self.runner.returncode}:\n{self.runner_tail()}")
            if self.runner_log.exists() and self.runner_log.stat().st_size > 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the ESM runner wrote nothing within {RUNNER_START_TIMEOUT_S}s")

    def runner_tail(self, lines: int = 40) -> str:
        if not self.runner_log.exists():
            return ""
        return "\n".join(self.runner_log.read_text(errors="replace").splitlines()[-lines:])

    def status(self) -> dict[str, object]:
        """What runs: each supervised part's pid, state, restarts and last exit; plus the endpoints."""
        return {"supervisor_pid": os.getpid(), "env": self.env,
                "fault_proxy": self.proxy.url if self.proxy else None,
                "parts": self.supervisor.status() if self.supervisor else {}}

    def _publish(self, _parts: dict) -> None:
        write_json_atomically(self.status_path, self.status())

    def stop(self) -> None:
        """Stop everything, paused parts included; nothing of the stack runs afterwards."""
        if self.supervisor is not None:
            self.supervisor.stop()  # first, so nothing is restarted while it stops
        if self.runner is not None and self.runner.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.runner.pid, signal.SIGCONT)
                os.killpg(self.runner.pid, signal.SIGTERM)
            try:
                self.runner.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.runner.pid, signal.SIGKILL)
                self.runner.wait()
        if self.node is not None:
            self.node.stop()
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self.status_path.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_json_atomically(path: Path, data: object) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.replace(temporary, path)
