"""moto server as the local AWS endpoint, with its DynamoDB stream made to behave like DynamoDB Streams.

The corrections live in one module per concern, applied by `patch_moto()` before the server starts:
- `moto_stream_writes`: one record per item change, none for a write that changes nothing, unique increasing
  sequence numbers under concurrent writers, exact Keys, ApproximateCreationDateTime in whole seconds; and moto's
  own stream->Lambda invocation off (while a mapping exists it invokes the function on every write and empties the
  shard on any truthy result; our ESM runner reads the stream itself).
- `moto_stream_iterators`: shard iterators expire after 15 minutes (ExpiredIteratorException) instead of piling up.
- `moto_stream_reads`: GetRecords serialized without moto's generic model walk, most records' JSON written (with
  their SizeBytes) from one dump of each image when they are made (same bytes, far less CPU).
- `moto_json_speed`: JSON-protocol requests parsed, and DynamoDB/DynamoDB Streams results serialized, by functions
  compiled once per operation (`moto_json_compiler`): the same values and bytes as moto's parser and serializer.
- `moto_write_speed`: items built, measured and turned into stream images without moto's repeated copies; action
  lookup cached.
- `moto_item_json`: an item's JSON text (its stream image, what reads answer with) and its size computed once and
  kept on the item until it changes.
- `moto_scan_speed`: Scan pages start at ExclusiveStartKey by bisection over keys sorted as Python values, and items
  are deep-copied without a `copy.deepcopy` call per value (moto re-sorted and walked the table for every page).
- `moto_wsgi_speed`: DynamoDB and DynamoDB Streams requests handed to their handler without moto's Flask app.
- `moto_gc`: the cyclic garbage collector runs less often (moto's heap of items mostly grows).
- `moto_esm_validation`: CreateEventSourceMapping/UpdateEventSourceMapping refuse what AWS Lambda refuses.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from moto.server import ThreadedMotoServer

from local_stack import (
    moto_esm_validation,
    moto_gc,
    moto_item_json,
    moto_json_speed,
    moto_scan_speed,
    moto_stream_iterators,
    moto_stream_reads,
    moto_stream_writes,
    moto_write_speed,
    moto_wsgi_speed,
)


# Patches for speed only (same answers as moto's own code): the benchmark undoes them to compare.
SPEED_PATCHES = (moto_item_json, moto_stream_reads, moto_json_speed, moto_write_speed, moto_scan_speed, moto_wsgi_speed,
                 moto_gc)


def patch_moto() -> None:
    """Apply every correction (idempotent)."""
    moto_stream_writes.patch()
    moto_stream_iterators.patch()
    moto_esm_validation.patch()
    for speed in SPEED_PATCHES:
        speed.patch()


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
