"""Mapping settings as the Lambda API returns them, with defaults, documented ranges and clear errors."""

import json

import pytest

from esm_runner.mappings import UNLIMITED, MappingError, MappingSettings, is_dynamodb_stream

STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"


def config(**fields):
    return {"UUID": "u-1", "FunctionArn": "arn:aws:lambda:us-east-1:1:function:f", "EventSourceArn": STREAM,
            "State": "Enabled", **fields}


def test_defaults_follow_the_service():
    settings = MappingSettings.from_api(config())
    assert (settings.batch_size, settings.batching_window, settings.starting_position) == (100, 0.0, "TRIM_HORIZON")
    assert settings.max_retry_attempts == settings.max_record_age == UNLIMITED
    assert settings.parallelization_factor == 1 and not settings.report_batch_item_failures
    assert settings.warnings == ()


def test_every_field_is_read():
    settings = MappingSettings.from_api(config(
        BatchSize=10, MaximumBatchingWindowInSeconds=1, StartingPosition="LATEST",
        FunctionResponseTypes=["ReportBatchItemFailures"], BisectBatchOnFunctionError=True, MaximumRetryAttempts=3,
        MaximumRecordAgeInSeconds=3600, ParallelizationFactor=4, TumblingWindowInSeconds=30,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:q"}},
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
        MetricsConfig={"Metrics": ["EventCount"]}, State="Disabled"))
    assert settings == MappingSettings(
        uuid="u-1", function_arn="arn:aws:lambda:us-east-1:1:function:f", stream_arn=STREAM, enabled=False,
        batch_size=10, batching_window=1.0, starting_position="LATEST", report_batch_item_failures=True,
        bisect_on_error=True, max_retry_attempts=3, max_record_age=3600,
        on_failure_destination="arn:aws:sqs:us-east-1:1:q", filters=({"eventName": ["INSERT"]},),
        parallelization_factor=4, tumbling_window=30, event_count_metrics=True)


def test_values_outside_the_documented_ranges_are_honoured_with_a_warning():
    settings = MappingSettings.from_api(config(MaximumRecordAgeInSeconds=2, ParallelizationFactor=11))
    assert settings.max_record_age == 2
    assert any("MaximumRecordAgeInSeconds=2 is outside the documented range 60..604800" in w
               for w in settings.warnings)
    assert any("ParallelizationFactor=11" in w for w in settings.warnings)


@pytest.mark.parametrize("fields, message", [
    ({"StartingPosition": "AT_TIMESTAMP"}, "allowed: TRIM_HORIZON, LATEST"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "{"}]}}, "mapping u-1: FilterCriteria filter #0"),
])
def test_unusable_mappings_are_named(fields, message):
    with pytest.raises(MappingError, match=message):
        MappingSettings.from_api(config(**fields))


def test_only_dynamodb_streams_are_taken():
    assert is_dynamodb_stream(STREAM)
    assert not is_dynamodb_stream("arn:aws:kinesis:us-east-1:1:stream/s")
    assert not is_dynamodb_stream("arn:aws:sqs:us-east-1:1:q")


def test_numeric_on_a_dynamodb_number_is_warned_about():
    pattern = {"dynamodb": {"NewImage": {"price": {"N": [{"numeric": [">", 10]}]}, "n": {"N": ["5"]}}}}
    settings = MappingSettings.from_api(config(FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]}))
    [warning] = settings.warnings
    assert "filter #0.dynamodb.NewImage.price.N" in warning and "never matches" in warning
