"""moto_stream_writes builds the record moto's StreamRecord builds, with its two corrections, and nothing else; so does
moto_stream_reads' builder, which measures SizeBytes from one dump of each image."""

from __future__ import annotations

import datetime
import random
import threading
from typing import Any

import pytest
from moto.dynamodb.models import table as moto_table
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamRecord
from test_moto_json_compiler import same
from test_moto_stream_reads import attribute, moto_body

from local_stack import moto_stream_reads, moto_stream_writes
from local_stack.moto_stream_reads import get_records_body

NOW = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)


class FakeTable:
    def __init__(self, range_key: str | None) -> None:
        self.hash_key_attr, self.range_key_attr = "pk", range_key


def moto_record(table: Any, view: str, event: str, old: Item | None, new: Item | None, seq: int = 7) -> dict[str, Any]:
    """moto's own record, then the two corrections moto_stream_writes documents: Keys from the image, whole seconds."""
    record = StreamRecord.__new__(StreamRecord)
    moto_stream_writes._moto_stream_record_init(record, table, view, event, old, new, seq)
    change = record.record["dynamodb"]
    image = (new if new is not None else old).to_json()["Attributes"]  # type: ignore[union-attr]
    change["Keys"] = {name: image[name] for name in change["Keys"]}
    change["ApproximateCreationDateTime"] = change["ApproximateCreationDateTime"].replace(microsecond=0)
    return record.record


@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"])
@pytest.mark.parametrize("range_key", [None, "sk"])
# no fraction in moto's time text at 0 microseconds; frames (_Frames) made at one second are not used at another
@pytest.mark.parametrize("now", [NOW, NOW.replace(microsecond=0),
                                 NOW + datetime.timedelta(seconds=61, microseconds=10)])
@pytest.mark.parametrize("build", [moto_stream_writes.stream_record, moto_stream_reads._stream_record])
@pytest.mark.parametrize("seq", [7, 10**20 + 12345])  # records differing in their digits share a frame (_Frames)
def test_records_are_moto_s_with_exact_keys_and_whole_seconds(build, seq, now, view, range_key, monkeypatch,
                                                               moto_random):
    monkeypatch.setattr(moto_table, "utcnow", lambda: now)
    monkeypatch.setattr(moto_stream_writes, "utcnow", lambda: now)
    rng = random.Random(4)
    table = FakeTable(range_key)
    for n in range(40):  # odd ones binary (moto's encoder measures those), even ones without
        attrs = {"pk": {"B": bytes([n, 0, 255])} if n % 2 else {"S": f"k{n}é"}, "sk": {"N": str(n)},
                 **{f"a{i}": attribute(rng, binary=n % 2 == 1) for i in range(rng.randint(0, 6))}}
        key = DynamoType(attrs["pk"]), DynamoType(attrs["sk"]) if range_key else None
        old = Item(*key, attrs)
        new = Item(*key, {**attrs, "changed": {"N": str(n)}})
        for event, before, after in (("INSERT", None, new), ("MODIFY", old, new), ("REMOVE", old, None)):
            moto_random.seed(n)
            expected = moto_record(table, view, event, before, after, seq)
            moto_random.seed(n)
            record = StreamRecord.__new__(StreamRecord)
            build(record, table, view, event, before, after, seq)
            same(record.record, expected)
            text = vars(record).get("get_records_json")
            if text is not None:  # written when made: byte for byte moto's serializer
                assert get_records_body([text], None) == moto_body({"Records": [record.to_json()]})


def test_the_test_thread_s_draws_from_moto_s_random_are_its_own(moto_random):
    """What the tests above rely on: another thread drawing from moto's random meanwhile (as the session's moto
    answering the runner does, a request id per request) changes nothing the seeded test thread draws."""
    from moto.moto_api._internal import mock_random

    stop = threading.Event()

    def draw_request_ids() -> None:
        while not stop.is_set():
            mock_random.get_random_string(52)

    other = threading.Thread(target=draw_request_ids)
    other.start()
    try:
        draws = []
        for _ in range(2):
            moto_random.seed(7)
            draws.append([mock_random.uuid4().hex + mock_random.get_random_hex() for _ in range(3000)])
    finally:
        stop.set()
        other.join()
    assert draws[0] == draws[1]
