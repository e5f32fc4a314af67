"""Every example that can run without AWS is applied with real Terraform to the embedded stack, then re-planned:
the second plan must show no changes (`terraform plan -detailed-exitcode` == 0), and what the emulator stored
must be what the module promised (mapping settings, deployed code, permissions).

Each apply has its own TF_DATA_DIR and state file (local_stack.terraform.Terraform), so runs never share state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import boto3
import pytest

from local_stack.terraform import Terraform

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def client(service: str, endpoint_url: str, region: str):
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def apply_then_replan(example: str | Path, work_dir: Path, env: dict[str, str], variables: dict[str, object]) -> dict:
    """Apply an example (a name under examples/) or any configuration directory, then re-plan: no changes allowed."""
    terraform = Terraform(EXAMPLES / example, work_dir, env=env)
    terraform.init()
    terraform.apply(variables)
    code, plan = terraform.plan_exit_code(variables)
    assert code == 0, f"second plan of {example} is not empty:\n{plan[-4000:]}"
    return terraform.outputs()


@pytest.fixture
def package(lambda_zip, tmp_path) -> Path:
    """A private copy of dist/lambda.zip: a rebuild of dist/ between apply and re-plan must not look like drift."""
    return Path(shutil.copy(lambda_zip, tmp_path / "lambda.zip"))


def zip_sha256(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_local_example_applies_with_the_promised_mapping_and_replans_clean(stack, package, function_opensearch_url,
                                                                          tmp_path):
    outputs = apply_then_replan("local", tmp_path / "tf", stack.env, {
        "aws_endpoint_url": stack.aws_endpoint_url, "opensearch_endpoint": function_opensearch_url,
        "name": "ex-local", "lambda_zip_path": str(package)})
    lam = client("lambda", stack.aws_endpoint_url, stack.region)

    mapping = lam.get_event_source_mapping(UUID=outputs["event_source_mapping_uuid"])
    assert mapping["EventSourceArn"] == outputs["stream_arn"]
    assert {k: mapping[k] for k in ("StartingPosition", "BatchSize", "MaximumBatchingWindowInSeconds",
                                    "ParallelizationFactor", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                                    "MaximumRecordAgeInSeconds", "FunctionResponseTypes")} == {
        "StartingPosition": "TRIM_HORIZON", "BatchSize": 100, "MaximumBatchingWindowInSeconds": 1,
        "ParallelizationFactor": 1, "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": -1,
        "MaximumRecordAgeInSeconds": -1, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    queue_arn = client("sqs", stack.aws_endpoint_url, stack.region).get_queue_attributes(
        QueueUrl=outputs["failure_queue_url"], AttributeNames=["QueueArn", "SqsManagedSseEnabled"])["Attributes"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn["QueueArn"]
    assert queue_arn["SqsManagedSseEnabled"] == "true"

    function = lam.get_function(FunctionName=outputs["function_name"])["Configuration"]
    assert function["CodeSha256"] == zip_sha256(package)  # the runner finds the zip by this hash
    assert function["Handler"] == "ddb_opensearch_sync.handler.lambda_handler"
    assert function["Environment"]["Variables"] == {"OPENSEARCH_ENDPOINT": function_opensearch_url,
                                                    "OPENSEARCH_INDEX": "ex-local", "OPENSEARCH_AUTH": "none",
                                                    "POISON_POLICY": "destination",
                                                    "FAILURE_DESTINATION_ARN": queue_arn["QueueArn"]}

    role_name = function["Role"].rsplit("/", 1)[1]
    iam = client("iam", stack.aws_endpoint_url, stack.region)
    policy = iam.get_role_policy(RoleName=role_name, PolicyName=role_name)["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    granted = {s["Sid"]: (sorted(s["Action"]), s["Resource"]) for s in policy["Statement"]}
    assert granted == {
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"],
                         [f"arn:aws:logs:{stack.region}:123456789012:log-group:/aws/lambda/ex-local:*"]),
        "ReadTableStream": (["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                             "dynamodb:ListStreams"], [outputs["stream_arn"]]),
        "SendFailureRecords": (["sqs:GetQueueUrl", "sqs:SendMessage"], [queue_arn["QueueArn"]]),
        "ReadCurrentItem": (["dynamodb:BatchGetItem"], [client("dynamodb", stack.aws_endpoint_url, stack.region)
                                                   .describe_table(TableName="ex-local")["Table"]["TableArn"]]),
    }


def test_local_example_builds_the_package_at_apply_time_when_no_zip_is_given(moto_url, tmp_path):
    """The registry path: no `make package`. A moto of its own, because the stack's runner serves only dist/lambda.zip."""
    var_file = tmp_path / "vars.tfvars.json"
    var_file.write_text(json.dumps({"aws_endpoint_url": moto_url, "opensearch_endpoint": "http://127.0.0.1:9",
                                    "name": "ex-build", "lambda_zip_path": None}))
    terraform = Terraform(EXAMPLES / "local", tmp_path / "tf", env={"AWS_ACCESS_KEY_ID": "test",
                                                                     "AWS_SECRET_ACCESS_KEY": "test"})
    terraform.init()
    terraform.run("apply", "-auto-approve", "-input=false", f"-state={terraform.state}", f"-var-file={var_file}")
    second = terraform.run("plan", "-detailed-exitcode", "-input=false", f"-state={terraform.state}",
                           f"-var-file={var_file}", check=False)
    assert second.returncode == 0, f"second plan after an apply-time build is not empty:\n{second.stdout[-4000:]}"

    built = sorted((EXAMPLES / "local" / ".terraform" / "ddb-opensearch-sync").glob("lambda-ex-build-3.12-arm64-*.zip"),
                   key=lambda p: p.stat().st_mtime)[-1]
    function = client("lambda", moto_url, "us-east-1").get_function(FunctionName="ex-build")["Configuration"]
    assert function["CodeSha256"] == zip_sha256(built)


SHARED_QUEUE = ROOT / "tests" / "terraform" / "fixtures" / "shared-failure-queue"


def test_three_instances_share_a_queue_created_beside_them_and_build_their_packages_in_parallel(moto_url, tmp_path):
    """The two configurations that broke: a destination whose ARN is known only after apply (plan failed with
    "Invalid count argument"), and for_each instances building their packages at apply time at once (they raced
    on one temporary file). Applied to moto (no runner: the code is built here, not dist/lambda.zip)."""
    creds = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    # Packages an earlier run built from other sources (their names carry the sources' hash) are not this run's.
    shutil.rmtree(SHARED_QUEUE / ".terraform" / "ddb-opensearch-sync", ignore_errors=True)
    outputs = apply_then_replan(SHARED_QUEUE, tmp_path / "tf", creds,
                                {"aws_endpoint_url": moto_url, "prefix": "race"})

    instances = outputs["instances"]
    assert sorted(instances) == ["customers", "orders", "products"]
    lam = client("lambda", moto_url, "us-east-1")
    for instance in instances.values():
        mapping = lam.get_event_source_mapping(UUID=instance["mapping_uuid"])
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == outputs["failure_queue_arn"]
        assert instance["destination_arn"] == outputs["failure_queue_arn"]

    # Each instance built its own file; identical sources gave byte-identical zips, which is what was deployed.
    built = {p.name.split("-3.12-")[0]: p for p in (SHARED_QUEUE / ".terraform" / "ddb-opensearch-sync").glob("lambda-race-*.zip")}
    assert sorted(built) == ["lambda-race-customers", "lambda-race-orders", "lambda-race-products"]
    hashes = {zip_sha256(path) for path in built.values()}
    assert len(hashes) == 1
    assert {instance["function_code_sha256"] for instance in instances.values()} == hashes


@pytest.fixture
def existing_table(stack):
    """A table made outside Terraform, with its stream on (KEYS_ONLY: the handler must read items)."""
    dynamodb = client("dynamodb", stack.aws_endpoint_url, stack.region)
    dynamodb.create_table(TableName="ExOrders", BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    return dynamodb.describe_table(TableName="ExOrders")["Table"]


def test_existing_table_example_uses_its_stream_and_replans_clean(stack, package, existing_table,
                                                                  function_opensearch_url, tmp_path):
    outputs = apply_then_replan("existing-table", tmp_path / "tf", stack.env, {
        "aws_endpoint_url": stack.aws_endpoint_url, "opensearch_endpoint": function_opensearch_url,
        "name": "ex-existing", "table_name": "ExOrders", "lambda_zip_path": str(package)})
    assert outputs["stream_arn"] == existing_table["LatestStreamArn"]
    statements = {s["Sid"]: s for s in json.loads(outputs["role_policy_json"])["Statement"]}
    assert statements["ReadCurrentItem"]["Resource"] == [existing_table["TableArn"]]


def test_existing_table_without_stream_is_refused_at_plan_time(stack, package, tmp_path):
    client("dynamodb", stack.aws_endpoint_url, stack.region).create_table(
        TableName="ex-no-stream", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    terraform = Terraform(EXAMPLES / "existing-table", tmp_path / "tf", env=stack.env)
    terraform.init()
    result = terraform.run("plan", "-input=false", f"-state={terraform.state}",
                           f"-var=aws_endpoint_url={stack.aws_endpoint_url}",
                           f"-var=opensearch_endpoint={stack.opensearch_url}", "-var=table_name=ex-no-stream",
                           f"-var=lambda_zip_path={package}", check=False)
    assert result.returncode == 1
    assert "Table ex-no-stream has no stream enabled" in " ".join(result.stderr.split())
