"""SigV4 signing for `es` and `aoss`: botocore's signatures for the same requests, payload hash signed, fresh
credentials on every request (the Lambda environment's, else botocore's refreshing chain)."""
from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials

from ddb_opensearch_sync.bulk import PATH
from ddb_opensearch_sync.transport import TransportError, environment_credentials, sigv4_signer

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
ENV_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@pytest.fixture
def no_env_credentials(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def botocore_headers(monkeypatch, service, region, credentials, method, url, headers, body):
    """What botocore's SigV4Auth adds to the same request at the same instant."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method=method, url=url, data=body,
                         headers={**headers, "x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    SigV4Auth(Credentials(*credentials), service, region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize("service", ["es", "aoss"])
@pytest.mark.parametrize("token", [None, "IQoJb3JpZ2luX2VjE//session+token=="])
@pytest.mark.parametrize("method, url, headers, body", [
    ("POST", "https://search-x.us-east-1.es.amazonaws.com/products" + PATH, {"Content-Type": "application/x-ndjson"},
     '{"index":{"_id":"a"}}\n{"name":"caf\u00e9  x"}\n'.encode()),
    ("POST", "https://abc123.us-east-1.aoss.amazonaws.com/_mget", {"Content-Type": "application/json"}, b'{"docs":[]}'),
    ("POST", "http://127.0.0.1:9200/orders-7" + PATH, {"Content-Type": "application/x-ndjson"}, b""),
    ("GET", "https://Search.Example.test:443/_cluster/health?level=indices&b=2", {"X-Custom": "  a   b  "}, b""),
])
def test_signatures_equal_botocores_for_the_same_request(monkeypatch, service, token, method, url, headers, body):
    credentials = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = sigv4_signer(service, "us-east-1", credentials=lambda: credentials, clock=NOW.timestamp)(method, url, headers, body)
    theirs = botocore_headers(monkeypatch, service, "us-east-1", credentials, method, url, headers, body)
    assert ours["Authorization"] == theirs["Authorization"]
    assert {k.lower(): v for k, v in ours.items()} == {k.lower(): v for k, v in theirs.items()}


def test_credentials_come_from_the_environment_on_every_request(monkeypatch):
    env = {"AWS_ACCESS_KEY_ID": "AKIAFIRST", "AWS_SECRET_ACCESS_KEY": "s1", "AWS_SESSION_TOKEN": "t1"}
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: pytest.fail("botocore was asked"))
    sign = sigv4_signer("es", "us-east-1", credentials=environment_credentials(env))
    first = sign("POST", "https://search.example.test/_bulk", {}, b"")
    env.update(AWS_ACCESS_KEY_ID="AKIASECOND", AWS_SESSION_TOKEN="t2")
    second = sign("POST", "https://search.example.test/_bulk", {}, b"")
    assert "Credential=AKIAFIRST/" in first["Authorization"] and first["X-Amz-Security-Token"] == "t1"
    assert "Credential=AKIASECOND/" in second["Authorization"] and second["X-Amz-Security-Token"] == "t2"


def test_no_credentials_anywhere_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: None)
    with pytest.raises(TransportError, match="no AWS credentials"):
        sigv4_signer("es", "us-east-1", credentials=environment_credentials({}))("POST", "https://x.test/_bulk", {}, b"")


def rotating_credentials():
    counter = itertools.count(1)

    def refresh():
        n = next(counter)
        expiry = datetime.now(timezone.utc) + timedelta(seconds=1)  # always inside the refresh window
        return {"access_key": f"AKIA{n:016d}", "secret_key": "s" * 40, "token": f"token-{n}", "expiry_time": expiry.isoformat()}

    return RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")


@pytest.mark.parametrize("service", ["es", "aoss"])
def test_requests_are_signed_for_the_service_with_the_payload_hash(monkeypatch, no_env_credentials, service):
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: rotating_credentials())
    sign = sigv4_signer(service, "eu-west-1")
    body = b'{"index":{}}\n{}\n'
    headers = sign("POST", "https://search.example.test/_bulk", {"Content-Type": "application/x-ndjson"}, body)
    authorization = headers["Authorization"]
    assert f"/eu-west-1/{service}/aws4_request" in authorization
    assert "x-amz-content-sha256" in authorization.split("SignedHeaders=")[1].split(",")[0]
    assert headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()


def test_expiring_credentials_are_refreshed_between_requests(monkeypatch, no_env_credentials):
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: rotating_credentials())
    sign = sigv4_signer("es", "us-east-1")
    keys = {sign("POST", "https://search.example.test/_bulk", {}, b"")["Authorization"].split("Credential=")[1].split("/")[0]
            for _ in range(3)}
    assert len(keys) == 3
