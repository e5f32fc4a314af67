"""The embedded stack as one object: moto (in this process), a real OpenSearch node and the ESM runner (children).

`make up` runs it in a background supervisor (see __main__.py); the test suite runs it in the pytest process.
Both go through this class so they get the same stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from local_stack.moto_server import start_moto
from local_stack.opensearch_node import OpenSearchNode
from local_stack.process import parent_death_signal

SCRIPTS_DIR = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep every client (Terraform, boto3, the handler) in one account.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
RUNNER_START_TIMEOUT_S = 60


class EmbeddedStack:
    """Start with `start()` (or `with EmbeddedStack(...) as stack`), stop with `stop()`; `env` is what clients need."""

    def __init__(self, state_dir: Path, packages: list[Path], *, poll_interval_s: float = 0.25,
                 opensearch_url: str = "", runner_args: tuple[str, ...] = ()) -> None:
        """`opensearch_url` reuses a node someone else runs (and stops) instead of starting one; `runner_args` are
        extra esm_runner flags (tests shorten its back-off)."""
        self.state_dir = Path(state_dir)
        self.packages = [Path(p).resolve() for p in packages]
        self.poll_interval_s = poll_interval_s
        self.runner_args = list(runner_args)
        self._moto = None
        self.node: OpenSearchNode | None = None
        self.runner: subprocess.Popen | None = None
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

    def start(self) -> EmbeddedStack:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._moto, self.aws_endpoint_url = start_moto()
            if not self.opensearch_url:
                self.node = OpenSearchNode.start()
                self.opensearch_url = self.node.url
            self._start_runner()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_runner(self) -> None:
        cmd = [sys.executable, "-m", "esm_runner", "--endpoint-url", self.aws_endpoint_url, "--region", self.region,
               "--state-dir", str(self.state_dir / "runner"), "--poll-interval", str(self.poll_interval_s),
               *self.runner_args]
        for package in self.packages:
            cmd += ["--package", str(package)]
        env = {**os.environ, **self.env,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS_DIR), os.environ.get("PYTHONPATH")]))}
        log = open(self.runner_log, "ab")
        self.runner = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, preexec_fn=parent_death_signal)
        self._wait_for_runner_output()

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

    def dead_children(self) -> list[str]:
        """Names of the child services that have exited on their own."""
        dead = []
        if self.node is not None and self.node.process.poll() is not None:
            dead.append(f"OpenSearch (exit {self.node.process.returncode})")
        if self.runner is not None and self.runner.poll() is not None:
            dead.append(f"ESM runner (exit {self.runner.returncode})")
        return dead

    def child_pids(self) -> list[int]:
        return [p.pid for p in (self.node.process if self.node else None, self.runner) if p is not None]

    def stop(self) -> None:
        if self.runner is not None and self.runner.poll() is None:
            os.killpg(self.runner.pid, signal.SIGTERM)
            try:
                self.runner.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.runner.pid, signal.SIGKILL)
                self.runner.wait()
        if self.node is not None:
            self.node.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
