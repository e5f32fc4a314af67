"""The metrics Lambda publishes for stream mappings (facts §10), kept per mapping and written to the structured log.

IteratorAge, Errors and DestinationDeliveryFailures are always reported; the EventCount family only when the
mapping's MetricsConfig asks for ``EventCount``, as on AWS.
"""

from __future__ import annotations

import threading
import time
from typing import Any

EVENT_COUNTS = (
    "PolledEventCount",
    "FilteredOutEventCount",
    "InvokedEventCount",
    "FailedInvokeEventCount",
    "DroppedEventCount",
    "OnFailureDestinationDeliveredEventCount",
)
ALWAYS = ("Errors", "DestinationDeliveryFailures")


class MappingMetrics:
    def __init__(self, event_counts: bool) -> None:
        self.event_counts = event_counts
        self._counts = dict.fromkeys(ALWAYS + EVENT_COUNTS, 0)
        self._iterator_age_ms: int | None = None
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def iterator_age(self, newest_record_created: float) -> None:
        """Age of the last record of a batch when it was delivered, in milliseconds (CloudWatch's unit)."""
        with self._lock:
            self._iterator_age_ms = max(0, int((time.time() - newest_record_created) * 1000))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            names = ALWAYS + (EVENT_COUNTS if self.event_counts else ())
            values: dict[str, Any] = {name: self._counts[name] for name in names}
            values["IteratorAge"] = self._iterator_age_ms
            return values
