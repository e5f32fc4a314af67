"""`ddb-opensearch-sync`: the operators' CLI (setup-index, backfill, verify, repair, redrive, reindex)."""
