"""The deployment package: byte-identical builds, no runtime-provided or unused packages, imports cleanly."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from package_lambda import build, find_python

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
    assert "ddb_opensearch_sync/handler.py" in names and {n.split("/")[0] for n in names} == {"ddb_opensearch_sync"}
    tops = {n.split("/")[0].split("-")[0].lower() for n in names}
    assert not tops & set(FORBIDDEN)
    target = find_python("3.12")  # the default target: its bytecode, and no other, when such an interpreter exists
    assert {n.rsplit(".", 2)[-2] for n in names if "__pycache__" in n or n.endswith(".pyc")} == (
        {target[1]} if target else set())
    assert builds[0].stat().st_size <= 2 * 1024 * 1024


def test_packaged_handler_imports_in_a_clean_interpreter(builds, tmp_path):
    with zipfile.ZipFile(builds[0]) as archive:
        archive.extractall(tmp_path)
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); before = set(sys.modules); "
            "import ddb_opensearch_sync.handler as h; "
            "print(h.__file__, 'boto3' in sys.modules, 'botocore' in sys.modules, 'urllib3' in sys.modules, "
            "','.join(sorted({'typing', 'dataclasses', 'inspect'} & (set(sys.modules) - before))) or '-')")
    env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9", "OPENSEARCH_INDEX": "products",
           "OPENSEARCH_AUTH": "iam", "AWS_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    handler_file, boto3_loaded, botocore_loaded, urllib3_loaded, heavy = done.stdout.split()
    assert handler_file.startswith(str(tmp_path))
    assert boto3_loaded == "False"  # imported only when BatchGetItem or a failure destination needs it
    assert botocore_loaded == urllib3_loaded == "False"  # signing and HTTP need neither (cold start)
    assert heavy == "-"  # typing and dataclasses (with inspect) cost the cold start ~15 ms; annotations need neither


def test_bad_arch_is_refused_with_the_allowed_values(tmp_path):
    with pytest.raises(ValueError, match="arm64, x86_64"):
        build(tmp_path / "x.zip", arch="sparc")


RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> list[Path]:
    scratch = tmp_path_factory.mktemp("compiled")
    return [build(scratch / f"lambda-{n}.zip", python_version=RUNNING) for n in (1, 2)]


def test_a_package_for_the_running_version_carries_deterministic_bytecode_for_every_module(compiled):
    assert hashlib.sha256(compiled[0].read_bytes()).digest() == hashlib.sha256(compiled[1].read_bytes()).digest()
    with zipfile.ZipFile(compiled[0]) as archive:
        names = set(archive.namelist())
    tag = sys.implementation.cache_tag
    sources = [n for n in names if n.endswith(".py")]
    assert sources and all(f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.{tag}.pyc" in names
                           for n in sources if "/" in n)
    assert {n for n in names if n.endswith(".pyc")} == {
        f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.{tag}.pyc" for n in sources}


def test_the_bytecode_is_what_runs_without_checking_the_read_only_sources(compiled, tmp_path):
    """Unchecked hash-based .pyc: a cold start never reads or compiles the sources. Proof: break a source after
    packaging and the handler still imports."""
    with zipfile.ZipFile(compiled[0]) as archive:
        archive.extractall(tmp_path)
    with (tmp_path / "ddb_opensearch_sync" / "sync.py").open("a") as source:
        source.write("\nthis is not python\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import ddb_opensearch_sync.handler"
    env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9", "OPENSEARCH_INDEX": "products",
           "OPENSEARCH_AUTH": "none"}
    done = subprocess.run([sys.executable, "-I", "-B", "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_without_an_interpreter_of_the_target_version_the_package_has_sources_only_and_says_so(tmp_path, capsys,
                                                                                                 monkeypatch):
    other = "3.12" if RUNNING != "3.12" else "3.13"
    monkeypatch.setenv("PATH", str(tmp_path))  # no python3.X on PATH
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))  # no pyenv installations
    with zipfile.ZipFile(build(tmp_path / "other.zip", python_version=other)) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".pyc")]
    assert f"sources only, no .pyc: compiling for Python {other} needs that interpreter" in capsys.readouterr().err


def test_an_explicit_interpreter_of_another_version_is_refused_with_what_is_needed(tmp_path):
    with pytest.raises(ValueError, match=f"is Python {RUNNING}; it must be Python 3.99"):
        build(tmp_path / "x.zip", python_version="3.99", python=sys.executable)


TARGET = find_python("3.12")


@pytest.mark.skipif(TARGET is None or RUNNING == "3.12", reason="needs a Python 3.12 other than the running interpreter "
                    "(python3.12 on PATH or under pyenv) to compile for the default target in a subprocess")
def test_the_default_target_is_compiled_by_a_found_interpreter_and_other_versions_run_the_sources(builds, tmp_path):
    """The zip carries cpython-312 bytecode that 3.12 runs without the sources (unchecked hashes), while the
    running 3.11 (the embedded stack's runner) ignores it and imports the sources."""
    with zipfile.ZipFile(builds[0]) as archive:
        archive.extractall(tmp_path)
        names = set(archive.namelist())
    assert "ddb_opensearch_sync/__pycache__/sync.cpython-312.pyc" in names
    env = {"PATH": os.environ.get("PATH", ""), "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9", "OPENSEARCH_INDEX": "products",
           "OPENSEARCH_AUTH": "none"}
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import ddb_opensearch_sync.sync as s; "
            "print(s.__spec__.cached, s.__spec__.loader.get_code('ddb_opensearch_sync.sync').co_filename)")
    running = subprocess.run([sys.executable, "-I", "-B", "-c", code], env=env, capture_output=True, text=True)
    assert running.returncode == 0, running.stderr
    assert ".cpython-312.pyc" not in running.stdout  # the 3.11 runner compiles the source in memory (-B: writes nothing)
    with (tmp_path / "ddb_opensearch_sync" / "sync.py").open("a") as source:
        source.write("\nraise ImportError('the source ran')\n")
    target = subprocess.run([TARGET[0], "-I", "-B", "-c", code], env=env, capture_output=True, text=True)
    assert target.returncode == 0, target.stderr  # 3.12 never runs the (now failing) source: the bytecode runs
    broken = subprocess.run([sys.executable, "-I", "-B", "-c", code], env=env, capture_output=True, text=True)
    assert "the source ran" in broken.stderr  # while 3.11 does run it: proof it used the source before
