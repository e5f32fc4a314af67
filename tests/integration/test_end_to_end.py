"""The whole pipeline: Terraform applies examples/local to the embedded stack; table writes reach OpenSearch.

Table write -> moto stream -> ESM runner (reading the mapping Terraform created) -> the packaged handler from the
zip Terraform uploaded -> OpenSearch. The index must end equal to the table: every item, every field, deletes gone.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from local_stack.terraform import Terraform
from verify_sync import compare, index_documents

ROOT = Path(__file__).resolve().parents[2]
CONVERGE_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def deployed(stack, lambda_zip, function_opensearch_url, tmp_path_factory):
    terraform = Terraform(ROOT / "examples" / "local", tmp_path_factory.mktemp("tf-e2e"), env=stack.env)
    terraform.init()
    variables = {"aws_endpoint_url": stack.aws_endpoint_url, "opensearch_endpoint": function_opensearch_url,
                 "name": "e2e", "lambda_zip_path": str(lambda_zip)}
    terraform.apply(variables)
    return terraform, variables, terraform.outputs()


@pytest.fixture(scope="module")
def dynamodb(stack):
    return boto3.client("dynamodb", endpoint_url=stack.aws_endpoint_url, region_name=stack.region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def wait_until_index_equals_table(dynamodb, table, opensearch_url, index):
    deadline = time.monotonic() + CONVERGE_TIMEOUT_S
    while True:
        difference = compare(dynamodb, table, opensearch_url, index)
        if not difference or time.monotonic() > deadline:
            return difference
        time.sleep(0.2)


def put(dynamodb, table, key_name, key, **attributes):
    serializer = TypeSerializer()
    item = {key_name: {"S": key}, **{name: serializer.serialize(value) for name, value in attributes.items()}}
    dynamodb.put_item(TableName=table, Item=item)


def test_index_ends_equal_to_table_after_inserts_updates_and_deletes(deployed, dynamodb, stack):
    _, _, outputs = deployed
    table, index = outputs["table_name"], outputs["opensearch_index"]
    key_name = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"][0]["AttributeName"]

    put(dynamodb, table, key_name, "every-type",
        title="Every type", price=Decimal("19.99"), qty=3, ok=True,
        nothing=None, tags={"b", "a"}, sizes={3, Decimal("1.5"), Decimal("2.5")}, blobs={b"\x02", b"\x01"}, blob=b"\x00\x01",
        nested={"list": [{"deep": ["x", "y"]}, {"deep": [], "n": Decimal("0.5")}], "map": {"k": "v"}})
    for number in range(20):
        put(dynamodb, table, key_name, f"item-{number:02d}", title=f"Item {number}", rank=number,
            attrs={"colour": "red" if number % 2 else "blue", "sizes": [number, number + 1]})
    for number in range(0, 20, 4):
        dynamodb.update_item(TableName=table, Key={key_name: {"S": f"item-{number:02d}"}},
                             UpdateExpression="SET title = :t REMOVE attrs",
                             ExpressionAttributeValues={":t": {"S": f"Updated {number}"}})
    for number in range(1, 20, 5):
        dynamodb.delete_item(TableName=table, Key={key_name: {"S": f"item-{number:02d}"}})

    difference = wait_until_index_equals_table(dynamodb, table, stack.opensearch_url, index)
    assert not difference, f"{difference.summary()}\nrunner log:\n{stack.runner_tail()}"

    documents = index_documents(stack.opensearch_url, index)
    assert len(documents) == 21 - 4
    # Spelled out by hand, independent of the converter the verifier shares with the handler.
    every = next(doc for doc in documents.values() if doc[key_name] == "every-type")
    assert every == {
        key_name: "every-type", "title": "Every type", "price": Decimal("19.99"), "qty": 3, "ok": True, "nothing": None, "tags": ["a", "b"], "sizes": [Decimal("1.5"), Decimal("2.5"), 3],
        "blobs": ["AQ==", "Ag=="], "blob": "AAE=",
        "nested": {"list": [{"deep": ["x", "y"]}, {"deep": [], "n": Decimal("0.5")}], "map": {"k": "v"}},
    }
    updated = next(doc for doc in documents.values() if doc[key_name] == "item-04")
    assert updated == {key_name: "item-04", "title": "Updated 4", "rank": 4}
    assert not any(doc[key_name] in {"item-01", "item-06", "item-11", "item-16"} for doc in documents.values())


def test_second_apply_changes_nothing(deployed):
    terraform, variables, _ = deployed
    code, plan = terraform.plan_exit_code(variables)
    assert code == 0, plan
