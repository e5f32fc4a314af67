"""Lambda entry point: ddb_opensearch_sync.handler.lambda_handler.

Settings are read and validated when the container starts, so a bad setting fails the init with a
message naming the variable; the HTTP pool is built once and reused by every invocation.
"""
from __future__ import annotations

import os

from .sync import Syncer

TYPE_CHECKING = False  # typing is for annotations only: importing it costs the cold start
if TYPE_CHECKING:
    from typing import Any

SYNCER = Syncer.from_env(os.environ)


def lambda_handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    return SYNCER.handle(event, context)
