"""moto server as the local AWS endpoint, with two of its stream behaviours corrected.

moto 5.x invokes the function (through Docker) on every table write while an event source mapping exists and,
on any truthy result, empties the stream shard (facts.md §22). Our ESM runner reads the stream itself, so the
stack must keep every record: the hook is replaced by a no-op before the server starts. moto also encodes binary
key values twice in stream records; they are taken from the item's image instead.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from moto.awslambda.models import LambdaBackend
from moto.dynamodb.models.table import StreamRecord
from moto.server import ThreadedMotoServer


def _keep_stream_records(self: LambdaBackend, function_arn: str, items: list, source: str) -> None:
    """Replacement for moto's send_dynamodb_items: deliver nothing, so the shard is never emptied."""
    return None


_moto_stream_record_init = StreamRecord.__init__


def _stream_record_with_exact_keys(self: StreamRecord, table, stream_type, event_name, old, new, seq) -> None:
    """moto encodes binary key values twice in a stream record's Keys (its images are right): take the keys from
    the item's image, as DynamoDB does, so binary-keyed tables get the right document ids and GetItem lookups."""
    _moto_stream_record_init(self, table, stream_type, event_name, old, new, seq)
    image = (new if new is not None else old).to_json()["Attributes"]
    self.record["dynamodb"]["Keys"] = {name: image[name] for name in self.record["dynamodb"]["Keys"]}


def patch_moto() -> None:
    LambdaBackend.send_dynamodb_items = _keep_stream_records  # type: ignore[method-assign]
    StreamRecord.__init__ = _stream_record_with_exact_keys  # type: ignore[method-assign]


def start_moto(port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Start moto in this process on 127.0.0.1 (port 0 picks a free one); returns the server and its URL."""
    patch_moto()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one INFO line per request drowns real output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return server, f"http://{host}:{bound_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = a free one)")
    args = parser.parse_args()
    server, url = start_moto(args.port)
    print(url, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
