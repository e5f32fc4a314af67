"""Conversion of DynamoDB JSON: property-based against boto3's TypeDeserializer as the reference."""
from __future__ import annotations

import base64
import json
from decimal import Context, Decimal, localcontext

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import given, settings, strategies as st

from ddb_opensearch_sync import convert
from ddb_opensearch_sync.bulk import dumps

numbers = st.one_of(  # as DynamoDB stores them: at most 38 significant digits, normalized
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(lambda d: d.normalize()).filter(
        lambda d: d != 0 and len(d.as_tuple().digits) <= 38 and -130 <= d.adjusted() <= 125),
).map(str)
names = st.text(min_size=1, max_size=8)
def typed_values_with(numbers: st.SearchStrategy[str]) -> st.SearchStrategy[dict]:
    """Any DynamoDB-typed value (every type, nested maps and lists) with N strings drawn from `numbers`."""
    scalars = st.one_of(
        st.builds(lambda s: {"S": s}, st.text(max_size=20)),
        st.builds(lambda n: {"N": n}, numbers),
        st.builds(lambda b: {"B": base64.b64encode(b).decode()}, st.binary(min_size=1, max_size=16)),
        st.builds(lambda b: {"BOOL": b}, st.booleans()),
        st.just({"NULL": True}),
        st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(max_size=8), min_size=1, max_size=5)),
        st.builds(lambda s: {"NS": list(s)}, st.lists(numbers, min_size=1, max_size=5, unique_by=Decimal)),
        st.builds(lambda s: {"BS": [base64.b64encode(b).decode() for b in s]},
                  st.sets(st.binary(min_size=1, max_size=8), min_size=1, max_size=5)),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.builds(lambda m: {"M": m}, st.dictionaries(names, inner, max_size=4)),
                                st.builds(lambda items: {"L": items}, st.lists(inner, max_size=4))),
        max_leaves=20,
    )


typed_values = typed_values_with(numbers)
items = st.dictionaries(names, typed_values, min_size=1, max_size=6)


def to_boto(typed):
    """Lambda's base64 binary → the bytes boto3's deserializer expects."""
    (tag, raw), = typed.items()
    if tag == "B":
        return {"B": base64.b64decode(raw)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in raw]}
    if tag == "M":
        return {"M": {k: to_boto(v) for k, v in raw.items()}}
    if tag == "L":
        return {"L": [to_boto(v) for v in raw]}
    return typed


def expected_json(value):
    """What a user expects in OpenSearch for a deserialized Python value."""
    if isinstance(value, Binary):
        return base64.b64encode(value.value).decode()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, set):
        converted = [expected_json(v) for v in value]
        if all(isinstance(v, str) for v in value):
            return sorted(converted)
        if all(isinstance(v, Binary) for v in value):
            return [base64.b64encode(b).decode() for b in sorted(v.value for v in value)]
        return one_number_type(sorted(converted, key=Decimal))
    if isinstance(value, dict):
        return {k: expected_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return one_number_type([expected_json(v) for v in value])
    return value


def one_number_type(values):
    """README: an array mixing integers and decimals carries its integers as n.0."""
    numbers = [v for v in values if isinstance(v, (int, Decimal)) and not isinstance(v, bool)]
    if any(isinstance(v, int) for v in numbers) and any(isinstance(v, Decimal) for v in numbers):
        with localcontext(Context(prec=100)):  # exact: n + 0.0 is n with one decimal place
            return [Decimal(v) + Decimal("0.0") if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
    return values


def exact(value):
    """Tag every number with its type so 1 == 1.0 == True cannot pass for each other."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, (float, Decimal)):
        return ("decimal", Decimal(str(value)))
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    return [exact(v) for v in value]


@settings(max_examples=200, deadline=None)
@given(items)
def test_any_item_converts_to_the_json_a_user_expects(item):
    reference = {k: expected_json(TypeDeserializer().deserialize(to_boto(v))) for k, v in item.items()}
    written = json.loads(dumps(convert.item(item)), parse_float=Decimal)
    assert exact(written) == exact(json.loads(dumps(reference), parse_float=Decimal))


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("-17", -17), ("1E+2", 100), ("100.000", 100), ("12345678901234567890123456789012345678", 12345678901234567890123456789012345678),
    ("9223372036854775808", 9223372036854775808),  # beyond OpenSearch long: stays an exact int (see README)
])
def test_integers_stay_exact_ints(text, expected):
    result = convert.number(text)
    assert type(result) is int and result == expected
    assert dumps(result) == str(expected)


@pytest.mark.parametrize("text, written", [
    ("1.5", "1.5"), ("0.1", "0.1"), ("-0.000123", "-0.000123"),
    ("3.14159265358979323846264338327950288", "3.14159265358979323846264338327950288"),
    ("1.23456789012345678E-130", "1.23456789012345678E-130"),
])
def test_decimals_keep_their_digits_in_json(text, written):
    assert Decimal(dumps(convert.number(text))) == Decimal(text)
    assert Decimal(json.loads(dumps([convert.number(text)]), parse_float=Decimal)[0]) == Decimal(written)


def test_number_sets_sort_by_exact_value_not_by_rounded_float():
    close = ["0.1000000000000000001", "0.1", "2", "-3"]
    assert dumps(convert.value({"NS": close})) == "[-3.0,0.1,0.1000000000000000001,2.0]"


def test_arrays_mixing_integers_and_decimals_write_integers_as_n_point_0():
    assert dumps(convert.value({"L": [{"N": "1"}, {"N": "2.5"}, {"S": "x"}, {"BOOL": True}]})) == '[1.0,2.5,"x",true]'
    assert dumps(convert.value({"NS": ["3", "1"]})) == "[1,3]"
    assert dumps(convert.value({"L": [{"N": "12345678901234567890"}, {"N": "0.5"}]})) == "[12345678901234567890.0,0.5]"


def test_bytes_from_getitem_become_base64_like_event_binary():
    assert convert.value({"B": b"\x00\xff"}) == convert.value({"B": "AP8="}) == "AP8="


@pytest.mark.parametrize("typed, message", [
    ({"Q": "1"}, "unknown DynamoDB type 'Q'; allowed: S, N, B, BOOL, NULL, M, L, SS, NS, BS"),
    ({"N": "12abc"}, "N must be a decimal number string"),
    ({"N": "NaN"}, "N must be finite"),
    ({"S": 5}, "invalid S value"),
    ({"S": "a", "N": "1"}, "exactly one type key"),
    ({"NULL": False}, "invalid NULL value"),
    ({"M": {"inner": {"L": [{"BOOL": "yes"}]}}}, "price.inner[0]: invalid BOOL"),
])
def test_bad_input_names_the_attribute_path_and_what_is_allowed(typed, message):
    with pytest.raises(convert.ConversionError, match=None) as raised:
        convert.item({"price": typed})
    assert message in str(raised.value)
