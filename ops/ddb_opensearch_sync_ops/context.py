"""What every command works with: the settings, the AWS clients and the OpenSearch client, made once."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from opensearchpy import OpenSearch

from . import clients
from .settings import OpsSettings


@dataclass
class Context:
    settings: OpsSettings
    progress_interval: float = 10.0
    bar: bool | None = None  # None: a tqdm bar only when stderr is a terminal
    _clients: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def session(self) -> Any:
        return clients.aws_session(self.settings.region)

    def aws(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    @cached_property
    def opensearch(self) -> OpenSearch:
        return clients.opensearch(self.settings.handler, self.session)

    def for_index(self, index: str) -> "Context":
        """The same context writing to and reading from another index (reindex targets the new one directly)."""
        handler = self.settings.handler._replace(index=index, index_fields=())
        other = Context(dataclasses.replace(self.settings, handler=handler), self.progress_interval, self.bar,
                        self._clients)
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k in ("session", "opensearch")})
        return other
