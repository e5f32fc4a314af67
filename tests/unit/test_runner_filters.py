"""FilterCriteria pattern syntax on DynamoDB stream records (facts §8)."""

import json

import pytest

from esm_runner.filters import matches_any, parse_filter_criteria


def record(event_name="INSERT", **image):
    return {"eventName": event_name, "dynamodb": {"Keys": {"pk": {"S": "1"}}, "NewImage": image}}


def created(epoch):
    return {"eventName": "INSERT", "dynamodb": {"ApproximateCreationDateTime": epoch, "NewImage": {}}}


def patterns(*objects):
    return parse_filter_criteria({"Filters": [{"Pattern": json.dumps(o)} for o in objects]})


ACTIVE = {"dynamodb": {"NewImage": {"status": {"S": ["active"]}}}}


@pytest.mark.parametrize("pattern, rec, expected", [
    (ACTIVE, record(status={"S": "active"}), True),
    (ACTIVE, record(status={"S": "inactive"}), False),
    (ACTIVE, record(), False),
    ({"eventName": ["INSERT", "MODIFY"]}, record("MODIFY"), True),
    ({"eventName": ["INSERT", "MODIFY"]}, record("REMOVE"), False),
    ({"dynamodb": {"NewImage": {"sku": {"S": [{"prefix": "AB-"}]}}}}, record(sku={"S": "AB-12"}), True),
    ({"dynamodb": {"NewImage": {"sku": {"S": [{"prefix": "AB-"}]}}}}, record(sku={"S": "XAB-1"}), False),
    ({"dynamodb": {"NewImage": {"sku": {"S": [{"suffix": "-9"}]}}}}, record(sku={"S": "AB-9"}), True),
    # DynamoDB numbers are strings in the event: numeric matchers and number literals never match them (AWS)
    ({"dynamodb": {"NewImage": {"price": {"N": [{"numeric": [">", 10, "<=", 20]}]}}}},
     record(price={"N": "20"}), False),
    ({"dynamodb": {"NewImage": {"price": {"N": [{"numeric": ["=", 5]}]}}}}, record(price={"N": "5.0"}), False),
    ({"dynamodb": {"NewImage": {"price": {"N": [5]}}}}, record(price={"N": "5"}), False),
    ({"dynamodb": {"NewImage": {"price": {"N": ["5"]}}}}, record(price={"N": "5"}), True),
    ({"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 10, "<=", 20]}]}}, created(20.0), True),
    ({"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 10, "<=", 20]}]}}, created(20.5), False),
    ({"dynamodb": {"ApproximateCreationDateTime": [20]}}, created(20.0), True),
    ({"dynamodb": {"ApproximateCreationDateTime": ["20"]}}, created(20.0), False),
    # exists looks for a leaf value; an attribute object {"BOOL": true} is not one (AWS)
    ({"dynamodb": {"NewImage": {"deleted": {"BOOL": [{"exists": True}]}}}}, record(deleted={"BOOL": True}), True),
    ({"dynamodb": {"NewImage": {"deleted": {"BOOL": [{"exists": False}]}}}}, record(deleted={"BOOL": True}), False),
    ({"dynamodb": {"NewImage": {"deleted": [{"exists": True}]}}}, record(deleted={"BOOL": True}), False),
    ({"dynamodb": {"NewImage": {"deleted": [{"exists": False}]}}}, record(deleted={"BOOL": True}), True),
    ({"dynamodb": {"NewImage": {"deleted": [{"exists": False}]}}}, record(), True),
    ({"eventName": [{"exists": True}]}, record(), True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["gone", "hidden"]}]}}}},
     record(status={"S": "active"}), True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "gone"}]}}}}, record(status={"S": "gone"}), False),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "tmp"}}]}}}},
     record(status={"S": "tmp-1"}), False),
    ({"dynamodb": {"NewImage": {"tags": {"SS": ["red"]}}}}, record(tags={"SS": ["blue", "red"]}), True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "ACTIVE"}]}}}},
     record(status={"S": "Active"}), True),
])
def test_single_pattern(pattern, rec, expected):
    assert matches_any(rec, patterns(pattern)) is expected


def test_filters_are_or_ed_and_keys_within_one_are_and_ed():
    both = {"eventName": ["INSERT"], **ACTIVE}
    removes = {"eventName": ["REMOVE"]}
    assert matches_any(record("INSERT", status={"S": "active"}), patterns(both, removes))
    assert matches_any(record("REMOVE"), patterns(both, removes))
    assert not matches_any(record("MODIFY", status={"S": "active"}), patterns(both, removes))


def test_no_filters_match_everything():
    assert matches_any(record(), ())


@pytest.mark.parametrize("criteria, message", [
    ({"Filters": [{"Pattern": "{not json"}]}, "filter #0 is not valid JSON"),
    ({"Filters": [{"Pattern": "[1]"}]}, "must be a non-empty JSON object"),
    ({"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]}, "non-empty list of matchers"),
    ({"Filters": [{"Pattern": '{"a": [{"wildcard": "x*"}]}'}]}, "unknown matcher"),
    ({"Filters": [{"Pattern": '{"a": [{"numeric": [">>", 1]}]}'}]}, "pairs of operator and number"),
])
def test_invalid_patterns_are_named(criteria, message):
    with pytest.raises(ValueError, match=message):
        parse_filter_criteria(criteria)
