"""The `.stack/env` dotenv file: KEY=VALUE lines, no quoting (its values are URLs, a region and fixed keys)."""

from pathlib import Path


def write_env(path: Path, env: dict[str, str]) -> None:
    """Write atomically, so a reader polling for the file never sees half of it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    tmp.rename(path)


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}
