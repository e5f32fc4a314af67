"""Batch size, batching window, the 6 MB payload cap, and parallel lanes keeping order per item (facts §7)."""

from esm_runner.batching import MAX_PAYLOAD_BYTES, Pending, is_ready, take_batch
from esm_runner.parallel import lane_of, plan_round


def item(seq, key="a", filler=""):
    return Pending({"dynamodb": {"SequenceNumber": str(seq), "Keys": {"pk": {"S": key}},
                                 "NewImage": {"blob": {"S": filler}}, "ApproximateCreationDateTime": 1.0}})


def test_batch_size_limits_the_batch():
    assert [p.sequence for p in take_batch([item(i) for i in range(5)], 3)] == [0, 1, 2]


def test_payload_cap_limits_the_batch_and_one_record_always_goes():
    big = "x" * (400 * 1024)  # a 400 KB item, DynamoDB's maximum
    records = [item(i, filler=big) for i in range(20)]
    batch = take_batch(records, 100)
    assert 1 < len(batch) < 20
    assert sum(p.size for p in batch) <= MAX_PAYLOAD_BYTES
    assert sum(p.size for p in records[:len(batch) + 1]) > MAX_PAYLOAD_BYTES - 1024
    assert len(take_batch(records, 100, max_bytes=10)) == 1


def test_ready_when_full_or_when_the_window_elapsed():
    records = [item(i) for i in range(3)]
    assert is_ready(records, 3, window=10, waited=0)
    assert not is_ready(records, 4, window=10, waited=9.9)
    assert is_ready(records, 4, window=10, waited=10)
    assert is_ready(records, 4, window=0, waited=0)
    assert not is_ready([], 1, window=0, waited=5)


def test_parallel_lanes_keep_each_items_order_and_never_split_an_item():
    keys = [f"k{i}" for i in range(12)]
    records = [item(seq, keys[seq % 12]) for seq in range(120)]
    batches = plan_round(records, factor=4, batch_size=1000)
    assert 1 < len(batches) <= 4
    for batch in batches:
        assert len({lane_of(p.key, 4) for p in batch}) == 1
        assert [p.sequence for p in batch] == sorted(p.sequence for p in batch)
    assert sorted(p.sequence for b in batches for p in b) == list(range(120))


def test_lanes_take_the_oldest_records_of_each_lane_first():
    records = [item(seq, f"k{seq % 3}") for seq in range(30)]
    for batch in plan_round(records, factor=3, batch_size=2):
        lane = lane_of(batch[0].key, 3)
        assert batch == [p for p in records if lane_of(p.key, 3) == lane][:2]
