"""The fault proxy against a small real HTTP backend: forwarding unchanged, and each fault doing what it says."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from local_stack.fault_proxy import FaultProxy


class Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, bytes]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Backend.seen.append((self.command, self.path, body))
        answer = json.dumps({"echo": body.decode(), "path": self.path}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_PUT = do_POST


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    Backend.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = FaultProxy(f"http://127.0.0.1:{server.server_address[1]}", seed=7).start()
    try:
        yield proxy
    finally:
        proxy.stop()
        server.shutdown()
        server.server_close()


http = urllib3.PoolManager(retries=False)


def post(proxy: FaultProxy, body: str = "x", path: str = "/i/_bulk") -> urllib3.BaseHTTPResponse:
    return http.request("POST", proxy.url + path, body=body.encode(), timeout=5)


def test_forwards_requests_and_answers_unchanged(proxy):
    for number in range(3):  # several on one keep-alive connection
        response = post(proxy, f"body {number}", f"/i/_doc/{number}")
        assert response.status == 201 and json.loads(response.data) == {"echo": f"body {number}",
                                                                         "path": f"/i/_doc/{number}"}
    assert [path for _, path, _ in Backend.seen] == ["/i/_doc/0", "/i/_doc/1", "/i/_doc/2"]
    assert proxy.counts["forwarded"] == 3


@pytest.mark.parametrize("status", [429, 503])
def test_answers_whole_requests_with_an_error_status_without_forwarding(proxy, status):
    proxy.respond(status)
    response = post(proxy)
    assert response.status == status and json.loads(response.data)["status"] == status
    assert Backend.seen == [] and proxy.counts[f"status {status}"] == 1
    proxy.clear()
    assert post(proxy).status == 201


def test_a_fault_window_ends_by_itself(proxy):
    proxy.respond(503, seconds=0.3)
    assert post(proxy).status == 503 and proxy.active() == ["status 503"]
    deadline = time.monotonic() + 5
    while proxy.active():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert post(proxy).status == 201


def test_rate_hits_a_share_of_requests_reproducibly(proxy):
    proxy.respond(429, rate=0.5)
    statuses = [post(proxy).status for _ in range(40)]
    assert 5 < statuses.count(429) < 35 and set(statuses) == {201, 429}


def test_drop_closes_the_connection_without_a_response(proxy):
    proxy.drop()
    with pytest.raises(urllib3.exceptions.ProtocolError):
        post(proxy)
    assert Backend.seen == [] and proxy.counts["drop"] == 1


def test_drop_after_forwarding_applies_the_request_but_loses_the_answer(proxy):
    proxy.drop(after_forwarding=True)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        post(proxy, "applied")
    assert [body for _, _, body in Backend.seen] == [b"applied"]


def test_delay_adds_latency(proxy):
    proxy.delay(0.5)
    started = time.monotonic()
    assert post(proxy).status == 201
    assert time.monotonic() - started >= 0.5 and proxy.counts["delay"] == 1


def test_outage_closes_new_and_kept_alive_connections(proxy):
    assert post(proxy).status == 201  # a pooled keep-alive connection exists now
    proxy.outage()
    for _ in range(2):
        with pytest.raises(urllib3.exceptions.HTTPError):
            post(proxy)
    with pytest.raises(urllib3.exceptions.HTTPError):
        urllib3.PoolManager(retries=False).request("POST", proxy.url + "/x", body=b"new", timeout=5)
    assert len(Backend.seen) == 1 and proxy.counts["outage"] >= 3
    proxy.clear()
    assert post(proxy).status == 201


def test_an_unreachable_backend_closes_the_connection(proxy):
    unreachable = FaultProxy("http://127.0.0.1:9").start()  # nothing listens on the discard port
    try:
        with pytest.raises(urllib3.exceptions.HTTPError):
            urllib3.PoolManager(retries=False).request("GET", unreachable.url + "/", timeout=5)
        assert unreachable.counts["upstream unreachable"] == 1
    finally:
        unreachable.stop()


def test_bad_commands_are_refused_with_what_is_allowed(proxy):
    with pytest.raises(ValueError, match=r"status 500 is not allowed; the proxy injects \[429, 503\]"):
        proxy.respond(500)
    with pytest.raises(ValueError, match="rate=0 is not allowed"):
        proxy.drop(rate=0)
    with pytest.raises(ValueError, match="seconds=-1 is not allowed"):
        proxy.outage(seconds=-1)
    with pytest.raises(ValueError, match="forwards to an http:// URL"):
        FaultProxy("https://example.invalid")
