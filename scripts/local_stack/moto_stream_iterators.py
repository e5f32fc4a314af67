"""moto's shard iterators made to expire as DynamoDB Streams' do, instead of accumulating forever.

Every GetRecords returns a new iterator and moto keeps them all: a runner polling a shard four times a second piles
up ~25 MB an hour on a stack left running. DynamoDB Streams iterators expire 15 minutes after they are returned
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html) and GetRecords
then answers ExpiredIteratorException (HTTP 400); consumers ask for a new one (the ESM runner does). Here expired
iterators are dropped and answered that way.
"""

from __future__ import annotations

import time
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

LIFETIME_S = 15 * 60.0
_PRUNE_EVERY_S = 60.0

_moto_iterator_init = ShardIterator.__init__
_moto_get_records = DynamoDBStreamsBackend.get_records


class ExpiredIteratorException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ExpiredIteratorException", "Iterator expired. The iterator was created over 15 minutes ago.")


def _iterator_init(self: ShardIterator, *args: Any, **kwargs: Any) -> None:
    _moto_iterator_init(self, *args, **kwargs)
    self.expires_at = time.monotonic() + LIFETIME_S  # type: ignore[attr-defined]


def _get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    now = time.monotonic()
    if now >= self.__dict__.get("_next_prune", 0.0):
        self._next_prune = now + _PRUNE_EVERY_S  # type: ignore[attr-defined]
        for arn in [arn for arn, it in list(self.shard_iterators.items()) if _expired(it, now)]:
            self.shard_iterators.pop(arn, None)
    iterator = self.shard_iterators.get(iterator_arn)
    if iterator is None and "|1|" in iterator_arn or iterator is not None and _expired(iterator, now):
        # One of ours that is gone or past its lifetime (also one from before a restart of the stack's moto).
        raise ExpiredIteratorException()
    return _moto_get_records(self, iterator_arn, limit)


def _expired(iterator: ShardIterator, now: float) -> bool:
    return now >= getattr(iterator, "expires_at", float("inf"))


def patch() -> None:
    ShardIterator.__init__ = _iterator_init  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = _get_records  # type: ignore[method-assign]
