"""Deploy one sync pipeline (table with a stream, the packaged function, its event source mapping) straight through
the AWS APIs of a running stack, for tests that need one in seconds and with settings of their own. The supported way
to deploy is the Terraform module (examples/local); this helper makes the same resources with boto3."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

HANDLER = "ddb_opensearch_sync.handler.lambda_handler"


@dataclass
class Pipeline:
    name: str
    table: str
    stream_arn: str
    function_arn: str
    mapping_uuid: str
    index: str
    queue_url: str = ""
    queue_arn: str = ""


def clients(env: dict[str, str]) -> dict[str, Any]:
    """boto3 clients for the stack's moto (env is the stack's dotenv contract)."""
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    region_name=env["AWS_DEFAULT_REGION"])
    return {name: session.client(name, endpoint_url=env["AWS_ENDPOINT_URL"])
            for name in ("dynamodb", "dynamodbstreams", "lambda", "iam", "sqs")}


def deploy(env: dict[str, str], package: Path, opensearch_endpoint: str, *, function_env: dict[str, str] | None = None,
           mapping: dict[str, Any] | None = None, failure_queue: bool = False, timeout_s: int = 30) -> Pipeline:
    """A new table (string key `pk`, NEW_AND_OLD_IMAGES stream), the function from `package` writing to
    `opensearch_endpoint`, and an enabled mapping from TRIM_HORIZON. With `failure_queue`, an SQS queue that is both
    the function's FAILURE_DESTINATION_ARN (POISON_POLICY=destination) and the mapping's on-failure destination."""
    aws = clients(env)
    name = f"p{uuid.uuid4().hex[:10]}"
    table = aws["dynamodb"].create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
    settings = {"OPENSEARCH_ENDPOINT": opensearch_endpoint, "OPENSEARCH_INDEX": name, "OPENSEARCH_AUTH": "none",
                "METRICS_NAMESPACE": ""}
    mapping_settings: dict[str, Any] = {"StartingPosition": "TRIM_HORIZON", "BatchSize": 100,
                                        "FunctionResponseTypes": ["ReportBatchItemFailures"], **(mapping or {})}
    queue_url = queue_arn = ""
    if failure_queue:
        queue_url = aws["sqs"].create_queue(QueueName=f"{name}-failures")["QueueUrl"]
        queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue_url,
                                                    AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        settings.update(POISON_POLICY="destination", FAILURE_DESTINATION_ARN=queue_arn)
        mapping_settings["DestinationConfig"] = {"OnFailure": {"Destination": queue_arn}}
    settings.update(function_env or {})
    role = aws["iam"].create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function_arn = aws["lambda"].create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler=HANDLER, Timeout=timeout_s, MemorySize=512,
        Code={"ZipFile": Path(package).read_bytes()}, Environment={"Variables": settings})["FunctionArn"]
    mapping_uuid = aws["lambda"].create_event_source_mapping(
        EventSourceArn=table["LatestStreamArn"], FunctionName=function_arn, **mapping_settings)["UUID"]
    return Pipeline(name, name, table["LatestStreamArn"], function_arn, mapping_uuid, name, queue_url, queue_arn)
