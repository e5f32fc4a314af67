"""Ordering under replays, against the real OpenSearch node and a moto stream: whatever the delivery
pattern (redelivery from the lowest failure, older batches after newer ones, replays after deletes),
the index ends equal to the table."""
from __future__ import annotations

import json
import random
import time
import uuid

import pytest

from handler_helpers import Table, assert_index_equals_table, failed, index_state, opensearch, syncer, use_moto_for_boto3

pytestmark = pytest.mark.timeout(180)


def sequence(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def at_second_start() -> None:
    """Return right after the wall clock enters a new second, so the next few writes share one."""
    start = int(time.time())
    deadline = time.monotonic() + 2
    while int(time.time()) == start and time.monotonic() < deadline:
        time.sleep(0.005)


def outcomes(capsys) -> dict:
    return json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"]


@pytest.fixture
def env(monkeypatch, aws_url):
    use_moto_for_boto3(monkeypatch, aws_url)  # same-second conflicts consult the table (consistent BatchGetItem)


def test_redelivery_from_the_lowest_failure_converges(opensearch_url, aws_url, env):
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    opensearch(opensearch_url, "PUT", f"/{index}", {"mappings": {"dynamic": "strict", "properties": {
        "pk": {"type": "keyword"}, "name": {"type": "text"}, "n": {"type": "long"}}}})
    for n in range(6):
        table.items.put_item(Item={"pk": f"i-{n}", "name": f"item {n}", "n": n})
    table.items.put_item(Item={"pk": "i-2", "name": "item two", "n": 2, "color": "red"})  # strict mapping rejects it
    table.items.put_item(Item={"pk": "i-1", "name": "item one", "n": 10})
    table.items.delete_item(Key={"pk": "i-4"})
    records = table.changes()
    sync = syncer(opensearch_url, index)
    first = failed(sync.handle({"Records": records}))
    assert first == [sequence(records[2]), sequence(records[6])]  # i-2's records: the poison one and the one it supersedes
    opensearch(opensearch_url, "PUT", f"/{index}/_mapping", {"properties": {"color": {"type": "keyword"}}})  # the fix
    lowest = min(range(len(records)), key=lambda i: int(sequence(records[i])) if sequence(records[i]) in first else 1 << 200)
    assert failed(sync.handle({"Records": records[lowest:]})) == []  # Lambda redelivers every record from the lowest failure
    assert_index_equals_table(opensearch_url, index, table)


def test_older_change_after_newer_one_in_a_later_second_is_stale(opensearch_url, aws_url, env, capsys):
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    table.items.put_item(Item={"pk": "a", "v": 1})
    at_second_start()
    table.items.put_item(Item={"pk": "a", "v": 2})
    older, newer = table.changes()
    assert older["dynamodb"]["ApproximateCreationDateTime"] < newer["dynamodb"]["ApproximateCreationDateTime"]
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": [newer]})) == []
    capsys.readouterr()
    assert failed(sync.handle({"Records": [older]})) == []
    assert outcomes(capsys) == {"stale": 1}
    assert_index_equals_table(opensearch_url, index, table)


@pytest.mark.parametrize("containers", [1, 2])
def test_same_second_changes_split_across_batches_resolve_against_the_table(opensearch_url, aws_url, env, capsys,
                                                                            containers):
    """Data Prepper's per-consumer ordinal restarts with each invocation: the newer change to `x` gets a
    lower version than the older one. The handler detects the same-second conflict and writes the table's state:
    foreseen in the container that wrote `x` (1), from the 409 in another one (2)."""
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    at_second_start()
    table.items.put_item(Item={"pk": "other-1"})
    table.items.put_item(Item={"pk": "other-2"})
    table.items.put_item(Item={"pk": "x", "v": "old"})
    table.items.put_item(Item={"pk": "x", "v": "new"})
    records = table.changes()
    assert len({r["dynamodb"]["ApproximateCreationDateTime"] for r in records}) == 1
    first = syncer(opensearch_url, index)
    assert failed(first.handle({"Records": records[:3]})) == []
    capsys.readouterr()
    later = first if containers == 1 else syncer(opensearch_url, index)
    assert failed(later.handle({"Records": records[3:]})) == []
    assert outcomes(capsys) == ({"ties_foreseen": 1, "written": 1} if containers == 1 else {"ties": 1, "written": 1})
    assert index_state(opensearch_url, index)["x"] == {"pk": "x", "v": "new"}
    assert_index_equals_table(opensearch_url, index, table)


@pytest.mark.parametrize("gap", [False, True], ids=["same-second", "later-second"])
def test_replay_after_a_delete_does_not_bring_the_item_back(opensearch_url, aws_url, env, gap):
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    at_second_start()
    table.items.put_item(Item={"pk": "gone", "v": 1})
    table.items.update_item(Key={"pk": "gone"}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": 2})
    if gap:
        at_second_start()
    table.items.delete_item(Key={"pk": "gone"})
    records = table.changes()
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": records})) == []
    for replay in ([records[0]], [records[1]], records[:2], records):
        assert failed(sync.handle({"Records": replay})) == []
        assert "gone" not in index_state(opensearch_url, index)
    assert_index_equals_table(opensearch_url, index, table)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_delivery_order_with_replays_ends_equal_to_the_table(opensearch_url, aws_url, env, seed):
    """Random writes to a few hot items; batches delivered in random order with random replays of
    earlier ones, as retries, bisects and redeliveries can produce. Every record arrives at least once."""
    rng = random.Random(seed)
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    for step in range(60):
        key = f"k{rng.randrange(5)}"
        if rng.random() < 0.2:
            table.items.delete_item(Key={"pk": key})
        else:
            table.items.put_item(Item={"pk": key, "step": step, "text": rng.choice(["red", "green", "blue"]) * rng.randint(1, 3)})
        if rng.random() < 0.1:
            at_second_start()
    records = table.changes()
    cuts = sorted(rng.sample(range(1, len(records)), 6))
    batches = [records[a:b] for a, b in zip([0] + cuts, cuts + [len(records)])]
    deliveries = batches + [rng.choice(batches) for _ in range(6)]
    rng.shuffle(deliveries)
    sync = syncer(opensearch_url, index)
    for batch in deliveries:
        assert failed(sync.handle({"Records": batch})) == []
    assert_index_equals_table(opensearch_url, index, table)


@pytest.mark.parametrize("gc_deletes, resurrected", [("0s", True), ("24h", False)])
def test_delete_tombstones_last_index_gc_deletes(opensearch_url, aws_url, env, gc_deletes, resurrected):
    """The documented limit (README: set index.gc_deletes beyond the replay horizon): once OpenSearch has
    pruned a delete's tombstone, a late replay of an older change recreates the document."""
    table, index = Table(aws_url), f"h-{uuid.uuid4().hex[:10]}"
    opensearch(opensearch_url, "PUT", f"/{index}", {"settings": {"index.gc_deletes": gc_deletes}})
    table.items.put_item(Item={"pk": "late", "v": 1})
    at_second_start()
    table.items.delete_item(Key={"pk": "late"})
    insert, remove = table.changes()
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": [insert, remove]})) == []
    deadline = time.monotonic() + 3  # tombstones are pruned on a refresh once older than gc_deletes (coarse clock)
    while "late" not in index_state(opensearch_url, index) and time.monotonic() < deadline:
        assert failed(sync.handle({"Records": [insert]})) == []  # the late replay, again and again
        time.sleep(0.1)
    assert ("late" in index_state(opensearch_url, index)) is resurrected
