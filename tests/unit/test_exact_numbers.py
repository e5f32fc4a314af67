"""Every digit DynamoDB keeps (38 significant, magnitudes 1E-130 to 9.99…E+125), we keep: in document ids and
in `_source`, whatever the ambient decimal context; and the fast conversion path writes the same bytes as a
straightforward reference implementation."""
from __future__ import annotations

import base64
import json
from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import assume, given, settings, strategies as st

from ddb_opensearch_sync import convert
from ddb_opensearch_sync.bulk import dumps
from ddb_opensearch_sync.doc_id import document_id
from test_convert import typed_values_with

WIDE = Context(prec=400, Emax=10**6, Emin=-10**6)  # the reference's own context: wide enough to be exact


@st.composite
def dynamodb_numbers(draw) -> Decimal:
    """Any number DynamoDB accepts: up to 38 significant digits, magnitude 1E-130 .. 9.99…E+125 (or zero)."""
    digits = draw(st.integers(min_value=0, max_value=10**38 - 1))
    if digits == 0:
        return Decimal(0)
    width = len(str(digits))
    exponent = draw(st.integers(min_value=-130 - (width - 1), max_value=125 - (width - 1)))
    return Decimal(f"{'-' if draw(st.booleans()) else ''}{digits}E{exponent}")


def spellings(value: Decimal) -> list[str]:
    """Ways to write one value: scientific, plain, trailing zeros, lower-case exponent, explicit exponent 0."""
    sign, digits, exponent = value.as_tuple()
    mantissa = ("-" if sign else "") + "".join(map(str, digits))
    with localcontext(WIDE):
        out = [str(value), format(value, "f"), f"{value:e}", f"{mantissa}00E{exponent - 2}", f"{mantissa}e{exponent:+d}"]
        assert all(Decimal(s) == value for s in out)
        return out


@settings(max_examples=400, deadline=None)
@given(dynamodb_numbers(), dynamodb_numbers())
def test_distinct_numeric_keys_give_distinct_ids(a, b):
    assume(a != b)
    assert document_id({"pk": {"S": "p"}, "sk": {"N": str(a)}}) != document_id({"pk": {"S": "p"}, "sk": {"N": str(b)}})


@settings(max_examples=300, deadline=None)
@given(dynamodb_numbers())
def test_one_value_written_differently_gives_one_id(value):
    assert len({document_id({"n": {"N": s}}) for s in spellings(value)}) == 1


def test_the_issue_keys_differing_after_the_28th_digit_stay_apart_and_equal_spellings_share():
    a = document_id({"sk": {"N": "1234567890123456789012345678.9012345678"}})
    b = document_id({"sk": {"N": "1234567890123456789012345678.9"}})
    assert a == "1234567890123456789012345678.9012345678" and b == "1234567890123456789012345678.9"
    assert document_id({"n": {"N": "1.0"}}) == document_id({"n": {"N": "1"}}) == document_id({"n": {"N": "1E0"}}) == "1"
    assert document_id({"n": {"N": "1E-130"}}) == "0." + "0" * 129 + "1"


@settings(max_examples=400, deadline=None)
@given(dynamodb_numbers())
def test_source_keeps_every_digit(value):
    for text in spellings(value):
        written = json.loads(dumps(convert.item({"n": {"N": text}})), parse_float=Decimal, parse_int=Decimal)["n"]
        assert written == value


@pytest.mark.parametrize("ambient", [Context(prec=5), Context(prec=28, capitals=0), Context(prec=1, Emax=1, Emin=-1)])
def test_nothing_depends_on_the_ambient_decimal_context(ambient):
    with localcontext(ambient):
        item = convert.item({"n": {"N": "1.0000000000000000000000000000000000001"}, "s": {"NS": ["1E+125", "1E-130"]},
                             "e": {"N": "1.23456789012345678E-130"}})
        text = dumps(item)
        key = document_id({"sk": {"N": "1234567890123456789012345678.9012345678"}})
    assert text == ('{"n":1.0000000000000000000000000000000000001,"s":[1e-130,1' + "0" * 125 + ".0],"
                    '"e":1.23456789012345678E-130}')
    assert key == "1234567890123456789012345678.9012345678"


# --- the fast path against a straightforward reference -------------------------------------------------

def reference_number(text: str) -> str:
    """The JSON the handler has always written for an N: integers as integers, up to 15 significant digits as
    the shortest float text, more as the exact decimal."""
    with localcontext(WIDE):
        value = Decimal(text)
        if value == value.to_integral_value():
            return str(int(value))
        if len(value.normalize().as_tuple().digits) <= 15:
            return repr(float(value))
        return str(value)


def reference(typed: dict) -> str:
    """The JSON text of one typed value, written out directly (no conversion to Python values first)."""
    (tag, raw), = typed.items()
    if tag == "S":
        return json.dumps(raw, ensure_ascii=False)
    if tag == "N":
        return reference_number(raw)
    if tag == "B":
        return json.dumps(raw)
    if tag == "BOOL":
        return "true" if raw else "false"
    if tag == "NULL":
        return "null"
    if tag == "M":
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{reference(v)}" for k, v in raw.items()) + "}"
    if tag == "SS":
        return json.dumps(sorted(raw), ensure_ascii=False, separators=(",", ":"))
    if tag == "BS":
        return json.dumps(sorted(raw, key=base64.b64decode), separators=(",", ":"))
    parts = [{"N": s} for s in sorted(raw, key=Decimal)] if tag == "NS" else raw
    written = [reference(v) for v in parts]
    numbers = [(w, v) for w, v in zip(written, parts) if next(iter(v)) == "N"]
    if any("." in w or "E" in w or "e" in w for w, _ in numbers) and any(w.lstrip("-").isdigit() for w, _ in numbers):
        written = [w + ".0" if next(iter(v)) == "N" and w.lstrip("-").isdigit() else w for w, v in zip(written, parts)]
    return "[" + ",".join(written) + "]"


number_texts = st.one_of(
    dynamodb_numbers().flatmap(lambda v: st.sampled_from(spellings(v))),
    st.integers(-10**6, 10**6).map(str),
    st.integers(1, 99999).map(lambda c: f"{c / 100:.2f}"),  # prices such as 19.90: trailing zeros
)
typed_values = typed_values_with(number_texts)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), typed_values, min_size=1, max_size=6))
def test_fast_path_writes_the_bytes_of_the_reference(item):
    assert dumps(convert.item(item)) == reference({"M": item})
    validated = {k: convert.value(v, k) for k, v in item.items()}  # the validating path, value by value
    assert dumps(validated) == dumps(convert.item(item))
