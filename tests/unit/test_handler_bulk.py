"""_bulk building and sending: exact numbers, chunking, 413 splits, bounded retries (fake transport)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ddb_opensearch_sync import bulk
from ddb_opensearch_sync.bulk import Action, Sender, chunks, dumps, encode
from ddb_opensearch_sync.transport import TransportError


class Script:
    """Answers each request with the next scripted reply; ok replies echo one item per action."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.bodies: list[bytes] = []

    def request(self, method, path, body, headers, timeout):
        self.bodies.append(body)
        reply = self.replies.pop(0) if self.replies else "ok"
        if isinstance(reply, Exception):
            raise reply
        actions = [json.loads(line) for line in body.splitlines() if b'"_id"' in line]
        if reply == "ok":
            return 200, json.dumps({"errors": False, "items": [{next(iter(a)): {"status": 201}} for a in actions]}).encode()
        if callable(reply):
            return 200, json.dumps({"errors": True, "items": [reply(a) for a in actions]}).encode()
        return reply


def sender(transport, **kw):
    options = dict(max_bytes=10_000, max_actions=1000, max_retries=3, timeout=1.0, sleep=lambda s: None)
    options.update(kw)
    return Sender(transport, **options)


def actions(n):
    return [Action("index", "i", str(k), k, {"k": k}) for k in range(n)]


def test_decimals_are_written_verbatim_and_floats_and_ints_as_json():
    assert dumps({"a": Decimal("1.2345678901234567890123"), "b": 1.5, "c": 10**30}) == '{"a":1.2345678901234567890123,"b":1.5,"c":1000000000000000000000000000000}'


def test_a_user_string_that_looks_like_the_marker_is_left_alone(monkeypatch):
    draws = iter([b"\x01" * 8, b"\x02" * 8])
    monkeypatch.setattr(bulk.os, "urandom", lambda n: next(draws))
    sneaky = "\x00" + "01" * 8 + ":5"
    assert json.loads(dumps({"s": sneaky, "d": Decimal("0.12345678901234567890")}), parse_float=Decimal) == {"s": sneaky, "d": Decimal("0.12345678901234567890")}


@pytest.mark.parametrize("index, doc_id", [("i", "a%2F"), ('q"\\', "é~\u2028\x01"), ("orders-7", "~" + "f" * 64)])
def test_encode_writes_the_bytes_json_dumps_would(index, doc_id):
    meta = {"_index": index, "_id": doc_id, "version": 7, "version_type": "external"}
    source = {"k": "\u00e9\"", "n": [1.5, 2], "d": Decimal("0.12345678901234567890")}
    expected = json.dumps({"index": meta}, ensure_ascii=False, separators=(",", ":")) + "\n" + dumps(source) + "\n"
    assert encode(Action("index", index, doc_id, 7, source)) == expected.encode()
    assert encode(Action("delete", index, doc_id, 7)) == (json.dumps({"delete": meta}, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def test_encode_uses_external_versions_and_delete_has_no_body():
    lines = encode(Action("delete", "i", "a%2F", 7)).decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"delete": {"_index": "i", "_id": "a%2F", "version": 7, "version_type": "external"}}]
    assert len(encode(Action("index", "i", "x", 7, {"a": 1})).splitlines()) == 2


def test_chunks_respect_bytes_and_count_and_keep_order():
    assert chunks([4, 4, 4, 4], max_bytes=8, max_actions=10) == [[0, 1], [2, 3]]
    assert chunks([1] * 5, max_bytes=100, max_actions=2) == [[0, 1], [2, 3], [4]]
    assert chunks([50, 1], max_bytes=10, max_actions=10) == [[0], [1]]  # an oversized action travels alone


def test_413_splits_the_chunk_until_it_fits():
    transport = Script((413, b"too large"), "ok", "ok")
    results = sender(transport).send(actions(4), lambda: 60_000)
    assert [r.status for r in results] == [201] * 4
    assert len(transport.bodies) == 3 and transport.bodies[0] == transport.bodies[1] + transport.bodies[2]


def test_413_for_a_single_action_is_a_permanent_item_error():
    results = sender(Script((413, b"too large"))).send(actions(1), lambda: 60_000)
    assert results[0].status == 413 and not results[0].retryable


def test_429_then_success_retries_only_what_failed():
    half = lambda a: {"index": {"status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}} if int(a["index"]["_id"]) % 2 else {"index": {"status": 201}}
    transport = Script(half, "ok")
    s = sender(transport)
    results = s.send(actions(4), lambda: 60_000)
    assert [r.status for r in results] == [201] * 4
    assert transport.bodies[1].count(b'"_id"') == 2 and s.stats["retries"] == 1


@pytest.mark.parametrize("failure", [(503, b"unavailable"), (429, b"slow down"), TransportError("timed out")])
def test_retries_stop_after_max_retries_and_stay_retryable(failure):
    transport = Script(*[failure] * 10)
    results = sender(transport, max_retries=2).send(actions(2), lambda: 60_000)
    assert len(transport.bodies) == 3 and all(r.retryable for r in results)


def test_no_retry_when_the_invocation_is_about_to_end():
    transport = Script((503, b"x"), "ok")
    results = sender(transport, timeout=1.0).send(actions(1), lambda: 1500)
    assert len(transport.bodies) == 1 and results[0].retryable


def test_item_errors_carry_type_and_reason():
    bad = lambda a: {"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "failed to parse field [n]"}}}
    result = sender(Script(bad)).send(actions(1), lambda: 60_000)[0]
    assert (result.status, result.error, result.retryable) == (400, "mapper_parsing_exception: failed to parse field [n]", False)


def test_an_unreadable_200_is_retried_not_taken_for_success():
    transport = Script((200, b"<html>proxy</html>"), "ok")
    assert sender(transport).send(actions(1), lambda: 60_000)[0].status == 201 and len(transport.bodies) == 2
