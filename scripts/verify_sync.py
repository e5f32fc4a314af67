"""Is the index equal to the table? Compares every item (converted as the handler converts it) with its document.

    python scripts/verify_sync.py --table products --opensearch-url http://127.0.0.1:9200 --index products

Exit status 0 when equal, 1 with a list of missing, extra and different documents otherwise. The demo and the
integration tests use `compare()` to wait for convergence. Assumes the handler's default field selection and an
index of at most 10,000 documents; `ddb-opensearch-sync verify` is the streaming, complete comparator.
Needs lambda/, scripts/ and ops/ on PYTHONPATH (the Makefile sets it).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ddb_opensearch_sync.bulk import dumps
from ddb_opensearch_sync.convert import item as convert_item
from ddb_opensearch_sync.doc_id import document_id
from ddb_opensearch_sync_ops.documents import event_style


@dataclass
class Difference:
    missing: list[str] = field(default_factory=list)  # in the table, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the table
    different: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # id -> (expected, indexed)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.different)

    def summary(self, limit: int = 5) -> str:
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing from the index, e.g. {self.missing[:limit]}")
        if self.extra:
            parts.append(f"{len(self.extra)} in the index but not the table, e.g. {self.extra[:limit]}")
        for doc_id, (expected, indexed) in list(self.different.items())[:limit]:
            parts.append(f"{doc_id} differs:\n  table: {expected}\n  index: {indexed}")
        return "\n".join(parts) or "index equals table"


def table_documents(dynamodb: Any, table: str) -> dict[str, dict[str, Any]]:
    """Every item of the table as the document the handler should have indexed, by document id."""
    key_names = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    documents = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for raw in page["Items"]:
            attributes = event_style(raw)
            doc_id = document_id({name: attributes[name] for name in key_names})
            # Through the handler's own JSON writer, so numbers come back as OpenSearch returns them.
            documents[doc_id] = json.loads(dumps(convert_item(attributes)), parse_float=Decimal)
    return documents


def index_documents(opensearch_url: str, index: str) -> dict[str, dict[str, Any]]:
    """Every document of the index by id (after a refresh, so the latest writes are visible)."""
    body = {"size": 10000, "query": {"match_all": {}}}
    try:
        post_json(f"{opensearch_url}/{index}/_refresh", None)
        result = post_json(f"{opensearch_url}/{index}/_search", body)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return {}
        raise
    return {hit["_id"]: hit["_source"] for hit in result["hits"]["hits"]}


def post_json(url: str, body: Any) -> Any:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read(), parse_float=Decimal)


def compare(dynamodb: Any, table: str, opensearch_url: str, index: str) -> Difference:
    expected = table_documents(dynamodb, table)
    indexed = index_documents(opensearch_url, index)
    difference = Difference(missing=sorted(expected.keys() - indexed.keys()),
                            extra=sorted(indexed.keys() - expected.keys()))
    for doc_id in expected.keys() & indexed.keys():
        if _normal(expected[doc_id]) != _normal(indexed[doc_id]):
            difference.different[doc_id] = (expected[doc_id], indexed[doc_id])
    return difference


def _normal(document: Any) -> Any:
    """Numbers compare by value (19.90 == 19.9), whatever their JSON spelling."""
    if isinstance(document, dict):
        return {k: _normal(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_normal(v) for v in document]
    if isinstance(document, (int, Decimal)) and not isinstance(document, bool):
        return Decimal(document).normalize()
    return document


def main() -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--opensearch-url", required=True, help="base URL of an OpenSearch endpoint without auth")
    parser.add_argument("--index", required=True)
    args = parser.parse_args()
    difference = compare(boto3.client("dynamodb"), args.table, args.opensearch_url, args.index)
    print(difference.summary())
    return 1 if difference else 0


if __name__ == "__main__":
    sys.exit(main())
