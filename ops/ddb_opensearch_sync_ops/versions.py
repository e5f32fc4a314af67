"""External versions for writes made by the CLI: always below the version of any stream change that can follow.

The handler versions a stream change as `second(ApproximateCreationDateTime) × 1 000 000 + n`. A command that
starts at time T writes `(T − MARGIN) × 1 000 000`: every change made after T (stamped with a second ≥ T, give or
take clock skew smaller than MARGIN) carries a higher version and wins in OpenSearch, whichever arrives first.
Data Prepper's DynamoDB source uses the same 5-minute margin for its export documents.
"""
from __future__ import annotations

import time

from .documents import PER_SECOND

MARGIN_SECONDS = 300


def below_stream(started: float | None = None) -> int:
    return (int(time.time() if started is None else started) - MARGIN_SECONDS) * PER_SECOND
