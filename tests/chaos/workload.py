"""The chaos workload: concurrent writers over a fixed key space (same-second bursts, updates that create items,
deletes and re-creates, conditional writes, ~398 KB items, every attribute type), and the poison items."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

KEYS = 300
BIG_PAYLOAD = 397_000  # with the other attributes, just under DynamoDB's 400 KB item limit
OPERATIONS_PER_S = 6  # per writer: a load a shared laptop sustains, so a run fits its time budget


def good_item(rng: random.Random, key: str, version: int, big: bool = False) -> dict[str, Any]:
    """Every DynamoDB type, each attribute always of one type so OpenSearch's dynamic mapping fits every item."""
    item = {
        "pk": {"S": key},
        "title": {"S": f"{key} version {version}"},
        "counter": {"N": str(version)},
        "price": {"N": f"{rng.randrange(1, 10**6)}.{rng.randrange(100):02d}"},
        "precise": {"N": "12345678901234567890.12345678"},
        "ok": {"BOOL": rng.random() < 0.5},
        "nothing": {"NULL": True},
        "blob": {"B": rng.randbytes(rng.randrange(1, 16))},
        "tags": {"SS": sorted({f"tag{rng.randrange(20)}" for _ in range(rng.randrange(1, 4))})},
        "sizes": {"NS": sorted({str(rng.randrange(50)) for _ in range(2)} | {"2.5"})},
        "blobs": {"BS": [bytes([n]) for n in sorted({rng.randrange(256) for _ in range(2)})]},
        "list": {"L": [{"S": f"l{n}"} for n in range(rng.randrange(0, 4))]},
        "attrs": {"M": {"colour": {"S": rng.choice(["red", "green", "blue"])}, "n": {"N": str(rng.randrange(9))},
                        "deep": {"L": [{"M": {"flag": {"BOOL": True}, "note": {"S": "x"}}}]}}},
    }
    if big:
        item["payload"] = {"S": rng.choice("abcdef") * BIG_PAYLOAD}
    return item


# key -> (attributes OpenSearch cannot take, the item). Each is written once and never touched by the writers.
POISON: dict[str, tuple[set[str], dict[str, Any]]] = {
    "poison-beyond-long": ({"counter"}, {"counter": {"N": "100000000000000000000"}, "title": {"S": "beyond long"}}),
    "poison-mixed-list": ({"mixed"}, {"mixed": {"L": [{"N": "1"}, {"S": "x"},
                                                      {"M": {"deep": {"L": [{"BOOL": False}]}}}]},
                                      "title": {"S": "heterogeneous list"}}),
    "poison-dot": ({"."}, {".": {"S": "a lone dot"}, "title": {"S": "dot"}}),
    "poison-double-dot": ({"a..b"}, {"a..b": {"S": "two dots"}, "title": {"S": "double dot"}}),
    "poison-dot-meta": ({".meta"}, {".meta": {"M": {"k": {"S": "v"}}}, "title": {"S": "map under .meta"}}),
}


class Writers:
    """`threads` writers, each with its own client and a generator seeded from (seed, writer)."""

    def __init__(self, dynamodb_factory: Any, table: str, seed: int, threads: int = 4) -> None:
        self.table, self.seed = table, seed
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self._factory = dynamodb_factory
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._write, args=(n,), name=f"writer-{n}", daemon=True)
                         for n in range(threads)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    @property
    def writes(self) -> int:
        return sum(count for kind, count in self.counts.items() if kind != "conditional-refused")

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def _write(self, writer: int) -> None:
        rng = random.Random(f"{self.seed}-{writer}")
        dynamodb = self._factory()
        version = 0
        while not self._stop.wait(1 / OPERATIONS_PER_S):
            version += 1
            key = f"k{rng.randrange(KEYS):03d}"
            roll = rng.random()
            try:
                if roll < 0.40:
                    dynamodb.put_item(TableName=self.table, Item=good_item(rng, key, version))
                    self._count("put")
                elif roll < 0.62:
                    self._update(dynamodb, key, version)
                elif roll < 0.72:
                    dynamodb.delete_item(TableName=self.table, Key={"pk": {"S": key}})
                    self._count("delete")
                elif roll < 0.80:  # delete and re-create at once
                    dynamodb.delete_item(TableName=self.table, Key={"pk": {"S": key}})
                    dynamodb.put_item(TableName=self.table, Item=good_item(rng, key, version))
                    self._count("delete")
                    self._count("re-create")
                elif roll < 0.92:  # a same-second burst on one key
                    for step in range(rng.randrange(3, 7)):
                        self._update(dynamodb, key, version * 10 + step)
                    self._count("burst")
                elif roll < 0.97:
                    try:
                        dynamodb.put_item(TableName=self.table, Item=good_item(rng, key, version),
                                          ConditionExpression="attribute_not_exists(pk)")
                        self._count("conditional-put")
                    except dynamodb.exceptions.ConditionalCheckFailedException:
                        self._count("conditional-refused")
                else:
                    dynamodb.put_item(TableName=self.table, Item=good_item(rng, key, version, big=True))
                    self._count("big-put")
            except Exception as exc:  # noqa: BLE001 - a failed write is reported, and the run goes on
                with self._lock:
                    self.errors.append(f"writer {writer} on {key}: {type(exc).__name__}: {exc}")

    def _update(self, dynamodb: Any, key: str, version: int) -> None:
        """SET on a missing item creates it with only these attributes (DynamoDB's one INSERT)."""
        dynamodb.update_item(
            TableName=self.table, Key={"pk": {"S": key}},
            UpdateExpression="SET title = :t, #c = if_not_exists(#c, :zero) + :one ADD visits :one",
            ExpressionAttributeNames={"#c": "counter"},  # a reserved word in expressions
            ExpressionAttributeValues={":t": {"S": f"{key} update {version}"}, ":zero": {"N": "0"},
                                       ":one": {"N": "1"}})
        self._count("update")
