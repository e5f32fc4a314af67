"""A real single-node OpenSearch on 127.0.0.1, from the Maven artifact of the minimal distribution.

The distribution zip is fetched once with `mvn dependency:copy` into a cache directory and unpacked there; every
node gets its own scratch directory (config copy, data, logs) so nodes never share state and the unpacked
distribution stays read-only. OpenSearch refuses to run as root (its start-up check: "can not run opensearch as
root"), so when we are root the node runs as an unprivileged system user, created if missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

from local_stack.ports import free_port
from local_stack.process import parent_death_signal

VERSION = os.environ.get("OPENSEARCH_VERSION", "2.19.6")
ARTIFACT = "org.opensearch.distribution.integ-test-zip:opensearch:{version}:zip"
NODE_USER = "opensearch"
HEAP = os.environ.get("OPENSEARCH_HEAP", "512m")
# The embedded node compiles with the JVM's first JIT tier only (C1). With the default tiers, C2 compiled for ~12 s of
# CPU during the first 12,000-record run on a fresh node (70 % of the node's CPU; still 1.8 s in the fourth run),
# CPU that on 2 cores is taken from moto and the runner; C1's code indexed those runs for less CPU in total and the
# node starts in ~5 s instead of ~9. A production-like node (`production_jit=True`, the benchmark's handler-vs-node
# section) keeps the default tiers. OPENSEARCH_JIT_OPTIONS overrides ("" = the JVM's defaults).
QUICK_JIT = os.environ.get("OPENSEARCH_JIT_OPTIONS", "-XX:TieredStopAtLevel=1")
START_TIMEOUT_S = 180


def cache_dir() -> Path:
    """Where the zip and the unpacked distribution live. Root's home is not readable by the node's user, so
    root caches under /var/cache; everyone else under XDG_CACHE_HOME."""
    if "DDB_OPENSEARCH_SYNC_CACHE" in os.environ:
        return Path(os.environ["DDB_OPENSEARCH_SYNC_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/ddb-opensearch-sync")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ddb-opensearch-sync"


def distribution(version: str = VERSION) -> Path:
    """The unpacked distribution's home directory, fetching and unpacking it on first use."""
    root = cache_dir()
    home = root / f"opensearch-{version}"
    if (home / ".unpacked").exists():
        return home
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"opensearch-{version}.zip"
    if not archive.exists():
        _fetch(version, root)
    staging = Path(tempfile.mkdtemp(dir=root))
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(staging)
    for script in (staging / f"opensearch-{version}" / "bin").iterdir():
        script.chmod(0o755)
    shutil.rmtree(home, ignore_errors=True)
    (staging / f"opensearch-{version}").rename(home)
    shutil.rmtree(staging)
    _make_world_readable(root)
    (home / ".unpacked").touch()
    return home


def _fetch(version: str, into: Path) -> None:
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch OpenSearch; install it (e.g. apt-get install maven)")
    cmd = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT.format(version=version)}",
           f"-DoutputDirectory={into}"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"fetching OpenSearch {version} with Maven failed:\n{result.stdout}\n{result.stderr}")


def _make_world_readable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0))


def _point_jvm_files_at(scratch: Path) -> None:
    """jvm.options names logs/ and data/ relative to the distribution's home, which the node's user cannot write."""
    options = scratch / "config" / "jvm.options"
    text = options.read_text()
    text = text.replace("=logs/", f"={scratch}/logs/").replace("HeapDumpPath=data", f"HeapDumpPath={scratch}/data")
    options.write_text(text)


def _java_home() -> str:
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            return os.environ[var]
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java 17+ is needed to run OpenSearch; set JAVA_HOME or put java on PATH")
    return str(Path(java).resolve().parent.parent)


def _node_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the node as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(NODE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NODE_USER],
                       check=True)
        return pwd.getpwnam(NODE_USER)


class OpenSearchNode:
    """One node. Use `opensearch_node()` to get one that is stopped on exit.

    The scratch directory and both ports are chosen once: `launch()` starts (or, after a crash, restarts) the JVM on
    the same ports over the same data, so a restarted node still holds every index it had. Only `stop()` deletes it.
    """

    def __init__(self, home: Path, scratch: Path, http_port: int, transport_port: int, jit_options: str = QUICK_JIT
                 ) -> None:
        self.home, self.scratch, self.http_port, self.transport_port = home, scratch, http_port, transport_port
        self.jit_options = jit_options
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{http_port}"

    @classmethod
    def start(cls, version: str = VERSION, scratch_parent: str | None = None, production_jit: bool = False
              ) -> OpenSearchNode:
        """A new node with its own scratch directory, running and answering; with the JVM's default JIT tiers
        when `production_jit`, else with `QUICK_JIT`."""
        home = distribution(version)
        scratch = Path(tempfile.mkdtemp(prefix="opensearch-node-", dir=scratch_parent))
        shutil.copytree(home / "config", scratch / "config")
        _point_jvm_files_at(scratch)
        for sub in ("data", "logs", "tmp"):
            (scratch / sub).mkdir()
        user = _node_user()
        if user is not None:
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
        node = cls(home, scratch, free_port(), free_port(), "" if production_jit else QUICK_JIT)
        try:
            node.launch()
            node.wait_until_ready()
        except BaseException:
            node.stop()
            raise
        return node

    def launch(self) -> subprocess.Popen:
        """Start the JVM (again) on this node's ports and data directory; returns at once, without waiting."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "JAVA_HOME": _java_home(),
            "OPENSEARCH_PATH_CONF": str(self.scratch / "config"),
            "OPENSEARCH_TMPDIR": str(self.scratch / "tmp"),
            "OPENSEARCH_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP} {self.jit_options}".rstrip(),
        }
        cmd = [str(self.home / "bin" / "opensearch"),
               "-Ediscovery.type=single-node", "-Enetwork.host=127.0.0.1",
               f"-Ehttp.port={self.http_port}", f"-Etransport.port={self.transport_port}",
               f"-Epath.data={self.scratch / 'data'}", f"-Epath.logs={self.scratch / 'logs'}",
               # A nearly full laptop disk must not turn the index read-only in the middle of a demo.
               "-Ecluster.routing.allocation.disk.threshold_enabled=false"]
        user = _node_user()
        if user is not None:
            # Changing the user clears a parent-death signal set before it, so setpriv sets it again afterwards.
            cmd = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                   "--pdeathsig=TERM", *cmd]
        with open(self.scratch / "console.log", "ab") as log:  # appended: a restart keeps the crash's output
            self.process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,
                                            preexec_fn=parent_death_signal)
        return self.process

    def wait_until_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        health = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=5s"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                returncode = self.process.returncode if self.process else "no process"
                raise RuntimeError(f"OpenSearch exited with {returncode}:\n{self.console_tail()}")
            try:
                with urllib.request.urlopen(health, timeout=10) as response:
                    if json.load(response).get("status") in ("yellow", "green"):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"OpenSearch did not answer at {self.url} within {timeout_s:.0f}s:\n{self.console_tail()}")

    def console_tail(self, lines: int = 40) -> str:
        path = self.scratch / "console.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """Stop the JVM (paused or not) and delete the node's data: the one way a node's data goes away."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)  # a SIGSTOPped JVM cannot act on SIGTERM
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


@contextlib.contextmanager
def opensearch_node(version: str = VERSION, production_jit: bool = False) -> Iterator[str]:
    """A running node's base URL for the duration of the block."""
    node = OpenSearchNode.start(version, production_jit=production_jit)
    try:
        yield node.url
    finally:
        node.stop()
