"""SigV4 signing for `es` and `aoss`: payload hash signed, fresh credentials on every request."""
from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.credentials import RefreshableCredentials

from ddb_opensearch_sync.transport import sigv4_signer


def rotating_credentials():
    counter = itertools.count(1)

    def refresh():
        n = next(counter)
        expiry = datetime.now(timezone.utc) + timedelta(seconds=1)  # always inside the refresh window
        return {"access_key": f"AKIA{n:016d}", "secret_key": "s" * 40, "token": f"token-{n}", "expiry_time": expiry.isoformat()}

    return RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")


@pytest.mark.parametrize("service", ["es", "aoss"])
def test_requests_are_signed_for_the_service_with_the_payload_hash(monkeypatch, service):
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: rotating_credentials())
    sign = sigv4_signer(service, "eu-west-1")
    body = b'{"index":{}}\n{}\n'
    headers = sign("POST", "https://search.example.test/_bulk", {"Content-Type": "application/x-ndjson"}, body)
    authorization = headers["Authorization"]
    assert f"/eu-west-1/{service}/aws4_request" in authorization
    assert "x-amz-content-sha256" in authorization.split("SignedHeaders=")[1].split(",")[0]
    assert headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()


def test_expiring_credentials_are_refreshed_between_requests(monkeypatch):
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: rotating_credentials())
    sign = sigv4_signer("es", "us-east-1")
    keys = {sign("POST", "https://search.example.test/_bulk", {}, b"")["Authorization"].split("Credential=")[1].split("/")[0]
            for _ in range(3)}
    assert len(keys) == 3
