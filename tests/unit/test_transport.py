"""The HTTP transport on the standard library: keep-alive reuse, a server-closed idle connection reopened once,
timeouts and refused connections as TransportError, signed headers sent (a loopback server of the test's own)."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ddb_opensearch_sync.config import load
from ddb_opensearch_sync.transport import Transport, TransportError


class Server:
    """Answers POSTs with 200 and the body length; `close_after_reply` drops the connection while it is idle,
    `hang` holds the reply. Remembers the client ports (one per connection) and the request headers."""

    def __init__(self, close_after_reply: bool = False, hang: float = 0.0) -> None:
        self.ports: list[int] = []
        self.headers: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.ports.append(self.client_address[1])
                owner.headers.append(dict(self.headers.items()))
                time.sleep(hang)
                reply = str(len(body)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                self.wfile.flush()
                if close_after_reply:
                    self.connection.shutdown(socket.SHUT_RDWR)  # no "Connection: close": the client finds out later
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a reply to a client that gave up (the timeout test) is expected to fail

        self.server = Quiet(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Server":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def transport(url: str, auth: str = "none") -> Transport:
    return Transport(load({"OPENSEARCH_ENDPOINT": url, "OPENSEARCH_INDEX": "i", "OPENSEARCH_AUTH": auth,
                           "AWS_REGION": "us-east-1"}))


def test_one_connection_is_kept_alive_across_requests():
    with Server() as server:
        client = transport(server.url)
        answers = [client.request("POST", "/i/_bulk", b"x" * n, {}, 2.0) for n in range(1, 6)]
    assert answers == [(200, str(n).encode()) for n in range(1, 6)]
    assert len(set(server.ports)) == 1


def test_a_connection_the_server_closed_while_idle_is_reopened_once():
    with Server(close_after_reply=True) as server:
        client = transport(server.url)
        assert client.request("POST", "/i/_bulk", b"a", {}, 2.0) == (200, b"1")
        time.sleep(0.05)  # let the close reach the client
        assert client.request("POST", "/i/_bulk", b"bb", {}, 2.0) == (200, b"2")
    assert len(set(server.ports)) == 2


def test_a_slow_reply_is_a_transport_error_after_the_read_timeout():
    with Server(hang=1.0) as server:
        started = time.monotonic()
        with pytest.raises(TransportError, match="timed out"):
            transport(server.url).request("POST", "/i/_bulk", b"a", {}, 0.2)
    assert time.monotonic() - started < 0.9


def test_a_refused_connection_is_a_transport_error_naming_the_request():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError, match=f"POST 127.0.0.1:{port}/i/_bulk: ConnectionRefusedError"):
        transport(f"http://127.0.0.1:{port}").request("POST", "/i/_bulk", b"a", {}, 1.0)


def test_signed_requests_carry_the_signature(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    with Server() as server:
        transport(server.url, auth="iam").request("POST", "/i/_bulk", b"{}", {"Content-Type": "application/x-ndjson"}, 2.0)
    sent = {k.lower(): v for k, v in server.headers[0].items()}
    assert sent["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/es/aws4_request" in sent["authorization"] and sent["x-amz-security-token"] == "t"
    assert sent["host"] == server.url.removeprefix("http://")
