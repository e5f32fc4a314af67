"""A loopback HTTP proxy in front of OpenSearch that injects faults on command, for fault-injection tests.

Point a function's OPENSEARCH_ENDPOINT at `proxy.url`; requests are forwarded to the node unchanged until a fault
is switched on. Faults (each for a window of seconds, or until `clear()`; `rate` is the share of requests hit,
drawn from a seeded generator so a run can be replayed):

- `respond(429|503, ...)`: answer whole requests with that status and an OpenSearch-shaped error body, without
  forwarding them (throttling, an unavailable cluster).
- `drop(...)`: read the request, then close the connection without a response (a reset mid-request); with
  `after_forwarding=True` the node handles the request first, so the client cannot know it was applied.
- `delay(seconds, ...)`: add latency before forwarding.
- `outage(...)`: every connection is closed as soon as it is accepted, and open keep-alive connections at their
  next request: the node is unreachable.

If the node itself does not answer (down, restarting), the client's connection is closed without a response, as
a refused connection would be. `counts` says how many requests each fault hit.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}
UPSTREAM_TIMEOUT_S = 300.0  # longer than any client's: the client, not the proxy, decides when to give up
ERROR_TYPES = {429: "rejected_execution_exception", 503: "unavailable_shards_exception"}


@dataclass
class Fault:
    kind: str  # "status", "drop", "delay", "outage"
    until: float  # time.monotonic() deadline; float("inf") until cleared
    rate: float = 1.0
    status: int = 0
    seconds: float = 0.0
    after_forwarding: bool = False


class FaultProxy:
    def __init__(self, target: str, seed: int = 0) -> None:
        parsed = urllib.parse.urlsplit(target)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"target {target!r} is not allowed: the fault proxy forwards to an http:// URL")
        self.target_host, self.target_port = parsed.hostname, parsed.port or 80
        self.counts: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- commands --------------------------------------------------------------------------------------------------
    def respond(self, status: int, *, seconds: float | None = None, rate: float = 1.0) -> None:
        if status not in ERROR_TYPES:
            raise ValueError(f"status {status} is not allowed; the proxy injects {sorted(ERROR_TYPES)}")
        self._add(Fault("status", self._until(seconds), rate, status=status))

    def drop(self, *, seconds: float | None = None, rate: float = 1.0, after_forwarding: bool = False) -> None:
        self._add(Fault("drop", self._until(seconds), rate, after_forwarding=after_forwarding))

    def delay(self, latency_s: float, *, seconds: float | None = None, rate: float = 1.0) -> None:
        self._add(Fault("delay", self._until(seconds), rate, seconds=latency_s))

    def outage(self, *, seconds: float | None = None) -> None:
        self._add(Fault("outage", self._until(seconds)))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[str]:
        """The faults in force now, e.g. ['status 429 (rate 0.5)', 'outage']."""
        return [_describe(fault) for fault in self._current()]

    # -- inside the proxy ------------------------------------------------------------------------------------------
    @staticmethod
    def _until(seconds: float | None) -> float:
        if seconds is not None and seconds <= 0:
            raise ValueError(f"seconds={seconds} is not allowed: give a positive window, or None for until clear()")
        return float("inf") if seconds is None else time.monotonic() + seconds

    def _add(self, fault: Fault) -> None:
        if not 0 < fault.rate <= 1:
            raise ValueError(f"rate={fault.rate} is not allowed: give a share of requests in (0, 1]")
        with self._lock:
            self._faults.append(fault)

    def _current(self) -> list[Fault]:
        now = time.monotonic()
        with self._lock:
            self._faults = [fault for fault in self._faults if fault.until > now]
            return list(self._faults)

    def in_outage(self) -> bool:
        return any(fault.kind == "outage" for fault in self._current())

    def pick(self) -> list[Fault]:
        """The faults that hit this request (each fault draws against its rate)."""
        current = self._current()
        with self._lock:
            return [fault for fault in current if self._random.random() < fault.rate]

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1


def _describe(fault: Fault) -> str:
    text = {"status": f"status {fault.status}", "drop": "drop" + (" after forwarding" if fault.after_forwarding
                                                                  else ""),
            "delay": f"delay {fault.seconds}s", "outage": "outage"}[fault.kind]
    return text + (f" (rate {fault.rate})" if fault.rate < 1 else "")


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections to OpenSearch
        upstream: http.client.HTTPConnection | None = None

        def log_message(self, *args: object) -> None:  # no line per request on stderr
            pass

        def handle(self) -> None:
            try:
                if proxy.in_outage():
                    proxy.count("outage")
                    return  # closed at once, before reading anything
                super().handle()
            except ConnectionError:  # the client gave up (its timeout) before the answer came: nothing to tell it
                proxy.count("client gone")
            finally:
                if self.upstream is not None:
                    self.upstream.close()

        def _proxy(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            faults = {fault.kind: fault for fault in proxy.pick()}
            if "outage" in faults or ("drop" in faults and not faults["drop"].after_forwarding):
                proxy.count("outage" if "outage" in faults else "drop")
                self._close_without_response()
                return
            if "delay" in faults:
                proxy.count("delay")
                time.sleep(faults["delay"].seconds)
            if "status" in faults:
                status = faults["status"].status
                proxy.count(f"status {status}")
                error = {"error": {"type": ERROR_TYPES[status], "reason": f"injected by the fault proxy ({status})"},
                         "status": status}
                self._reply(status, [("Content-Type", "application/json")], json.dumps(error).encode())
                return
            try:
                status, headers, answer = self._forward(body)
            except (OSError, http.client.HTTPException):
                proxy.count("upstream unreachable")
                self._close_without_response()
                return
            if "drop" in faults:
                proxy.count("drop after forwarding")
                self._close_without_response()
                return
            proxy.count("forwarded")
            self._reply(status, headers, answer)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(proxy.target_host, proxy.target_port,
                                                           timeout=UPSTREAM_TIMEOUT_S)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                self.upstream.request(self.command, self.path, body=body if body or self.command != "GET" else None,
                                      headers=headers)
                response = self.upstream.getresponse()
                answer = response.read()
            except BaseException:
                self.upstream.close()
                self.upstream = None
                raise
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, kept, answer

        def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _close_without_response(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _proxy

    return Handler
