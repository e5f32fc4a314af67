"""Checkpoints: contiguous progress across lanes (robust to repeated sequence numbers), and a store that survives a
new process, retry state of in-flight batches included."""

from esm_runner.checkpoints import CheckpointStore, ContiguousProgress


def test_checkpoint_only_moves_past_records_that_are_all_done():
    progress = ContiguousProgress()
    positions = {seq: progress.add(seq, done=(seq == 2)) for seq in (1, 2, 3, 4)}
    progress.mark_done([positions[3]])
    assert progress.advance() is None  # 1 is still in flight
    progress.mark_done([positions[1]])
    assert progress.advance() == 3
    assert not progress.idle()
    progress.mark_done([positions[4]])
    assert progress.advance() == 4 and progress.idle()


def test_a_repeated_sequence_number_neither_freezes_progress_nor_marks_its_twin_done():
    progress = ContiguousProgress()
    first, twin, last = progress.add(7), progress.add(7), progress.add(8)
    progress.mark_done([first])
    assert progress.advance() == 7 and not progress.idle()  # the twin is still in flight
    progress.mark_done([twin, last])
    assert progress.advance() == 8 and progress.idle()


def test_store_survives_a_new_instance(tmp_path):
    store = CheckpointStore(tmp_path, "uuid-1")
    store.update("shard-a", sequence="123456789012345678901234")
    store.update("shard-a", finished=True)
    again = CheckpointStore(tmp_path, "uuid-1")
    assert again.shard("shard-a") == {"sequence": "123456789012345678901234", "finished": True}
    assert again.shard("shard-b") == {}
    assert [p.name for p in tmp_path.iterdir()] == ["uuid-1.json"]


def test_retry_state_survives_a_new_instance_and_stale_state_is_dropped(tmp_path):
    attempts = CheckpointStore(tmp_path, "uuid-1").attempts("shard-a")
    attempts.save("105", {"size": 2, "retries": 3, "invocations": 4, "first_failure": 1700000000.0})
    attempts.save("101", {"size": 1, "retries": 1, "invocations": 1, "first_failure": None})
    again = CheckpointStore(tmp_path, "uuid-1")
    assert again.attempts("shard-a").load("105") == {"size": 2, "retries": 3, "invocations": 4,
                                                     "first_failure": 1700000000.0}
    again.forget_attempts_up_to("shard-a", 104)
    again.attempts("shard-a").save("105", None)
    assert CheckpointStore(tmp_path, "uuid-1").shard("shard-a") == {"attempts": {}}
