"""Build the Lambda deployment package deterministically.

    python scripts/package_lambda.py [--out dist/lambda.zip] [--python-version 3.12] [--arch arm64|x86_64]

Dependencies (if any) come from lambda/requirements.txt, installed by pip for the Lambda runtime's platform
(manylinux2014_<arch>, --only-binary) — never the build machine's. boto3/botocore/s3transfer (the runtime
has them), grpc/protobuf (nothing imports them) and the installer's __pycache__ are left out. Entries are
sorted, with a fixed timestamp and permissions, so the same inputs give a byte-identical zip (and CodeSha256).

Compiled bytecode: /var/task is read-only, so a package without .pyc files compiles every module at each cold
start (~50 ms). When the running interpreter is the target runtime's version, every module is compiled into
``__pycache__/<name>.cpython-3XY.pyc`` with unchecked hash-based invalidation (no timestamps: deterministic,
and the read-only sources are never re-checked). Other interpreters cannot write bytecode for the target, so
the package then carries sources only and says so.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lambda" / "ddb_opensearch_sync"
REQUIREMENTS = ROOT / "lambda" / "requirements.txt"
ARCHES = {"arm64": "aarch64", "x86_64": "x86_64"}
EXCLUDED = ("boto3", "botocore", "s3transfer", "grpc", "grpcio", "protobuf", "google", "__pycache__")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def _excluded(relative: Path) -> bool:
    top = relative.parts[0].split("-")[0].lower()  # "botocore-1.2.dist-info" → "botocore"
    return top in EXCLUDED or "__pycache__" in relative.parts or relative.suffix in (".pyc", ".pyo")


def install(target: Path, python_version: str, arch: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if not [line for line in REQUIREMENTS.read_text().splitlines() if line.strip() and not line.startswith("#")]:
        return  # nothing to install (pip refuses an empty requirements file)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--requirement", str(REQUIREMENTS), "--target", str(target), "--implementation", "cp",
        "--platform", f"manylinux2014_{ARCHES[arch]}", "--python-version", python_version, "--only-binary=:all:",
    ]
    subprocess.run(command, check=True)


def files(site: Path) -> dict[str, Path]:
    """Archive name → file, from the installed dependencies and the handler package."""
    entries = {}
    for root, paths in ((site, site.rglob("*")), (PACKAGE.parent, PACKAGE.rglob("*"))):
        for path in paths:
            relative = path.relative_to(root)
            if path.is_file() and not _excluded(relative) and relative.parts[0] != "bin":
                entries[relative.as_posix()] = path
    return entries


def compile_entries(entries: dict[str, Path], scratch: Path) -> dict[str, Path]:
    """name.py → __pycache__/name.cpython-3XY.pyc for every module, compiled by this interpreter."""
    tag = sys.implementation.cache_tag  # e.g. cpython-312
    compiled = {}
    for name, path in entries.items():
        if name.endswith(".py"):
            folder, _, module = name.rpartition("/")
            target = f"{folder + '/' if folder else ''}__pycache__/{module[:-3]}.{tag}.pyc"
            output = scratch / "pyc" / target
            py_compile.compile(str(path), cfile=str(output), dfile=name, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            compiled[target] = output
    return compiled


def write_zip(out: Path, entries: dict[str, Path]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own in the target directory: concurrent builds never share it, and the rename
    # into place is atomic (builds of the same sources write the same bytes, so the last rename changes nothing).
    handle, temporary_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the build machine
            archive.writestr(info, entries[name].read_bytes())
    os.replace(temporary, out)


def can_compile(python_version: str) -> bool:
    return python_version == f"{sys.version_info.major}.{sys.version_info.minor}"


def build(out: Path | str = ROOT / "dist" / "lambda.zip", python_version: str = "3.12", arch: str = "arm64") -> Path:
    """Build the package and return its path (with .pyc files when this interpreter is the target version)."""
    if arch not in ARCHES:
        raise ValueError(f"arch {arch!r} is not allowed; use one of: {', '.join(ARCHES)}")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="lambda-package-") as scratch:
        site = Path(scratch) / "site"
        install(site, python_version, arch)
        entries = files(site)
        if can_compile(python_version):
            entries.update(compile_entries(entries, Path(scratch)))
        else:
            print(f"note: sources only, no .pyc: compiling for Python {python_version} needs that interpreter, this is "
                  f"{sys.version_info.major}.{sys.version_info.minor} (cold starts compile every module)", file=sys.stderr)
        write_zip(out, entries)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "dist" / "lambda.zip"), help="zip to write (default dist/lambda.zip)")
    parser.add_argument("--python-version", default="3.12", help="Lambda runtime Python version (default 3.12)")
    parser.add_argument("--arch", default="arm64", choices=sorted(ARCHES), help="Lambda architecture (default arm64)")
    args = parser.parse_args(argv)
    out = build(args.out, args.python_version, args.arch)
    data = out.read_bytes()
    print(f"{out}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
