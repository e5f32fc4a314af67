"""Settings: defaults, and errors that name the variable and the allowed values."""
from __future__ import annotations

import pytest

from ddb_opensearch_sync.config import ConfigError, load

BASE = {"OPENSEARCH_ENDPOINT": "https://search.example.test", "OPENSEARCH_INDEX": "products", "AWS_REGION": "eu-west-1"}


def test_defaults():
    settings = load(BASE)
    assert (settings.auth, settings.region, settings.bulk_max_bytes, settings.bulk_max_actions) == ("iam", "eu-west-1", 5 * 1024 * 1024, 1000)
    assert (settings.poison_policy, settings.ttl_deletes, settings.max_retries, settings.timeout_seconds) == ("report", "delete", 5, 10.0)
    assert settings.index_fields == () and settings.metrics_namespace == "DdbOpenSearchSync"


@pytest.mark.parametrize("change, policy", [
    ({}, "report"),  # nowhere to send poison records: report them, nothing is dropped
    ({"FAILURE_DESTINATION_ARN": "arn:aws:sqs:eu-west-1:1:q"}, "destination"),  # send them there, the stream moves on
    ({"FAILURE_DESTINATION_ARN": "arn:aws:sqs:eu-west-1:1:q", "POISON_POLICY": "report"}, "report"),
])
def test_poison_policy_defaults_to_the_destination_when_there_is_one(change, policy):
    assert load({**BASE, **change}).poison_policy == policy


def test_index_template_names_its_attributes():
    assert load({**BASE, "OPENSEARCH_INDEX": "orders-{tenant}-{year}"}).index_fields == ("tenant", "year")


@pytest.mark.parametrize("change, names", [
    ({"OPENSEARCH_ENDPOINT": ""}, ["OPENSEARCH_ENDPOINT", "scheme"]),
    ({"OPENSEARCH_ENDPOINT": "search.example.test"}, ["OPENSEARCH_ENDPOINT", "scheme and host"]),
    ({"OPENSEARCH_ENDPOINT": "ftp://x"}, ["OPENSEARCH_ENDPOINT"]),
    ({"OPENSEARCH_INDEX": ""}, ["OPENSEARCH_INDEX is required"]),
    ({"OPENSEARCH_INDEX": "Products"}, ["OPENSEARCH_INDEX", "lower-case"]),
    ({"OPENSEARCH_INDEX": "orders-{tenant"}, ["OPENSEARCH_INDEX", "placeholders"]),
    ({"OPENSEARCH_INDEX": "orders-{a.b}"}, ["OPENSEARCH_INDEX", "plain attribute names"]),
    ({"OPENSEARCH_AUTH": "basic"}, ["OPENSEARCH_AUTH='basic'", "iam, aoss, none"]),
    ({"AWS_REGION": ""}, ["OPENSEARCH_REGION", "OPENSEARCH_AUTH=iam"]),
    ({"BULK_MAX_BYTES": "10"}, ["BULK_MAX_BYTES='10'", "1024 to 1.04858e+08"]),
    ({"BULK_MAX_ACTIONS": "many"}, ["BULK_MAX_ACTIONS", "an integer from 1 to 10000"]),
    ({"MAX_RETRIES": "-1"}, ["MAX_RETRIES", "0 to 20"]),
    ({"OPENSEARCH_TIMEOUT_SECONDS": "0"}, ["OPENSEARCH_TIMEOUT_SECONDS", "a number from 0.1 to 900"]),
    ({"POISON_POLICY": "drop"}, ["POISON_POLICY", "report, destination"]),
    ({"POISON_POLICY": "destination"}, ["POISON_POLICY=destination needs FAILURE_DESTINATION_ARN", "SQS queue, SNS topic or S3"]),
    ({"FAILURE_DESTINATION_ARN": "arn:aws:lambda:us-east-1:1:function:f"}, ["FAILURE_DESTINATION_ARN", "SQS queue, SNS topic or S3 bucket"]),
    ({"TTL_DELETES": "ignore"}, ["TTL_DELETES", "delete, keep"]),
    ({"LOG_LEVEL": "trace"}, ["LOG_LEVEL", "INFO, DEBUG"]),
    ({"INCLUDE_FIELDS": "a,b", "EXCLUDE_FIELDS": "b"}, ["INCLUDE_FIELDS and EXCLUDE_FIELDS both name b"]),
])
def test_bad_settings_name_the_variable_and_what_is_allowed(change, names):
    with pytest.raises(ConfigError) as raised:
        load({**BASE, **change})
    for name in names:
        assert name in str(raised.value)


def test_handler_init_fails_with_the_message(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, **BASE, "OPENSEARCH_AUTH": "basic", "PYTHONPATH": "lambda"}
    done = subprocess.run([sys.executable, "-c", "import ddb_opensearch_sync.handler"], env=env, capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert done.returncode != 0
    assert "ConfigError: OPENSEARCH_AUTH='basic' is not allowed; use one of: iam, aoss, none" in done.stderr
