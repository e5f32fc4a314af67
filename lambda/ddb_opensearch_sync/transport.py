"""HTTP to OpenSearch: keep-alive connections reused across invocations, SigV4 signing for `es` and `aoss`.

The standard library's http.client does the HTTP: importing urllib3 cost more than half of the handler's
cold start (it also imports importlib.metadata, zipfile and logging), and one endpoint with keep-alive needs
none of its features. A connection the server closed while idle is reopened once, transparently.

SigV4 is signed here (canonical request, string to sign, HMAC-SHA256 key chain; tested against botocore's
signatures for the same requests): importing botocore to sign cost ~70 ms of cold start. Credentials are
read for every request from the environment the Lambda runtime sets (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN), so a refreshed environment is used at once. Without them (tools, other hosts), botocore's
default credential chain is imported on first use; it refreshes expiring credentials itself.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlsplit

from .config import Settings

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

SERVICE = {"iam": "es", "aoss": "aoss"}
DEFAULT_PORTS = {"http": 80, "https": 443}
UNSIGNED_HEADERS = frozenset({"connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                              "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"})


class TransportError(Exception):
    """The request got no HTTP response (timeout, refused or reset connection)."""


Signer = Callable[[str, str, dict[str, str], bytes], dict[str, str]]
Credentials = tuple[str, str, "str | None"]  # access key, secret key, session token


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(method: str, url: str, headers: Mapping[str, str], body: bytes, credentials: Credentials,
         service: str, region: str, now: float) -> dict[str, str]:
    """The headers with SigV4 added (X-Amz-Date, x-amz-content-sha256, X-Amz-Security-Token, Authorization).
    The query string must already be percent-encoded as AWS canonicalizes it (as botocore assumes)."""
    access_key, secret_key, token = credentials
    parts = urlsplit(url)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    # aoss requires the payload hash header; sending it to `es` as well is harmless.
    signed = {**headers, "x-amz-content-sha256": hashlib.sha256(body).hexdigest(), "X-Amz-Date": stamp}
    if token:
        signed["X-Amz-Security-Token"] = token
    host = parts.hostname or ""
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    canonical = {"host": host}
    for name, value in signed.items():
        if name.lower() not in UNSIGNED_HEADERS:
            canonical[name.lower()] = " ".join(str(value).split())
    names = ";".join(sorted(canonical))
    query = "&".join(sorted(f"{k}={v}" for k, _, v in (pair.partition("=") for pair in parts.query.split("&")))) if parts.query else ""
    request = "\n".join([method.upper(), quote(parts.path or "/", safe="/~"), query,
                         "".join(f"{name}:{canonical[name]}\n" for name in sorted(canonical)), names,
                         signed["x-amz-content-sha256"]])
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), stamp[:8]), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["Authorization"] = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={names}, Signature={signature}"
    return signed


def environment_credentials(env: Mapping[str, str] = os.environ) -> Callable[[], Credentials]:
    """Credentials for each request: the environment's when set (Lambda), else botocore's chain (lazily)."""
    chain: list[Any] = []

    def current() -> Credentials:
        key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if key and secret:
            return key, secret, env.get("AWS_SESSION_TOKEN") or None
        if not chain:
            import botocore.session

            chain.append(botocore.session.get_session().get_credentials())
        if chain[0] is None:
            raise TransportError("no AWS credentials found for SigV4 signing (OPENSEARCH_AUTH needs the function's role)")
        frozen = chain[0].get_frozen_credentials()
        return frozen.access_key, frozen.secret_key, frozen.token

    return current


def sigv4_signer(service: str, region: str, credentials: Callable[[], Credentials] | None = None,
                 clock: Callable[[], float] = time.time) -> Signer:
    """Sign every request with the current credentials."""
    current = credentials or environment_credentials()

    def signer(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        return sign(method, url, headers, body, current(), service, region, clock())

    return signer


class Transport:
    def __init__(self, settings: Settings, signer: Signer | None = None) -> None:
        self.endpoint = settings.endpoint
        parts = urlsplit(settings.endpoint)
        self.host = parts.netloc
        self._https = parts.scheme == "https"
        self._address = (parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme])
        self._idle: list[http.client.HTTPConnection] = []  # kept open between requests and invocations
        self._lock = threading.Lock()
        self._tls: Any = None  # ssl context, made for the first https connection
        if signer is None and settings.auth in SERVICE:
            signer = sigv4_signer(SERVICE[settings.auth], settings.region)
        self.signer = signer

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        host, port = self._address
        if not self._https:
            return http.client.HTTPConnection(host, port, timeout=min(timeout, 5.0))
        if self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        return http.client.HTTPSConnection(host, port, timeout=min(timeout, 5.0), context=self._tls)

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        if self.signer is not None:
            headers = self.signer(method, self.endpoint + path, headers, body)
        retried = False
        while True:
            connection = self._connection(timeout)
            reused = connection.sock is not None
            try:
                if not reused:
                    connection.connect()  # within the connect timeout (at most 5 s)
                connection.sock.settimeout(timeout)
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:  # timeouts, refused, reset, TLS, bad responses
                connection.close()
                if reused and not retried and isinstance(exc, ConnectionError):  # RemoteDisconnected included
                    retried = True  # the server closed the idle connection: once more on a new one
                    continue
                raise TransportError(f"{method} {self.host}{path}: {type(exc).__name__}: {exc}") from None
            if response.will_close:
                connection.close()
            else:
                with self._lock:
                    self._idle.append(connection)
            return response.status, data
