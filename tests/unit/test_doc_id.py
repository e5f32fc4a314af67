"""Document ids: stable, URL-safe, and distinct for distinct keys whatever they contain."""
from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings, strategies as st

from ddb_opensearch_sync.doc_id import MAX_ID_BYTES, KeyAttributeError, document_id

URL_SAFE = re.compile(r"^[A-Za-z0-9._~%-]+$")
values = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(min_size=1, max_size=40)),
    st.builds(lambda n: {"N": str(n)}, st.integers(min_value=-10**20, max_value=10**20)),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40)), min_size=2, max_size=2, unique=True))
def test_distinct_composite_keys_give_distinct_url_safe_ids(pairs):
    ids = [document_id({"pk": {"S": p}, "sk": {"S": s}}) for p, s in pairs]
    assert ids[0] != ids[1]
    assert all(URL_SAFE.match(i) for i in ids)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=2, max_size=2, unique_by=lambda v: repr(v)))
def test_distinct_partition_keys_give_distinct_ids(keys):
    assert document_id({"id": keys[0]}) != document_id({"id": keys[1]})


def test_separator_inside_values_cannot_collide():
    assert document_id({"pk": {"S": "a~b"}, "sk": {"S": "c"}}) != document_id({"pk": {"S": "a"}, "sk": {"S": "b~c"}})
    assert document_id({"pk": {"S": "a%7Eb"}}) != document_id({"pk": {"S": "a~b"}})


def test_ids_are_readable_and_independent_of_key_order_in_the_event():
    assert document_id({"productId": {"S": "p-1"}}) == "p-1"
    assert document_id({"sk": {"N": "7"}, "pk": {"S": "a b"}}) == document_id({"pk": {"S": "a b"}, "sk": {"N": "7"}}) == "a%20b~7"


def test_numbers_are_canonical_so_equal_keys_share_an_id():
    assert document_id({"n": {"N": "1.50"}}) == document_id({"n": {"N": "1.5"}}) == "1.5"
    assert document_id({"n": {"N": "1E+2"}}) == document_id({"n": {"N": "100"}}) == "100"


def test_binary_keys_use_base64url():
    assert document_id({"b": {"B": base64.b64encode(b"\xfb\xff").decode()}}) == "-_8"


def test_long_keys_are_hashed_within_the_opensearch_limit():
    long_id = document_id({"pk": {"S": "é" * 1024}, "sk": {"S": "x" * 1024}})
    assert long_id.startswith("~") and len(long_id) <= MAX_ID_BYTES
    assert long_id != document_id({"pk": {"S": "é" * 1024}, "sk": {"S": "x" * 1023}})


@pytest.mark.parametrize("keys, message", [
    ({}, "one or two key attributes"),
    ({"pk": {"S": ""}}, "non-empty S, N or B"),
    ({"pk": {"BOOL": True}}, "non-empty S, N or B"),
    ({"pk": {"B": "not base64!"}}, "B must be base64"),
])
def test_bad_keys_say_what_is_allowed(keys, message):
    with pytest.raises(KeyAttributeError) as raised:
        document_id(keys)
    assert message in str(raised.value)
