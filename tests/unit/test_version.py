"""External versions: ordered like the stream within a batch; 409s classified as stale or tie."""
from __future__ import annotations

import pytest

from ddb_opensearch_sync import version


def test_versions_follow_sequence_numbers_within_a_second_and_across_seconds():
    stamps = [(100, 30), (100, 10), (101, 40), (100, 20)]  # delivered out of order on purpose
    assert version.assign(stamps) == [100_000_002, 100_000_000, 101_000_000, 100_000_001]


def test_sequence_numbers_compare_as_integers_not_strings():
    assert version.assign([(5, 9), (5, 10)]) == [5_000_000, 5_000_001]


def test_a_later_second_always_wins_over_any_ordinal_of_an_earlier_one():
    assert version.assign([(7, 1)])[0] > version.PER_SECOND * 6 + (version.PER_SECOND - 1)


@pytest.mark.parametrize("stamp, second", [
    (1700000000, 1700000000), (1700000000.9, 1700000000), ("1700000000", 1700000000),
    ("2023-11-14T22:13:20Z", 1700000000), ("2023-11-14T22:13:20.500+00:00", 1700000000),
])
def test_creation_time_as_number_or_iso_text(stamp, second):
    assert version.epoch_second(stamp) == second


@pytest.mark.parametrize("stamp", [None, True, "yesterday", [1]])
def test_bad_creation_time_is_named(stamp):
    with pytest.raises(ValueError, match="ApproximateCreationDateTime"):
        version.epoch_second(stamp)


def test_stored_version_is_read_from_the_conflict_reason():
    reason = "version_conflict_engine_exception: [p-1]: version conflict, current version [1700000000000003] is higher or equal to the one provided [1700000000000001]"
    assert version.stored_version(reason) == 1700000000000003
    assert version.stored_version("something else") is None


def test_a_conflict_in_the_same_second_is_a_tie_and_an_earlier_second_is_stale():
    assert version.tie(1700000000_000_000, 1700000000_000_005)
    assert not version.tie(1699999999_000_009, 1700000000_000_000)
    assert not version.tie(1700000000_000_000, None)
