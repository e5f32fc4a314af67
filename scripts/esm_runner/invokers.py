"""Invokers: run the deployed zip in a separate, reused process (default), or call the Lambda Invoke API.

The zip invoker finds the deployed code by the function's CodeSha256: it downloads ``Code.Location`` when that is an
HTTP URL served by the endpoint in use (LocalStack, AWS), and otherwise matches the hash against the ``--package``
zips it was given (moto's location is not downloadable).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from collections.abc import Callable

from esm_runner.logs import JsonLog
from esm_runner.wire import event_json

WORKER_SCRIPT = Path(__file__).with_name("zip_worker.py")
PASSED_THROUGH_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PATH", "LANG", "HOME")


class NotInvoked(Exception):
    """The function could not be run (code not found, API error, throttle); the batch is retried, not failed."""


@dataclass(frozen=True)
class Invocation:
    payload: Any
    error: str | None = None
    error_type: str | None = None


class Invoker(Protocol):
    def invoke(self, function_arn: str, event: dict[str, Any]) -> Invocation: ...

    def close(self) -> None: ...


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class LambdaApiInvoker:
    """Calls the function through the Lambda Invoke API (LocalStack, AWS): the service runs it and enforces limits."""

    def __init__(self, lambda_client: Any) -> None:
        self._client = lambda_client

    def invoke(self, function_arn: str, event: dict[str, Any]) -> Invocation:
        try:
            response = self._client.invoke(FunctionName=function_arn, Payload=event_json(event).encode())
        except Exception as exc:  # throttles, missing function, network: errors before invocation
            raise NotInvoked(f"Invoke {function_arn} failed: {exc}") from exc
        body = response["Payload"].read()
        payload = json.loads(body) if body.strip() else None
        if response.get("FunctionError"):
            message = payload.get("errorMessage", body.decode()) if isinstance(payload, dict) else body.decode()
            error_type = payload.get("errorType") if isinstance(payload, dict) else None
            return Invocation(None, message, error_type or response["FunctionError"])
        return Invocation(payload)

    def close(self) -> None:
        """Nothing to release: the service owns the function's processes."""


@dataclass(frozen=True)
class FunctionSpec:
    function_arn: str
    function_name: str
    handler: str
    timeout: float
    memory: int
    environment: tuple[tuple[str, str], ...]
    code_sha: str


class _Worker:
    """One warm function process; requests go in on stdin, replies come back on stdout, prints go to the log."""

    def __init__(self, spec: FunctionSpec, code_dir: Path, env: dict[str, str], log: JsonLog) -> None:
        self.spec = spec
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT), str(code_dir), spec.handler],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=code_dir, env=env, text=True, start_new_session=True,
        )
        threading.Thread(target=self._read_replies, daemon=True).start()
        threading.Thread(target=self._forward_output, args=(log,), daemon=True).start()

    def _read_replies(self) -> None:
        for line in self._process.stdout:  # type: ignore[union-attr]
            self._replies.put(line)
        self._replies.put(None)

    def _forward_output(self, log: JsonLog) -> None:
        for line in self._process.stderr:  # type: ignore[union-attr]
            log.info("function_output", function=self.spec.function_name, line=line.rstrip("\n"))

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, event: dict[str, Any]) -> Invocation:
        request_id = str(uuid.uuid4())
        deadline = time.time() + self.spec.timeout
        request = json.dumps({"request_id": request_id, "function_arn": self.spec.function_arn,
                              "deadline_ms": deadline * 1000})
        try:
            self._process.stdin.write(f"{{\"event\": {event_json(event)}, {request[1:]}\n")  # type: ignore[union-attr]
            self._process.stdin.flush()  # type: ignore[union-attr]
            line = self._replies.get(timeout=max(0.0, deadline - time.time()))
        except queue.Empty:
            self.close()  # Lambda stops the container of a timed-out invocation
            return Invocation(None, f"Task timed out after {self.spec.timeout:.2f} seconds", "Sandbox.Timedout")
        except OSError as exc:
            self.close()
            return Invocation(None, f"function process is gone: {exc}", "Runtime.ExitError")
        if line is None:
            code = self._process.wait()
            return Invocation(None, f"function process exited with code {code}", "Runtime.ExitError")
        reply = json.loads(line)
        if "error" in reply:
            error = reply["error"]
            return Invocation(None, f"{error['errorType']}: {error['errorMessage']}", error["errorType"])
        return Invocation(reply["result"])

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


class ZipInvoker:
    """Runs the deployed zip with the function's handler, environment and timeout in warm, reused processes.

    The function's configuration (GetFunction) is reused for `config_ttl` seconds: a call per invocation cost the
    emulator ~3 ms of CPU each, and an update (new code, environment, timeout) is picked up as soon as the entry is
    that old, as the runner picks up mapping updates on its refresh."""

    def __init__(self, lambda_client: Any, packages: list[Path], cache_dir: Path, *, endpoint_url: str | None,
                 region: str, log: JsonLog, base_env: dict[str, str] | None = None,
                 fetch: Callable[[str], bytes] | None = None, config_ttl: float = 0.0) -> None:
        self._client = lambda_client
        self._packages = [Path(p) for p in packages]
        self._cache_dir = Path(cache_dir)
        self._endpoint_url = endpoint_url
        self._region = region
        self._log = log
        self._base_env = dict(os.environ if base_env is None else base_env)
        self._fetch = fetch or _http_get
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._package_hashes: dict[tuple[Path, float, int], str] = {}
        self._config_ttl = config_ttl
        self._prepared: dict[str, tuple[float, FunctionSpec, Path]] = {}

    def invoke(self, function_arn: str, event: dict[str, Any]) -> Invocation:
        spec, code_dir = self._prepare(function_arn)
        worker = self._acquire(spec, code_dir)
        try:
            return worker.invoke(event)
        finally:
            self._release(worker)

    def close(self) -> None:
        with self._lock:
            workers = self._idle + list(self._busy)
            self._idle, self._busy = [], set()
        for worker in workers:
            worker.close()

    def _prepare(self, function_arn: str) -> tuple[FunctionSpec, Path]:
        cached = self._prepared.get(function_arn)
        if cached is not None and time.monotonic() - cached[0] < self._config_ttl:
            return cached[1], cached[2]
        spec, code_dir = self._fetch_function(function_arn)
        self._prepared[function_arn] = (time.monotonic(), spec, code_dir)
        return spec, code_dir

    def _fetch_function(self, function_arn: str) -> tuple[FunctionSpec, Path]:
        try:
            function = self._client.get_function(FunctionName=function_arn)
        except Exception as exc:
            raise NotInvoked(f"GetFunction {function_arn} failed: {exc}") from exc
        config = function["Configuration"]
        spec = FunctionSpec(
            function_arn=config["FunctionArn"],
            function_name=config["FunctionName"],
            handler=config.get("Handler") or "",
            timeout=float(config.get("Timeout") or 3),
            memory=int(config.get("MemorySize") or 128),
            environment=tuple(sorted(((config.get("Environment") or {}).get("Variables") or {}).items())),
            code_sha=config["CodeSha256"],
        )
        runtime = config.get("Runtime") or ""
        if not runtime.startswith("python"):
            raise NotInvoked(f"function {spec.function_name}: runtime {runtime!r} cannot run in the zip invoker, "
                             "which runs Python handlers; use --invoker lambda-api for other runtimes")
        if "." not in spec.handler:
            raise NotInvoked(f"function {spec.function_name}: Handler {spec.handler!r} is not 'module.function'")
        return spec, self._code_dir(spec, (function.get("Code") or {}).get("Location"))

    def _code_dir(self, spec: FunctionSpec, location: str | None) -> Path:
        target = self._cache_dir / hashlib.sha256(spec.code_sha.encode()).hexdigest()[:32]
        if (target / ".complete").exists():
            return target
        data = self._download(location, spec.code_sha) or self._from_packages(spec)
        with self._lock:
            if not (target / ".complete").exists():
                staging = target.with_name(target.name + f".tmp{threading.get_ident()}")
                staging.mkdir(parents=True, exist_ok=True)
                archive = staging / "code.zip"
                archive.write_bytes(data)
                with zipfile.ZipFile(archive) as zipped:
                    zipped.extractall(staging / "code")
                (staging / ".complete").touch()
                staging.rename(target)
        return target

    def _download(self, location: str | None, expected_sha: str) -> bytes | None:
        """Code.Location is used only when it is served by the endpoint in use (or by AWS when there is none)."""
        if not location or not location.startswith(("http://", "https://")):
            return None
        if self._endpoint_url and urllib.parse.urlsplit(location).netloc != urllib.parse.urlsplit(
                self._endpoint_url).netloc:
            return None
        try:
            data = self._fetch(location)
        except OSError as exc:
            self._log.warning("code_download_failed", location=location, error=str(exc))
            return None
        return data if code_sha256(data) == expected_sha else None

    def _from_packages(self, spec: FunctionSpec) -> bytes:
        candidates: dict[str, str] = {}
        for path in self._packages:
            try:
                stat = path.stat()
            except OSError:
                candidates[str(path)] = "missing"
                continue
            key = (path, stat.st_mtime, stat.st_size)
            if key not in self._package_hashes:
                self._package_hashes[key] = code_sha256(path.read_bytes())
            candidates[str(path)] = self._package_hashes[key]
            if self._package_hashes[key] == spec.code_sha:
                return path.read_bytes()
        listing = ", ".join(f"{p} (CodeSha256 {sha})" for p, sha in candidates.items()) or "none given"
        raise NotInvoked(
            f"function {spec.function_name}: no --package zip matches its CodeSha256 {spec.code_sha}; "
            f"candidates: {listing}. Pass the zip that was deployed with --package."
        )

    def _environment(self, spec: FunctionSpec, code_dir: Path) -> dict[str, str]:
        env = {k: self._base_env[k] for k in PASSED_THROUGH_ENV if k in self._base_env}
        env.update(dict(spec.environment))
        env.update({
            "AWS_REGION": self._region,
            "AWS_DEFAULT_REGION": self._region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
        })
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if key in self._base_env:
                env[key] = self._base_env[key]
        if self._endpoint_url:
            env["AWS_ENDPOINT_URL"] = self._endpoint_url
        return env

    def _acquire(self, spec: FunctionSpec, code_dir: Path) -> _Worker:
        with self._lock:
            stale = [w for w in self._idle
                     if not w.alive or (w.spec.function_arn == spec.function_arn and w.spec != spec)]
            for worker in self._idle:
                if worker.spec == spec and worker.alive:
                    self._idle.remove(worker)
                    self._busy.add(worker)
                    break
            else:
                worker = None
            self._idle = [w for w in self._idle if w not in stale]
        for old in stale:  # exited, or the function's code or configuration changed: retire old processes
            old.close()
        if worker is None:
            worker = _Worker(spec, code_dir / "code", self._environment(spec, code_dir / "code"), self._log)
            with self._lock:
                self._busy.add(worker)
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if worker.alive:
                self._idle.append(worker)


def _http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the endpoint the user pointed us at
        return response.read()
