"""AWS clients (boto3, honouring AWS_ENDPOINT_URL) and the OpenSearch client (opensearch-py).

The OpenSearch client reads numbers exactly (decimals as Decimal) and sends pre-encoded document JSON verbatim, so
what the CLI writes and compares is byte-for-byte the handler's JSON. SigV4 for `iam` (managed domains, `es`) and
`aoss` (Serverless) signs every request with the current credentials of botocore's refreshing provider chain.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth
from opensearchpy.serializer import JSONSerializer

from .documents import Settings, dumps
from .errors import OpsError

SERVICE = {"iam": "es", "aoss": "aoss"}
POOL = 32  # connections: scan workers and their bulk requests run in parallel


class ExactSerializer(JSONSerializer):
    """Decimals in and out without rounding; strings (pre-encoded documents) pass through untouched."""

    def loads(self, s: str) -> Any:
        return json.loads(s, parse_float=Decimal)

    def dumps(self, data: Any) -> str:
        return data if isinstance(data, str) else dumps(data)


def aws_session(region: str | None) -> boto3.session.Session:
    return boto3.session.Session(region_name=region or None)


def opensearch(settings: Settings, session: boto3.session.Session, timeout: float = 60.0) -> OpenSearch:
    auth = None
    if settings.auth in SERVICE:
        credentials = session.get_credentials()  # refreshing: the signer asks for frozen credentials per request
        if credentials is None:
            raise OpsError(f"OPENSEARCH_AUTH={settings.auth} needs AWS credentials to sign requests; none were found")
        auth = Urllib3AWSV4SignerAuth(credentials, settings.region, SERVICE[settings.auth])
    return OpenSearch(hosts=[settings.endpoint], http_auth=auth, serializer=ExactSerializer(), timeout=timeout,
                      max_retries=3, retry_on_timeout=True, http_compress=False, pool_maxsize=POOL)
