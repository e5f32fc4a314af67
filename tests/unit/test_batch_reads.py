"""aws.get_items: UnprocessedKeys are asked again with back-off; keys never processed raise (records retried)."""
from __future__ import annotations

import pytest

from ddb_opensearch_sync import aws

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000"


class Throttled:
    """Answers each BatchGetItem with the first `serve` requested keys and leaves the rest unprocessed."""

    def __init__(self, serve: int) -> None:
        self.serve, self.requests = serve, []

    def batch_get_item(self, RequestItems):
        keys = RequestItems["t"]["Keys"]
        assert RequestItems["t"]["ConsistentRead"] is True and len(keys) <= 100
        self.requests.append(len(keys))
        done, rest = keys[:self.serve], keys[self.serve:]
        return {"Responses": {"t": [{**k, "v": {"S": "x"}} for k in done]},
                "UnprocessedKeys": {"t": {"Keys": rest, "ConsistentRead": True}} if rest else {}}


@pytest.fixture
def fake(monkeypatch):
    def install(client):
        monkeypatch.setitem(aws._clients, ("dynamodb", "us-east-1"), client)
        return client
    return install


def test_unprocessed_keys_are_asked_again_with_growing_pauses(fake):
    client, pauses = fake(Throttled(serve=40)), []
    found = aws.get_items(ARN, [{"pk": {"S": f"k{n}"}} for n in range(130)], sleep=pauses.append)
    assert client.requests == [100, 60, 20, 30]  # the first hundred in three calls, then the last thirty
    assert [f["pk"]["S"] for f in found] == [f"k{n}" for n in range(130)]
    assert len(pauses) == 2 and aws.BASE_DELAY / 2 <= pauses[0] <= aws.BASE_DELAY <= pauses[1] <= 2 * aws.BASE_DELAY


def test_keys_left_unprocessed_raise_instead_of_reading_as_missing(fake):
    fake(Throttled(serve=0))
    with pytest.raises(RuntimeError, match="unprocessed after 8 calls"):
        aws.get_items(ARN, [{"pk": {"S": "k"}}], sleep=lambda s: None)
