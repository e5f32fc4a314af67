"""Checkpoints: contiguous progress across lanes, and a store that survives a new process."""

from esm_runner.checkpoints import CheckpointStore, ContiguousProgress


def test_checkpoint_only_moves_past_records_that_are_all_done():
    progress = ContiguousProgress()
    for seq in (1, 2, 3, 4):
        progress.add(seq, done=(seq == 2))
    progress.mark_done([3])
    assert progress.advance() is None  # 1 is still in flight
    progress.mark_done([1])
    assert progress.advance() == 3
    assert not progress.idle()
    progress.mark_done([4])
    assert progress.advance() == 4 and progress.idle()


def test_store_survives_a_new_instance(tmp_path):
    store = CheckpointStore(tmp_path, "uuid-1")
    store.update("shard-a", sequence="123456789012345678901234")
    store.update("shard-a", finished=True)
    again = CheckpointStore(tmp_path, "uuid-1")
    assert again.shard("shard-a") == {"sequence": "123456789012345678901234", "finished": True}
    assert again.shard("shard-b") == {}
    assert [p.name for p in tmp_path.iterdir()] == ["uuid-1.json"]
