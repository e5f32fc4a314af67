"""Reads of the current item go to DynamoDB in batches (consistent BatchGetItem, ≤ 100 keys per call), against a
real moto table: KEYS_ONLY streams and same-second conflicts across batches cost one call per 100 keys, not one
GetItem per record."""
from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest

from ddb_opensearch_sync import aws
from handler_helpers import (REGION, Table, assert_index_equals_table, failed, index_state, opensearch, syncer,
                             use_moto_for_boto3)
from test_handler_ordering import at_second_start

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def calls(monkeypatch, moto_url) -> Counter:
    """DynamoDB API calls the handler's own client makes, by operation name."""
    use_moto_for_boto3(monkeypatch, moto_url)
    counted: Counter = Counter()
    aws.client("dynamodb", REGION).meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: counted.update([model.name]))
    return counted


def test_get_items_reads_250_keys_in_three_calls_in_order_with_none_for_missing(moto_url, calls):
    table = Table(moto_url, sort_key=True)
    for n in range(0, 250, 2):
        table.items.put_item(Item={"pk": f"p{n}", "sk": n, "payload": "x" * n})
    keys = [{"pk": {"S": f"p{n}"}, "sk": {"N": f"{n}.0" if n % 10 == 0 else str(n)}} for n in range(250)]  # "20.0" is 20
    keys.append(dict(keys[0]))  # a duplicate: BatchGetItem refuses duplicates, so it is asked once
    found = aws.get_items(table.stream_arn, keys)
    assert calls == {"BatchGetItem": 3}
    assert [item and item["pk"]["S"] for item in found] == [f"p{n}" if n % 2 == 0 else None for n in range(250)] + ["p0"]
    assert found[4]["payload"] == {"S": "xxxx"}


def test_items_come_back_as_dynamodb_sent_them_binary_as_base64_like_stream_images(moto_url, calls):
    table = Table(moto_url, partition_type="B")
    table.client.put_item(TableName=table.name, Item={
        "pk": {"B": b"\x00\xff"}, "bs": {"BS": [b"\x01", b"\x02"]}, "n": {"N": "0.10"},
        "m": {"M": {"b": {"B": b"x"}, "l": {"L": [{"NULL": True}, {"SS": ["a"]}]}}}})
    [found, missing] = aws.get_items(table.stream_arn, [{"pk": {"B": "AP8="}}, {"pk": {"B": "AQ=="}}])
    assert found == {"pk": {"B": "AP8="}, "bs": {"BS": ["AQ==", "Ag=="]}, "n": {"N": "0.10"},
                     "m": {"M": {"b": {"B": "eA=="}, "l": {"L": [{"NULL": True}, {"SS": ["a"]}]}}}}
    assert missing is None and calls == {"BatchGetItem": 1}


def test_keys_only_stream_reads_every_item_in_one_batch_per_100_keys(opensearch_url, moto_url, calls):
    table, index = Table(moto_url, view="KEYS_ONLY"), f"h-{uuid.uuid4().hex[:10]}"
    for n in range(250):
        table.items.put_item(Item={"pk": f"k{n}", "n": n})
    for n in range(0, 250, 5):
        table.items.delete_item(Key={"pk": f"k{n}"})
    records = table.changes()
    assert failed(syncer(opensearch_url, index).handle({"Records": records})) == []
    assert calls == {"BatchGetItem": 2}  # 200 items to read (deletes need none), 100 keys per call; no GetItem
    assert_index_equals_table(opensearch_url, index, table)


def requests_of(sync) -> list[str]:
    """The OpenSearch requests (method and path, no query) the syncer sends from now on."""
    sent: list[str] = []
    request = sync.sender.transport.request

    def noted(method, path, *args, **kwargs):
        sent.append(f"{method} {path.split('?')[0].rsplit('/', 1)[-1]}")
        return request(method, path, *args, **kwargs)

    sync.sender.transport.request = noted
    return sent


def in_one_second(table: Table, items: list[dict]) -> list[dict]:
    """Put `items` within one second; their stream records."""
    at_second_start()
    for item in items:
        table.items.put_item(Item=item)
    records = table.changes()
    assert len({r["dynamodb"]["ApproximateCreationDateTime"] for r in records}) == 1, "writes crossed a second"
    return records


def hot_items(moto_url: str, count: int) -> tuple[Table, list[dict]]:
    """`count` items changed twice in one second: the first changes, then the second ones."""
    table = Table(moto_url)
    return table, in_one_second(table, [{"pk": f"hot{n}", "v": v} for v in ("old", "new") for n in range(count)])


def stored_versions(opensearch_url: str, index: str, ids: list[str]) -> list[int]:
    status, found = opensearch(opensearch_url, "POST", f"/{index}/_mget", {"ids": ids})
    assert status == 200, found
    return [doc["_version"] for doc in found["docs"]]


@pytest.mark.parametrize("containers", [1, 2])
def test_same_second_conflicts_across_batches_cost_one_read(opensearch_url, moto_url, calls, capsys, containers):
    """Twenty hot items changed twice in one second, the changes in different batches: the second batch's versions
    are lower (the ordinal restarts), every record is a tie, and all twenty are settled with one BatchGetItem.
    In the container that wrote the first changes the ties are foreseen: one `_bulk`, no 409 round and no `_mget`;
    in another container (2) each meets its 409 first."""
    table, records = hot_items(moto_url, 20)
    index = f"h-{uuid.uuid4().hex[:10]}"
    first, second = syncer(opensearch_url, index), syncer(opensearch_url, index)
    assert failed(first.handle({"Records": records[:20]})) == []
    versions = stored_versions(opensearch_url, index, [f"hot{n}" for n in range(20)])
    sync = first if containers == 1 else second
    sent = requests_of(sync)
    capsys.readouterr()
    assert failed(sync.handle({"Records": records[20:]})) == []
    outcomes = json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"]
    if containers == 1:
        assert outcomes == {"ties_foreseen": 20, "written": 20}
        assert sent == ["POST _bulk"]
    else:
        assert outcomes == {"ties": 20, "written": 20}
        assert sent == ["POST _bulk", "POST _mget", "POST _bulk"]
    assert calls == {"BatchGetItem": 1}
    assert stored_versions(opensearch_url, index, [f"hot{n}" for n in range(20)]) == [v + 1 for v in versions]
    assert_index_equals_table(opensearch_url, index, table)


def test_a_foreseen_tie_behind_a_higher_version_of_another_container_is_settled_as_a_tie(
        opensearch_url, moto_url, calls, capsys):
    """This container wrote `x` at S+0; another one has since written it at S+2 (a later change, third in its
    batch). The foreseen write at S+1 meets that 409, and the tie is settled as usual: the table's state at S+3."""
    table, index = Table(moto_url), f"h-{uuid.uuid4().hex[:10]}"
    records = in_one_second(table, [{"pk": "x", "v": 1}, {"pk": "a"}, {"pk": "b"}, {"pk": "x", "v": 2},
                                    {"pk": "x", "v": 3}])
    second = int(records[0]["dynamodb"]["ApproximateCreationDateTime"]) * 1_000_000
    ours, other = syncer(opensearch_url, index), syncer(opensearch_url, index)
    assert failed(ours.handle({"Records": records[:1]})) == []
    assert failed(other.handle({"Records": records[1:4]})) == []
    assert stored_versions(opensearch_url, index, ["x"]) == [second + 2]
    capsys.readouterr()
    assert failed(ours.handle({"Records": records[4:]})) == []
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"] == {"ties_foreseen": 1, "ties": 1,
                                                                               "written": 1}
    assert calls == {"BatchGetItem": 2}
    assert stored_versions(opensearch_url, index, ["x"]) == [second + 3]
    assert_index_equals_table(opensearch_url, index, table)


def test_a_same_second_change_with_a_higher_version_than_this_container_wrote_is_simply_written(
        opensearch_url, moto_url, calls, capsys):
    """`x` written at S+0; its next change is third in the next batch (S+2): no tie to foresee, no read."""
    table, index = Table(moto_url), f"h-{uuid.uuid4().hex[:10]}"
    records = in_one_second(table, [{"pk": pk, "v": v} for pk, v in (("x", 1), ("a", 0), ("b", 0), ("x", 2))])
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": records[:1]})) == []
    capsys.readouterr()
    assert failed(sync.handle({"Records": records[1:]})) == []
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"] == {"written": 3}
    assert calls == {}
    assert_index_equals_table(opensearch_url, index, table)


def test_a_replay_in_the_container_that_wrote_it_is_not_foreseen_as_a_tie(opensearch_url, moto_url, calls, capsys):
    """The changes this container wrote, delivered again (a retry): not newer than what it wrote, so they take the
    usual path. Once refreshed, OpenSearch alone shows they are there: no read of the table."""
    table, records = hot_items(moto_url, 5)
    index = f"h-{uuid.uuid4().hex[:10]}"
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": records[5:]})) == []
    opensearch(opensearch_url, "POST", f"/{index}/_refresh")
    capsys.readouterr()
    assert failed(sync.handle({"Records": records[5:]})) == []
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"] == {"ties": 5, "written": 5}
    assert calls == {}
    assert_index_equals_table(opensearch_url, index, table)


def unrefreshed_index(opensearch_url: str) -> str:
    """An index that refreshes only when asked: what a search (or a non-realtime read) sees is up to the test."""
    index = f"h-{uuid.uuid4().hex[:10]}"
    status, created = opensearch(opensearch_url, "PUT", f"/{index}", {"settings": {"refresh_interval": -1}})
    assert status == 200, created
    return index


def test_a_replayed_batch_is_settled_by_opensearch_alone_once_refreshed(opensearch_url, moto_url, calls, capsys):
    """A replay's writes all tie with themselves (same second, same ordinal). Before a refresh, the stored copies
    cannot be read without making the shard refresh, so the table is read (the result is the same); after one,
    OpenSearch alone shows the batch is already there: no DynamoDB read."""
    table, index = Table(moto_url), unrefreshed_index(opensearch_url)
    at_second_start()
    for n in range(10):
        table.items.put_item(Item={"pk": f"r{n}", "v": n})
    table.items.delete_item(Key={"pk": "r0"})
    records = table.changes()
    sync = syncer(opensearch_url, index)
    assert failed(sync.handle({"Records": records})) == []
    assert failed(sync.handle({"Records": records})) == []  # replayed before any refresh
    assert calls == {"BatchGetItem": 1}
    opensearch(opensearch_url, "POST", f"/{index}/_refresh")
    calls.clear()
    capsys.readouterr()
    assert failed(sync.handle({"Records": records})) == []  # replayed after the refresh
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["outcomes"] == {"ties": 10, "written": 10,
                                                                               "superseded": 1}
    assert calls == {}
    assert_index_equals_table(opensearch_url, index, table)


def test_a_refreshed_copy_equal_to_the_change_but_older_than_the_stored_version_is_not_taken_as_written(
        opensearch_url, moto_url, calls):
    """The last refresh shows `x` as this change would write it, at version S+3; the document has since been
    overwritten (S+5, not yet refreshed) with an older change of the same second. Only the table can settle it."""
    table, index = Table(moto_url), unrefreshed_index(opensearch_url)
    at_second_start()
    table.items.put_item(Item={"pk": "x", "v": "new"})
    [record] = table.changes()
    second = int(record["dynamodb"]["ApproximateCreationDateTime"])
    for version, value in ((second * 1_000_000 + 3, "new"), (second * 1_000_000 + 5, "old")):
        status, body = opensearch(opensearch_url, "PUT", f"/{index}/_doc/x?version={version}&version_type=external",
                                  {"pk": "x", "v": value})
        assert status in (200, 201), body
        if value == "new":
            opensearch(opensearch_url, "POST", f"/{index}/_refresh")
    assert failed(syncer(opensearch_url, index).handle({"Records": [record]})) == []  # version S+0: a tie
    assert calls == {"BatchGetItem": 1}
    assert index_state(opensearch_url, index) == {"x": {"pk": "x", "v": "new"}}


def test_a_delete_that_ties_with_a_document_not_yet_refreshed_reads_it_in_real_time(opensearch_url, moto_url, calls):
    """A copy as of the last refresh cannot show that a document is gone: before its first refresh, a document
    that is there reads as not found. The delete's tie is settled by the table, and the document goes."""
    table, index = Table(moto_url), unrefreshed_index(opensearch_url)
    at_second_start()
    table.items.put_item(Item={"pk": "x", "v": "old"})
    table.items.delete_item(Key={"pk": "x"})
    removal = table.changes()[-1]
    second = int(removal["dynamodb"]["ApproximateCreationDateTime"])
    status, body = opensearch(opensearch_url, "PUT", f"/{index}/_doc/x?version={second * 1_000_000 + 5}"
                              "&version_type=external", {"pk": "x", "v": "old"})
    assert status == 201, body
    assert failed(syncer(opensearch_url, index).handle({"Records": [removal]})) == []  # version S+0: a tie
    assert calls == {"BatchGetItem": 1}
    assert index_state(opensearch_url, index) == {}
