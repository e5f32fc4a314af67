"""The same item, through the handler (a real moto stream record) and through the CLI (a Scan), is stored in
OpenSearch with byte-identical `_source`."""
from __future__ import annotations

from urllib.parse import quote

import boto3

from ddb_opensearch_sync.config import load
from ddb_opensearch_sync_ops import clients, documents, writer
from handler_helpers import REGION, Table, failed, http, syncer


def raw_source(url: str, index: str, doc_id: str) -> str:
    response = http.request("GET", f"{url}/{index}/_doc/{quote(doc_id, safe='')}")
    assert response.status == 200, response.data
    text = response.data.decode()
    return text[text.index('"_source":') + len('"_source":'):-1]


def test_cli_document_is_byte_identical_to_the_handlers(moto_url, opensearch_url):
    table = Table(moto_url, sort_key=True)
    table.client.put_item(TableName=table.name, Item={
        "pk": {"S": "p~1 é/x"}, "sk": {"N": "10.50"}, "price": {"N": "19.990"}, "big": {"N": "-1234567890123456789012345678.5"},
        "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"\x02", b"\x01"]}, "sizes": {"NS": ["3", "1.5", "2.5"]},
        "mixed": {"L": [{"N": "1"}, {"N": "2.25"}]}, "tags": {"SS": ["b", "a", "é"]}, "none": {"NULL": True},
        "ok": {"BOOL": True}, "nested": {"M": {"l": {"L": [{"M": {"q": {"S": "\"quoted\"\n"}}}]}}}})
    handler_index, cli_index = f"{table.name}-handler", f"{table.name}-cli"
    assert failed(syncer(opensearch_url, handler_index).handle({"Records": table.changes()})) == []

    settings = load({"OPENSEARCH_ENDPOINT": opensearch_url, "OPENSEARCH_INDEX": cli_index, "OPENSEARCH_AUTH": "none"})
    scanned = table.client.scan(TableName=table.name)["Items"][0]
    document = documents.document(settings, scanned, ["pk", "sk"])
    client = clients.opensearch(settings, boto3.session.Session(region_name=REGION))
    assert [o.kind for o in writer.write(client, [(document, 1)])] == ["written"]

    stored = raw_source(opensearch_url, handler_index, document.doc_id)
    assert stored == raw_source(opensearch_url, cli_index, document.doc_id) == document.source
