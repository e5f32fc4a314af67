"""The runner: watches the mappings through the Lambda API and runs one worker per enabled DynamoDB-stream mapping,
one consumer thread per shard, parents before children."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.config import Config

from esm_runner.checkpoints import CheckpointStore
from esm_runner.consumer import ShardConsumer, ShardContext
from esm_runner.destinations import DestinationSender
from esm_runner.invokers import Invoker, LambdaApiInvoker, ZipInvoker
from esm_runner.logs import JsonLog
from esm_runner.mappings import MappingError, MappingSettings, list_stream_mappings, settings_fingerprint
from esm_runner.metrics import MappingMetrics
from esm_runner.retry import MAX_RETRY_DELAY, RetryPolicy
from esm_runner.shards import DynamoDBStreamSource, StreamSource

INVOKERS = ("zip", "lambda-api")


class ClientFactory:
    """One boto3 client per service, built lazily (client creation is not thread-safe, calls are)."""

    def __init__(self, endpoint_url: str | None, region: str, env: Mapping[str, str]) -> None:
        credentials = {
            "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID"),
            "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY"),
            "aws_session_token": env.get("AWS_SESSION_TOKEN"),
        }
        if endpoint_url and not credentials["aws_access_key_id"]:
            credentials.update(aws_access_key_id="test", aws_secret_access_key="test")  # emulators accept any key
        self._session = boto3.session.Session(region_name=region, **credentials)
        self._endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service, endpoint_url=self._endpoint_url,
                    config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=50),
                )
            return self._clients[service]

    def credentials_env(self) -> dict[str, str]:
        frozen = self._session.get_credentials().get_frozen_credentials()
        env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
        if frozen.token:
            env["AWS_SESSION_TOKEN"] = frozen.token
        return env


class MappingWorker:
    """Runs one mapping: a consumer per shard whose parent is done (or gone), until stopped."""

    def __init__(self, context: ShardContext, refresh_interval: float) -> None:
        self.context = context
        self._refresh_interval = refresh_interval
        self._consumers: dict[str, threading.Thread] = {}
        self._thread = threading.Thread(target=self._run, name=f"mapping-{context.settings.uuid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.context.stop.set()
        self._thread.join()
        for consumer in self._consumers.values():
            consumer.join()

    def _run(self) -> None:
        c = self.context
        while not c.stop.is_set():
            try:
                self._start_ready_shards()
            except Exception as exc:  # the stream API failed: log and try again on the next round
                c.log.error("shard_listing_failed", mapping=c.settings.uuid, error=str(exc))
            c.stop.wait(self._refresh_interval)

    def _start_ready_shards(self) -> None:
        c = self.context
        shards = c.source.shards()
        known = {s.shard_id for s in shards}
        for shard in shards:
            running = self._consumers.get(shard.shard_id)
            if (running is not None and running.is_alive()) or c.checkpoints.shard(shard.shard_id).get("finished"):
                continue
            parent = shard.parent_shard_id
            parent_pending = parent in known and not c.checkpoints.shard(parent).get("finished")
            if parent_pending:  # lineage: a child waits until its parent is fully delivered (facts §13)
                continue
            consumer = ShardConsumer(c, shard, from_trim_horizon=parent in known)
            thread = threading.Thread(target=self._consume, args=(consumer, shard.shard_id),
                                      name=f"shard-{shard.shard_id}", daemon=True)
            self._consumers[shard.shard_id] = thread
            c.log.info("shard_started", mapping=c.settings.uuid, shard=shard.shard_id, parent=parent)
            thread.start()

    def _consume(self, consumer: ShardConsumer, shard_id: str) -> None:
        try:
            consumer.run()
        except Exception as exc:  # restarted from its checkpoint on the next round
            self.context.log.error("shard_consumer_failed", mapping=self.context.settings.uuid, shard=shard_id,
                                   error=f"{type(exc).__name__}: {exc}")


class Runner:
    """Plays the Lambda service's part for every DynamoDB-stream event source mapping at ``endpoint_url``.

    Use ``start()``/``stop()`` or ``with Runner(...) as runner:``. ``metrics(uuid)`` returns a mapping's metrics.
    """

    def __init__(self, *, endpoint_url: str | None, region: str, state_dir: str | Path,
                 packages: Sequence[str | Path] = (), invoker: str = "zip", poll_interval: float = 0.25,
                 refresh_interval: float = 1.0, retry_delay: float = 1.0, max_retry_delay: float = MAX_RETRY_DELAY,
                 cache_dir: str | Path | None = None, log_stream: TextIO | None = None,
                 env: Mapping[str, str] | None = None, functions: Sequence[str] = (),
                 source_factory: Callable[[str], StreamSource] | None = None) -> None:
        if invoker not in INVOKERS:
            raise ValueError(f"invoker {invoker!r} is not supported; allowed: {', '.join(INVOKERS)}")
        self._env = dict(os.environ if env is None else env)
        self._region = region
        self._endpoint_url = endpoint_url
        self._state_dir = Path(state_dir)
        self._packages = [Path(p) for p in packages]
        self._invoker_kind = invoker
        self._functions = set(functions)
        self._poll_interval = poll_interval
        self._refresh_interval = refresh_interval
        self._policy_delays = (retry_delay, max_retry_delay)
        self._cache_dir = Path(cache_dir) if cache_dir else self._state_dir / "code"
        self.log = JsonLog(log_stream)
        self._clients = ClientFactory(endpoint_url, region, self._env)
        self._source_factory = source_factory or (
            lambda arn: DynamoDBStreamSource(self._clients("dynamodbstreams"), arn, region))
        self._invoker: Invoker | None = None
        self._workers: dict[str, tuple[str, MappingWorker | None]] = {}
        self._metrics: dict[str, MappingMetrics] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Runner:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._state_dir.mkdir(parents=True, exist_ok=True)
        missing = [str(p) for p in self._packages if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"--package files not found: {', '.join(missing)}")
        self._invoker = self._make_invoker()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="esm-runner", daemon=True)
        self._thread.start()
        self.log.info("runner_started", endpoint_url=self._endpoint_url, region=self._region,
                      invoker=self._invoker_kind, packages=[str(p) for p in self._packages])

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for uuid in list(self._workers):
            self._stop_worker(uuid)
        if self._invoker is not None:
            self._invoker.close()
        self.log.info("runner_stopped")

    def active_mappings(self) -> list[str]:
        """UUIDs of the mappings being run right now (enabled, valid, not deleted)."""
        return [uuid for uuid, (_, worker) in list(self._workers.items()) if worker is not None]

    def _serves(self, config: dict[str, Any]) -> bool:
        """With --function given, only mappings of those functions (by name or ARN) are run."""
        if not self._functions:
            return True
        arn = config.get("FunctionArn", "")
        parts = arn.split(":")
        return arn in self._functions or (len(parts) > 6 and parts[6] in self._functions)

    def metrics(self, uuid: str) -> dict[str, Any]:
        """The mapping's metrics as last reported (empty before its first poll)."""
        metrics = self._metrics.get(uuid)
        return metrics.snapshot() if metrics else {}

    def _make_invoker(self) -> Invoker:
        if self._invoker_kind == "lambda-api":
            return LambdaApiInvoker(self._clients("lambda"))
        return ZipInvoker(self._clients("lambda"), self._packages, self._cache_dir, endpoint_url=self._endpoint_url,
                          region=self._region, log=self.log,
                          base_env={**self._env, **self._clients.credentials_env()},
                          config_ttl=self._refresh_interval)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception as exc:  # the Lambda API is unreachable: keep what runs, try again
                self.log.error("mapping_listing_failed", error=f"{type(exc).__name__}: {exc}")
            self._stop.wait(self._refresh_interval)

    def refresh(self) -> None:
        """Re-read every mapping: start new or re-enabled ones, restart updated ones, stop disabled or deleted ones."""
        configs = {c["UUID"]: c for c in list_stream_mappings(self._clients("lambda")) if self._serves(c)}
        for uuid in [u for u in self._workers if u not in configs]:
            self._stop_worker(uuid)
            del self._workers[uuid]
            self.log.info("mapping_deleted", mapping=uuid)
        for uuid, config in configs.items():
            fingerprint = settings_fingerprint(config)
            if uuid in self._workers and self._workers[uuid][0] == fingerprint:
                continue
            updated = uuid in self._workers
            self._stop_worker(uuid)
            self._workers[uuid] = (fingerprint, self._start_worker(config, updated))

    def _start_worker(self, config: dict[str, Any], updated: bool) -> MappingWorker | None:
        uuid = config["UUID"]
        try:
            settings = MappingSettings.from_api(config)
        except MappingError as exc:
            self.log.error("mapping_invalid", mapping=uuid, error=str(exc))
            return None
        for warning in settings.warnings:
            self.log.warning("mapping_setting_warning", mapping=uuid, detail=warning)
        if not settings.enabled:
            self.log.info("mapping_disabled", mapping=uuid, state=config.get("State"))
            return None
        metrics = self._metrics.setdefault(uuid, MappingMetrics(settings.event_count_metrics))
        metrics.event_counts = settings.event_count_metrics
        retry_delay, max_retry_delay = self._policy_delays
        context = ShardContext(
            settings=settings,
            source=self._source_factory(settings.stream_arn),
            checkpoints=CheckpointStore(self._state_dir, uuid),
            invoker=self._invoker,  # type: ignore[arg-type]
            sender=DestinationSender(self._clients),
            metrics=metrics,
            log=self.log,
            stop=threading.Event(),
            poll_interval=self._poll_interval,
            policy=RetryPolicy(settings.bisect_on_error, settings.max_retry_attempts, settings.max_record_age,
                               retry_delay, max_retry_delay),
        )
        worker = MappingWorker(context, self._refresh_interval)
        worker.start()
        self.log.info("mapping_updated" if updated else "mapping_started", mapping=uuid,
                      function=settings.function_arn, stream=settings.stream_arn, batch_size=settings.batch_size,
                      batching_window=settings.batching_window, starting_position=settings.starting_position,
                      parallelization_factor=settings.parallelization_factor,
                      tumbling_window=settings.tumbling_window, filters=len(settings.filters),
                      report_batch_item_failures=settings.report_batch_item_failures,
                      bisect_on_error=settings.bisect_on_error, max_retry_attempts=settings.max_retry_attempts,
                      max_record_age=settings.max_record_age, on_failure=settings.on_failure_destination)
        return worker

    def _stop_worker(self, uuid: str) -> None:
        entry = self._workers.get(uuid)
        if entry is not None and entry[1] is not None:
            entry[1].stop()
            self._workers[uuid] = (entry[0], None)

