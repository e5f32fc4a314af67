"""Errors an operator can act on: each message names what is wrong and what is expected (exit status 2)."""
from __future__ import annotations

import contextlib
from typing import Iterator


class OpsError(Exception):
    """Bad input or a precondition that does not hold; nothing was written or deleted because of it."""


@contextlib.contextmanager
def explained(what: str) -> Iterator[None]:
    """Turn AWS and OpenSearch client failures into OpsError messages saying what was being done."""
    import botocore.exceptions as aws
    import opensearchpy.exceptions as search

    try:
        yield
    except OpsError:
        raise
    except aws.NoCredentialsError:
        raise OpsError(f"{what}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)") from None
    except aws.EndpointConnectionError as exc:
        raise OpsError(f"{what}: cannot reach the AWS endpoint {exc.kwargs.get('endpoint_url')}") from None
    except aws.ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code in ("UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
                    "ExpiredTokenException", "InvalidClientTokenId"):
            raise OpsError(f"{what}: AWS refused the credentials ({code}: {message})") from None
        raise OpsError(f"{what}: {code}: {message}") from None
    except search.ConnectionError as exc:
        raise OpsError(f"{what}: cannot reach OpenSearch ({exc.info or exc.error}); check OPENSEARCH_ENDPOINT / --endpoint") from None
    except (search.AuthenticationException, search.AuthorizationException) as exc:
        raise OpsError(f"{what}: OpenSearch refused the credentials (HTTP {exc.status_code}: {str(exc.info)[:200]}); "
                       "check OPENSEARCH_AUTH / --auth and the caller's permissions") from None
    except search.TransportError as exc:
        raise OpsError(f"{what}: OpenSearch answered HTTP {exc.status_code}: {str(exc.info)[:300]}") from None
