"""Every success and failure response shape of facts.md §1–3, as the runner classifies them."""

import pytest

from esm_runner.responses import interpret

BATCH = ["1100000000000000000009", "1100000000000000000010", "1100000000000000000100"]


@pytest.mark.parametrize("payload", [None, [], {}, {"batchItemFailures": []}, {"batchItemFailures": None},
                                     {"unrelated": 1}])
def test_success_shapes(payload):
    assert interpret(payload, None, BATCH, report_batch_item_failures=True).succeeded


@pytest.mark.parametrize("payload, reason", [
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, "empty or null"),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, "empty or null"),
    ({"batchItemFailures": [{"itemIdentifier": "1100000000000000000011"}]}, "not a SequenceNumber"),
    ({"batchItemFailures": [{"itemId": BATCH[1]}]}, "no itemIdentifier key"),
    ({"batchItemFailures": [{"itemIdentifier": "not-a-number"}]}, "not a SequenceNumber"),
    ({"batchItemFailures": "oops"}, "must be a list"),
    ("a string", "neither null nor an object"),
])
def test_malformed_responses_fail_the_whole_batch(payload, reason):
    outcome = interpret(payload, None, BATCH, report_batch_item_failures=True)
    assert outcome.failed_from == 0 and outcome.full_failure
    assert reason in outcome.reason


def test_function_error_is_a_full_failure_whatever_the_payload():
    outcome = interpret(None, "boom", BATCH, report_batch_item_failures=True)
    assert outcome.full_failure and outcome.function_error == "Unhandled"


def test_checkpoint_at_the_lowest_sequence_number_compared_as_integers():
    # As strings "1100000000000000000100" < "110000000000000000010" would mislead; as integers 10 < 100.
    failures = [{"itemIdentifier": BATCH[2]}, {"itemIdentifier": BATCH[1]}]
    outcome = interpret({"batchItemFailures": failures}, None, BATCH, report_batch_item_failures=True)
    assert outcome.failed_from == 1 and not outcome.full_failure


def test_without_report_batch_item_failures_the_result_is_ignored():
    payload = {"batchItemFailures": [{"itemIdentifier": BATCH[0]}]}
    assert interpret(payload, None, BATCH, report_batch_item_failures=False).succeeded


def test_tumbling_window_state_is_read_from_the_response():
    assert interpret({"state": {"n": 3}}, None, BATCH, report_batch_item_failures=False).state == {"n": 3}


def test_an_identifier_shared_by_two_records_fails_from_the_first_of_them():
    batch = ["1100000000000000000009", "1100000000000000000010", "1100000000000000000010", "1100000000000000000100"]
    failures = {"batchItemFailures": [{"itemIdentifier": batch[3]}, {"itemIdentifier": batch[1]},
                                      {"itemIdentifier": batch[1]}]}
    assert interpret(failures, None, batch, report_batch_item_failures=True).failed_from == 1
