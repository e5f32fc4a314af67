"""The handler against the real OpenSearch node, fed by a real (moto) stream: the index ends equal to the table."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from handler_helpers import Table, assert_index_equals_table, failed, index_state, opensearch, syncer, use_moto_for_boto3

pytestmark = pytest.mark.timeout(120)

CATALOGUE = [
    {"pk": "p-1", "name": "Trail shoe", "price": Decimal("129.99"), "stock": 12, "tags": {"running", "trail"},
     "dims": {"w": Decimal("10.5"), "sizes": [Decimal("40"), Decimal("41.5")], "meta": {"deep": {"deeper": [True, None]}}},
     "ratings": {Decimal("4.5"), Decimal("3"), Decimal("-1")}, "thumb": Binary(b"\x89PNG\x00\xff"),
     "blobs": {Binary(b"b"), Binary(b"a")}, "exact": Decimal("3.14159265358979323846264338327950288")},
    {"pk": "p/2 ~ é", "name": "Rain jacket", "price": Decimal("0.1"), "stock": 0, "empty": "", "list": []},
    {"pk": "p-3", "name": "Tent", "price": Decimal("1E+2"), "huge": Decimal("12345678901234567"), "none": None},
]


def new_index(opensearch_url: str | None = None) -> str:
    """A fresh index name; with a URL, the index is created mapping every JSON number as double, which is
    what lambda/README.md advises when attributes mix integers and decimals (else a mixed array is a 400)."""
    name = f"h-{uuid.uuid4().hex[:10]}"
    if opensearch_url:
        templates = [{kind: {"match_mapping_type": kind, "mapping": {"type": "double"}}} for kind in ("long", "double")]
        status, body = opensearch(opensearch_url, "PUT", f"/{name}", {"mappings": {"dynamic_templates": templates}})
        assert status == 200, body
    return name


def write_catalogue(table: Table) -> None:
    for item in CATALOGUE:
        table.items.put_item(Item=item)
    table.items.update_item(Key={"pk": "p-1"}, UpdateExpression="SET stock = :s, dims.w = :w",
                            ExpressionAttributeValues={":s": 11, ":w": Decimal("11.25")})
    table.items.delete_item(Key={"pk": "p-3"})
    table.items.put_item(Item={"pk": "p-4", "name": "Stove", "fuel": {"gas", "wood"}})


@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "KEYS_ONLY", "OLD_IMAGE"])
def test_every_view_and_type_ends_with_the_index_equal_to_the_table(opensearch_url, aws_url, monkeypatch, view):
    use_moto_for_boto3(monkeypatch, aws_url)  # KEYS_ONLY / OLD_IMAGE read items back with GetItem
    table, index = Table(aws_url, view=view), new_index(opensearch_url)
    write_catalogue(table)
    records = table.changes()
    assert len(records) == 6
    assert failed(syncer(opensearch_url, index).handle({"Records": records})) == []
    assert_index_equals_table(opensearch_url, index, table)
    documents = index_state(opensearch_url, index)
    assert documents["p%2F2%20%7E%20%C3%A9"]["name"] == "Rain jacket"
    assert documents["p-1"]["exact"] == Decimal("3.14159265358979323846264338327950288")
    assert documents["p-1"]["tags"] == ["running", "trail"] and documents["p-1"]["ratings"] == [-1, Decimal("3"), Decimal("4.5")]


def test_binary_keys_with_a_keys_only_stream(opensearch_url, aws_url, monkeypatch):
    use_moto_for_boto3(monkeypatch, aws_url)
    table, index = Table(aws_url, view="KEYS_ONLY", partition_type="B"), new_index()
    for key in (b"\x00\xff", b"~/+", b"plain"):
        table.items.put_item(Item={"pk": key, "name": repr(key)})
    table.items.update_item(Key={"pk": b"plain"}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": 5})
    table.items.delete_item(Key={"pk": b"~/+"})
    assert failed(syncer(opensearch_url, index).handle({"Records": table.changes()})) == []
    assert_index_equals_table(opensearch_url, index, table)
    assert sorted(index_state(opensearch_url, index)) == ["AP8", "cGxhaW4"]


def test_composite_keys_and_a_full_text_search_finds_the_synced_items(opensearch_url, aws_url):
    table, index = Table(aws_url, sort_key=True), new_index()
    for sk, name in enumerate(["blue wool sock", "red wool hat", "green cotton shirt"]):
        table.items.put_item(Item={"pk": "shop~1", "sk": sk, "name": name})
    assert failed(syncer(opensearch_url, index).handle({"Records": table.changes()})) == []
    assert_index_equals_table(opensearch_url, index, table)
    _, hits = opensearch(opensearch_url, "POST", f"/{index}/_search", {"query": {"match": {"name": "wool"}}})
    assert sorted(h["_id"] for h in hits["hits"]["hits"]) == ["shop%7E1~0", "shop%7E1~1"]


@pytest.mark.parametrize("policy, kept", [("delete", False), ("keep", True)])
def test_ttl_deletions_follow_the_setting(opensearch_url, aws_url, policy, kept):
    table, index = Table(aws_url), new_index()
    table.items.put_item(Item={"pk": "session-1", "expires": 1})
    table.items.delete_item(Key={"pk": "session-1"})
    insert, remove = table.changes()
    remove["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}  # as TTL deletions carry it
    sync = syncer(opensearch_url, index, TTL_DELETES=policy)
    assert failed(sync.handle({"Records": [insert]})) == []
    assert failed(sync.handle({"Records": [remove]})) == []
    assert ("session-1" in index_state(opensearch_url, index)) is kept


@pytest.mark.parametrize("fields", [{"EXCLUDE_FIELDS": "secret, note"}, {"INCLUDE_FIELDS": "pk,tenant,total"}])
def test_index_template_and_field_selection(opensearch_url, aws_url, fields):
    table, prefix = Table(aws_url), new_index()
    for pk, tenant in (("o-1", "Acme"), ("o-2", "Globex"), ("o-3", "acme")):
        table.items.put_item(Item={"pk": pk, "tenant": tenant, "total": 5, "secret": "x", "note": "n"})
    table.items.put_item(Item={"pk": "o-4", "total": 1})  # no tenant: cannot be routed, so it is poison
    table.items.delete_item(Key={"pk": "o-2"})
    sync = syncer(opensearch_url, prefix + "-{tenant}", **fields)
    records = table.changes()
    assert failed(sync.handle({"Records": records})) == [records[3]["dynamodb"]["SequenceNumber"]]
    assert index_state(opensearch_url, prefix + "-acme") == {"o-1": {"pk": "o-1", "tenant": "Acme", "total": 5},
                                                              "o-3": {"pk": "o-3", "tenant": "acme", "total": 5}}
    assert index_state(opensearch_url, prefix + "-globex") == {}


def test_arrays_mixing_integers_and_decimals_index_under_the_default_dynamic_mapping(opensearch_url, aws_url):
    table, index = Table(aws_url), new_index()
    table.items.put_item(Item={"pk": "mixed", "ratings": {Decimal("3"), Decimal("4.5")}, "list": [1, Decimal("0.5")]})
    table.items.put_item(Item={"pk": "ints", "ratings": {Decimal("1"), Decimal("4")}, "list": [2]})
    assert failed(syncer(opensearch_url, index).handle({"Records": table.changes()})) == []
    assert_index_equals_table(opensearch_url, index, table)
    assert index_state(opensearch_url, index)["ints"]["ratings"] == [1, 4]


def test_integers_beyond_long_are_poison_unless_the_field_is_mapped_to_hold_them(opensearch_url, aws_url):
    table, index = Table(aws_url), new_index()
    table.items.put_item(Item={"pk": "big", "n": Decimal("9223372036854775808")})
    records = table.changes()
    assert failed(syncer(opensearch_url, index).handle({"Records": records})) == [records[0]["dynamodb"]["SequenceNumber"]]
    assert index_state(opensearch_url, index) == {}
    mapped = new_index()
    opensearch(opensearch_url, "PUT", f"/{mapped}", {"mappings": {"properties": {"n": {"type": "unsigned_long"}}}})
    assert failed(syncer(opensearch_url, mapped).handle({"Records": records})) == []
    assert_index_equals_table(opensearch_url, mapped, table)
