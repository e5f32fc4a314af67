"""The deployment package: byte-identical builds, no runtime-provided or unused packages, imports cleanly."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from package_lambda import build

FORBIDDEN = ("boto3", "botocore", "s3transfer", "grpc", "protobuf", "google")


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> list[Path]:
    scratch = tmp_path_factory.mktemp("package")
    return [build(scratch / f"lambda-{n}.zip") for n in (1, 2)]


def test_two_builds_are_byte_identical(builds):
    first, second = (hashlib.sha256(p.read_bytes()).hexdigest() for p in builds)
    assert first == second


def test_entries_are_sorted_with_fixed_time_and_permissions_and_nothing_unwanted(builds):
    with zipfile.ZipFile(builds[0]) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)} and {i.external_attr >> 16 for i in infos} == {0o644}
    assert "ddb_opensearch_sync/handler.py" in names and any(n.startswith("urllib3/") for n in names)
    tops = {n.split("/")[0].split("-")[0].lower() for n in names}
    assert not tops & set(FORBIDDEN)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert builds[0].stat().st_size <= 2 * 1024 * 1024


def test_packaged_handler_imports_in_a_clean_interpreter(builds, tmp_path):
    with zipfile.ZipFile(builds[0]) as archive:
        archive.extractall(tmp_path)
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import ddb_opensearch_sync.handler as h, urllib3; "
            "print(h.__file__, urllib3.__file__, 'boto3' in sys.modules)")
    env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9", "OPENSEARCH_INDEX": "products",
           "OPENSEARCH_AUTH": "iam", "AWS_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    handler_file, urllib3_file, boto3_loaded = done.stdout.split()
    assert handler_file.startswith(str(tmp_path)) and urllib3_file.startswith(str(tmp_path))
    assert boto3_loaded == "False"  # imported only when GetItem or a failure destination needs it


def test_bad_arch_is_refused_with_the_allowed_values(tmp_path):
    with pytest.raises(ValueError, match="arm64, x86_64"):
        build(tmp_path / "x.zip", arch="sparc")
