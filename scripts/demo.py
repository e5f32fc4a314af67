"""`make demo`: deploy examples/local to the running embedded stack, write a product catalogue, search it.

Runs after `make up` (the Makefile sees to that). Safe to run again: the apply is idempotent and documents are
keyed by the items' keys, so a second run leaves one document per item.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer

from local_stack.envfile import read_env
from local_stack.terraform import Terraform
from verify_sync import compare, index_documents, post_json

ROOT = Path(__file__).resolve().parent.parent
CONVERGE_TIMEOUT_S = 120
QUERY = "wireless headphones"

KINDS = ["headphones", "speaker", "keyboard", "mouse", "monitor", "charger"]
TRAITS = ["wireless", "noise cancelling", "ergonomic", "compact", "waterproof", "backlit"]


def catalogue() -> list[dict[str, Any]]:
    """36 products with every kind of attribute the handler converts: maps, lists, sets, decimals, binary."""
    products = []
    for number in range(36):
        kind, trait = KINDS[number % len(KINDS)], TRAITS[(number // len(KINDS)) % len(TRAITS)]
        products.append({
            "name": f"{trait.title()} {kind} {number:02d}",
            "description": f"A {trait} {kind} for everyday use, model {number:02d}.",
            "category": kind,
            "price": Decimal(f"{19 + number}.{number % 100:02d}"),
            "stock": 10 + number,
            "tags": {trait, kind, "demo"},
            "dimensions": {"width_mm": 100 + number, "height_mm": Decimal("25.5"), "colours": ["black", "white"]},
            "thumbnail": bytes([number, 255 - number, 7]),
        })
    return products


def typed(product: dict[str, Any]) -> dict[str, Any]:
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in product.items()}


def write_changes(dynamodb: Any, table: str, key_name: str) -> int:
    """Insert the catalogue, re-price a third of it, delete a sixth; returns the number of changes written.

    Every item carries this run's time, so a second run changes every document and the wait measures a real sync.
    """
    products = catalogue()
    run = {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    changes = 0
    for number, product in enumerate(products):
        dynamodb.put_item(TableName=table,
                          Item={key_name: {"S": f"p-{number:03d}"}, **typed(product), "demo_run": run})
        changes += 1
    for number in range(0, len(products), 3):
        dynamodb.update_item(TableName=table, Key={key_name: {"S": f"p-{number:03d}"}},
                             UpdateExpression="SET price = :p, on_sale = :s",
                             ExpressionAttributeValues={":p": {"N": "9.99"}, ":s": {"BOOL": True}})
        changes += 1
    for number in range(1, len(products), 6):
        dynamodb.delete_item(TableName=table, Key={key_name: {"S": f"p-{number:03d}"}})
        changes += 1
    return changes


def wait_for_convergence(dynamodb: Any, table: str, opensearch_url: str, index: str) -> float:
    started = time.monotonic()
    while True:
        difference = compare(dynamodb, table, opensearch_url, index)
        if not difference:
            return time.monotonic() - started
        if time.monotonic() - started > CONVERGE_TIMEOUT_S:
            raise SystemExit(f"The index did not converge within {CONVERGE_TIMEOUT_S}s:\n{difference.summary()}\n"
                             f"See .stack/runner.log for the ESM runner's log.")
        time.sleep(0.2)


def search(opensearch_url: str, index: str, text: str) -> list[dict[str, Any]]:
    body = {"size": 5, "query": {"multi_match": {"query": text, "fields": ["name^2", "description"]}}}
    return post_json(f"{opensearch_url}/{index}/_search", body)["hits"]["hits"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".stack")
    args = parser.parse_args()
    env_file = args.state_dir / "env"
    if not env_file.exists():
        print(f"No running embedded stack ({env_file} is missing): run `make up` first.", file=sys.stderr)
        return 1
    env = read_env(env_file)
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    region_name=env["AWS_DEFAULT_REGION"])
    dynamodb = session.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"])

    print("Applying examples/local with Terraform ...", flush=True)
    terraform = Terraform(ROOT / "examples" / "local", args.state_dir / "terraform", env=env)
    terraform.init()
    variables = {"aws_endpoint_url": env["AWS_ENDPOINT_URL"], "opensearch_endpoint": env["OPENSEARCH_URL"],
                 "lambda_zip_path": str(ROOT / "dist" / "lambda.zip")}
    terraform.apply(variables)
    outputs = terraform.outputs()
    table, index = outputs["table_name"], outputs["opensearch_index"]
    key_name = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"][0]["AttributeName"]
    print(f"Deployed: table {table} -> function {outputs['function_name']} -> index {index}")

    started = time.monotonic()
    changes = write_changes(dynamodb, table, key_name)
    written = time.monotonic() - started
    print(f"Wrote {changes} changes (puts, updates, deletes) in {written:.2f}s; waiting for the index ...", flush=True)
    lag = wait_for_convergence(dynamodb, table, env["OPENSEARCH_URL"], index)
    documents = index_documents(env["OPENSEARCH_URL"], index)
    print(f"Index equals table ({len(documents)} documents): converged {lag:.2f}s after the last write, "
          f"{written + lag:.2f}s after the first.")

    print(f"\nFull-text search for {QUERY!r}:")
    for hit in search(env["OPENSEARCH_URL"], index, QUERY):
        source = hit["_source"]
        print(f"  {float(hit['_score']):6.2f}  {source['name']:<36} {source['price']:>7}  {source['description']}")
    print(f"\nThe stack is still running ({env_file}). `make down` stops it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
