"""HTTP to OpenSearch: one urllib3 pool per container, SigV4 signing for `es` and `aoss`.

botocore is imported only when the first signed request needs credentials (the Lambda runtime ships
it); its credential chain refreshes expiring credentials, and each request signs with the current ones.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable
from urllib.parse import urlsplit

import urllib3

from .config import Settings

SERVICE = {"iam": "es", "aoss": "aoss"}


class TransportError(Exception):
    """The request got no HTTP response (timeout, refused or reset connection)."""


Signer = Callable[[str, str, dict[str, str], bytes], dict[str, str]]


def sigv4_signer(service: str, region: str) -> Signer:
    """Sign with botocore's SigV4 and the default credential chain, resolved on first use."""
    state: dict[str, Any] = {}

    def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        if not state:
            import botocore.session
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest

            credentials = botocore.session.get_session().get_credentials()
            if credentials is None:
                raise TransportError("no AWS credentials found for SigV4 signing (OPENSEARCH_AUTH needs the function's role)")
            state.update(credentials=credentials, auth=SigV4Auth, request=AWSRequest)
        # aoss requires the payload hash header; sending it to `es` as well is harmless.
        headers = {**headers, "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
        request = state["request"](method=method, url=url, data=body, headers=headers)
        state["auth"](state["credentials"].get_frozen_credentials(), service, region).add_auth(request)
        return dict(request.headers.items())

    return sign


class Transport:
    def __init__(self, settings: Settings, signer: Signer | None = None) -> None:
        self.endpoint = settings.endpoint
        self.host = urlsplit(settings.endpoint).netloc
        self.pool = urllib3.PoolManager(num_pools=2, maxsize=4, retries=False, block=False)
        if signer is None and settings.auth in SERVICE:
            signer = sigv4_signer(SERVICE[settings.auth], settings.region)
        self.signer = signer

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        url = self.endpoint + path
        if self.signer is not None:
            headers = self.signer(method, url, headers, body)
        try:
            response = self.pool.request(
                method, url, body=body, headers=headers, timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
                redirect=False, preload_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise TransportError(f"{method} {self.host}{path}: {type(exc).__name__}: {exc}") from None
        return response.status, response.data
