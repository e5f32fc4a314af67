"""scripts/package_lambda.write_zip: concurrent writers of one package never share a temporary file, and the same
entries give the same bytes (several module instances build the package at apply time at once)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from package_lambda import write_zip


def test_concurrent_writes_of_the_same_package_all_succeed_and_agree(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    entries = {}
    for i in range(200):
        path = source / f"m{i}.py"
        path.write_text(f"VALUE = {i}\n" * 50)
        entries[f"pkg/m{i}.py"] = path
    out = tmp_path / "dist" / "lambda.zip"

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: write_zip(out, entries), range(12)))  # raises if one writer lost its file

    first = out.read_bytes()
    write_zip(tmp_path / "again.zip", entries)
    assert (tmp_path / "again.zip").read_bytes() == first
    assert sorted(p.name for p in out.parent.iterdir()) == ["lambda.zip"]  # no temporary file left behind
