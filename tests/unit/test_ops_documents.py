"""The CLI's documents are the handler's documents, byte for byte; ids invert back to keys."""
from __future__ import annotations

import base64

import pytest

from ddb_opensearch_sync import records
from ddb_opensearch_sync.bulk import Action, encode
from ddb_opensearch_sync.config import load
from ddb_opensearch_sync_ops import documents

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024"


def settings(**env: str):
    return load({"OPENSEARCH_ENDPOINT": "http://127.0.0.1:9200", "OPENSEARCH_INDEX": "products", "OPENSEARCH_AUTH": "none",
                 **env})


def boto_item() -> dict:
    """As boto3's low-level client returns it: binary as bytes."""
    return {"pk": {"S": "p~1 é"}, "sk": {"N": "10.50"}, "price": {"N": "19.99"}, "big": {"N": "123456789012345678901234567890"},
            "blob": {"B": b"\x00\x01"}, "blobs": {"BS": [b"\x02", b"\x01"]}, "mixed": {"L": [{"N": "1"}, {"N": "2.5"}]},
            "tags": {"SS": ["b", "a"]}, "nested": {"M": {"x": {"NULL": True}, "b": {"BOOL": False}}}, "tenant": {"S": "Acme"}}


def handler_source(env: dict, item: dict) -> tuple[str, str, str]:
    """What the handler sends for the same item arriving in a stream record (binary as base64 text)."""
    stream_image = documents.event_style(item)
    record = {"eventName": "INSERT", "eventSourceARN": ARN,
              "dynamodb": {"Keys": {"pk": stream_image["pk"], "sk": stream_image["sk"]}, "NewImage": stream_image,
                           "SequenceNumber": "100", "ApproximateCreationDateTime": 1700000000}}
    change = records.parse(settings(**env), record, 0, "100")
    records.prepare(settings(**env), change)  # the handler converts only the change it writes
    assert not change.error
    line = encode(Action("index", change.index, change.doc_id, 1, change.source)).decode().split("\n")[1]
    return change.index, change.doc_id, line


@pytest.mark.parametrize("env", [{}, {"INCLUDE_FIELDS": "pk,price,blob"}, {"EXCLUDE_FIELDS": "big,nested"},
                                 {"OPENSEARCH_INDEX": "orders-{tenant}"}])
def test_document_is_byte_for_byte_what_the_handler_writes(env):
    index, doc_id, source = handler_source(env, boto_item())
    built = documents.document(settings(**env), boto_item(), ["pk", "sk"])
    assert (built.index, built.doc_id, built.source) == (index, doc_id, source)


def test_deletion_targets_the_handlers_index_and_id():
    built = documents.deletion(settings(OPENSEARCH_INDEX="orders-{pk}"), {"pk": {"S": "Acme"}})
    assert (built.index, built.doc_id, built.source) == ("orders-acme", "Acme", None)


@pytest.mark.parametrize("keys,schema", [
    ({"pk": {"S": "a~b/c %"}}, [("pk", "S")]),
    ({"pk": {"N": "-12.5"}, "sk": {"S": "x"}}, [("pk", "N"), ("sk", "S")]),
    ({"id": {"B": b"\xff\x00~"}}, [("id", "B")]),
])
def test_ids_invert_to_the_keys(keys, schema):
    identifier = documents.document_id(keys)
    assert documents.keys_from_id(identifier, schema) == keys


def test_hashed_or_foreign_ids_do_not_invert():
    long_key = {"pk": {"S": "x" * 600}}
    assert documents.document_id(long_key).startswith("~")
    assert documents.keys_from_id(documents.document_id(long_key), [("pk", "S")]) is None
    assert documents.keys_from_id("a~b", [("pk", "S")]) is None  # two parts, one key
    assert documents.keys_from_source({"pk": "x" * 600}, [("pk", "S")]) == long_key
    assert documents.keys_from_source({"id": base64.b64encode(b"\x01").decode()}, [("id", "B")]) == {"id": {"B": b"\x01"}}


def test_index_pattern_of_a_template():
    assert documents.index_pattern(settings(OPENSEARCH_INDEX="orders-{tenant}-{region}")) == "orders-*-*"
    assert documents.index_pattern(settings()) == "products"
