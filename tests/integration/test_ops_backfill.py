"""Adopting an existing table: setup-index, then backfill while a writer keeps changing, deleting and re-creating
items; once the stream caught up, verify finds the index equal to the table, item by item."""
from __future__ import annotations

import json
import time

from ops_helpers import Adopted, Writer, run_cli

ITEMS = 2000


def test_backfill_during_live_writes_ends_equal_and_verify_sees_drift(stack, lambda_zip, tmp_path, monkeypatch):
    adopted = Adopted(stack, lambda_zip, ITEMS, monkeypatch)
    status, setup, err = run_cli("setup-index", *adopted.flags())
    assert status == 0, err
    assert setup["index"] == f"{adopted.index}-000001" and setup["changes"] == ["created"]
    assert run_cli("setup-index", *adopted.flags())[1]["changes"] == ["unchanged"]

    adopted.deploy()
    writer = Writer(adopted)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while writer.writes < 20:  # the stream is busy before the scan starts, not only during it
            assert time.monotonic() < deadline and writer.is_alive(), "the writer made no progress"
            time.sleep(0.05)
        before = writer.writes
        status, filled, err = run_cli("backfill", *adopted.flags(), "--segments", "4", "--checkpoint",
                                      str(tmp_path / "cp.json"))
    finally:
        writes = writer.stop()
    assert status == 0, f"{filled}\n{err}"
    assert filled["status"] == "complete" and filled["failed"] == 0 and filled["segments_done"] == 4
    # Items changed, deleted and re-created while the scan ran (how many depends on the machine's speed).
    assert filled["items_read"] >= ITEMS - 20 and writes > before
    summary = adopted.converge()
    assert summary["table_items"] == summary["index_documents"] == summary["matching"] > ITEMS - 20

    # settings from the deployed function's environment; a sample checks part of both sides
    status, sampled, err = run_cli("verify", "--function", adopted.name, "--table", adopted.name, "--sample", "0.25",
                                   "--seed", "3")
    assert status == 0, err
    assert sampled["equal"] and sampled["sample"] == 0.25 and sampled["seed"] == 3
    assert 0 < sampled["table_items"] < ITEMS and 0 < sampled["index_documents"] < ITEMS

    # settings from Terraform: the module's outputs name the table and the function (whose environment is read)
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps({"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "ops-test",
                                 "outputs": {"table_name": {"value": adopted.name, "type": "string"},
                                             "function_name": {"value": adopted.name, "type": "string"}},
                                 "resources": []}))
    status, from_terraform, err = run_cli("verify", "--from-terraform", str(state))
    assert status == 0 and from_terraform["table_items"] == summary["table_items"], err

    # Drift: a document removed behind the sync's back is reported missing, and verify fails.
    from opensearchpy import OpenSearch
    OpenSearch([stack.opensearch_url]).delete(index=adopted.index, id="k00001", refresh=True)
    status, drift, _ = run_cli("verify", *adopted.flags())
    assert status == 1 and drift["missing"] == 1 and drift["examples"]["missing"][0].startswith("k00001")

    # A document written moments ago, before any refresh, behind the sync's back: reported extra (verify refreshes
    # before it scrolls; a scroll sees documents as of the last refresh).
    client = OpenSearch([stack.opensearch_url])
    client.indices.put_settings(index=adopted.index, body={"index": {"refresh_interval": "-1"}})
    client.index(index=adopted.index, id="ghost", body={"pk": "ghost"})
    status, ghost, _ = run_cli("verify", *adopted.flags())
    assert status == 1 and ghost["extra"] == 1 and ghost["missing"] == 1, ghost
