"""Build the Lambda deployment package deterministically.

    python scripts/package_lambda.py [--out dist/lambda.zip] [--python-version 3.12] [--arch arm64|x86_64]
                                     [--python /path/to/python3.12]

Dependencies (if any) come from lambda/requirements.txt, installed by pip for the Lambda runtime's platform
(manylinux2014_<arch>, --only-binary) — never the build machine's. boto3/botocore/s3transfer (the runtime
has them), grpc/protobuf (nothing imports them) and the installer's __pycache__ are left out. Entries are
sorted, with a fixed timestamp and permissions, so the same inputs give a byte-identical zip (and CodeSha256).

Compiled bytecode: /var/task is read-only, so a package without .pyc files compiles every module at each cold
start (~50 ms). Every module is compiled into ``__pycache__/<name>.cpython-3XY.pyc`` with unchecked hash-based
invalidation (no timestamps: deterministic, and the read-only sources are never re-checked) by an interpreter of
the target runtime's version, run in a subprocess: ``--python`` when given, else the running interpreter,
``python3.XY`` on PATH, or a pyenv installation (``$PYENV_ROOT/versions/3.XY.*``). When there is none, the
package carries sources only and says so. Other versions ignore the bytecode (they look for their own
``cpython-3XY`` tag) and run the sources.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import json
import re
import shutil
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


COMPILE = """
import json, py_compile, sys
for source, target, name in json.load(sys.stdin):
    py_compile.compile(source, cfile=target, dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""
PROBE = "import sys; print('%d.%d' % sys.version_info[:2], sys.implementation.cache_tag)"


def probe(python: str) -> tuple[str, str] | None:
    """(version "3.12", cache tag "cpython-312") of an interpreter, or None when it does not run."""
    try:
        done = subprocess.run([python, "-I", "-c", PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = done.stdout.split()
    return (words[0], words[1]) if done.returncode == 0 and len(words) == 2 else None


def find_python(python_version: str, explicit: str | None = None) -> tuple[str, str] | None:
    """(interpreter, cache tag) of the target version: `explicit` (which must be that version), else the running
    interpreter, python3.XY on PATH, or the newest pyenv installation of it; None when there is none."""
    if explicit:
        found = probe(explicit)
        if found is None or found[0] != python_version:
            raise ValueError(f"--python {explicit!r} is {'not a runnable interpreter' if found is None else 'Python ' + found[0]}; "
                             f"it must be Python {python_version}, the target runtime's version")
        return explicit, found[1]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    installed = sorted(pyenv.glob(f"{python_version}.*/bin/python{python_version}"),
                       key=lambda path: [int(n) for n in re.findall(r"\d+", path.parent.parent.name)], reverse=True)
    for candidate in [sys.executable, shutil.which(f"python{python_version}"), *map(str, installed)]:
        found = probe(candidate) if candidate else None
        if found and found[0] == python_version:
            return candidate, found[1]
    return None


def compile_entries(entries: dict[str, Path], scratch: Path, python: str, tag: str) -> dict[str, Path]:
    """name.py → __pycache__/name.<tag>.pyc for every module, compiled by `python` (the target version)."""
    compiled, jobs = {}, []
    for name, path in sorted(entries.items()):
        if name.endswith(".py"):
            folder, _, module = name.rpartition("/")
            target = f"{folder + '/' if folder else ''}__pycache__/{module[:-3]}.{tag}.pyc"
            compiled[target] = scratch / "pyc" / target
            jobs.append((str(path), str(compiled[target]), name))
    subprocess.run([python, "-I", "-c", COMPILE], input=json.dumps(jobs), text=True, check=True)
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


def build(out: Path | str = ROOT / "dist" / "lambda.zip", python_version: str = "3.12", arch: str = "arm64",
          python: str | None = None) -> Path:
    """Build the package and return its path (with .pyc files when an interpreter of the target version exists)."""
    if arch not in ARCHES:
        raise ValueError(f"arch {arch!r} is not allowed; use one of: {', '.join(ARCHES)}")
    out = Path(out).resolve()
    compiler = find_python(python_version, python)
    with tempfile.TemporaryDirectory(prefix="lambda-package-") as scratch:
        site = Path(scratch) / "site"
        install(site, python_version, arch)
        entries = files(site)
        if compiler:
            entries.update(compile_entries(entries, Path(scratch), *compiler))
        else:
            print(f"note: sources only, no .pyc: compiling for Python {python_version} needs that interpreter (none "
                  f"found as python{python_version} on PATH or under pyenv; pass --python); cold starts compile every "
                  "module", file=sys.stderr)
        write_zip(out, entries)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "dist" / "lambda.zip"), help="zip to write (default dist/lambda.zip)")
    parser.add_argument("--python-version", default="3.12", help="Lambda runtime Python version (default 3.12)")
    parser.add_argument("--arch", default="arm64", choices=sorted(ARCHES), help="Lambda architecture (default arm64)")
    parser.add_argument("--python", help="interpreter of the target version that compiles the .pyc files "
                                         "(default: found on PATH or under pyenv; none: sources only)")
    args = parser.parse_args(argv)
    try:
        out = build(args.out, args.python_version, args.arch, args.python)
    except ValueError as exc:
        parser.error(str(exc))
    data = out.read_bytes()
    print(f"{out}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
