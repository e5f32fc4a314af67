"""Generate the Inputs and Outputs tables of every Terraform module's README from its code.

    python scripts/tf_docs.py           # rewrite the tables between the markers in each README.md
    python scripts/tf_docs.py --check   # exit 1, naming the files, if any README is out of date

The tables go between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->; a submodule's or example's README without
the markers gets them appended, the repository's own README only where it has placed them. Reads `terraform fmt`-formatted
variables.tf / outputs.tf with the standard library only (no HCL parser is installable everywhere this runs).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
BLOCK = re.compile(r'^(variable|output) "([^"]+)" \{\n(.*?)^\}', re.S | re.M)
ATTRIBUTE = re.compile(r"^  ([a-z_]+)\s*=\s*", re.M)
NESTED = re.compile(r"^  [a-z_]+ \{$", re.M)  # validation { ... } and similar blocks inside a variable


def module_dirs() -> list[Path]:
    """The root module, every submodule and every example: each directory with .tf files and a README."""
    candidates = [ROOT, *sorted((ROOT / "modules").glob("*/")), *sorted((ROOT / "examples").glob("*/"))]
    return [d for d in candidates if any(d.glob("*.tf"))]


def attributes(body: str) -> dict[str, str]:
    """Top-level `name = value` pairs of a block body; a value runs until the next one or a nested block."""
    body = NESTED.split(body)[0] if not body.startswith("  validation") else ""
    starts = list(ATTRIBUTE.finditer(body))
    values = {}
    for match, following in zip(starts, [*starts[1:], None]):
        values[match.group(1)] = body[match.end(): following.start() if following else len(body)].strip()
    return values


def text(value: str | None) -> str:
    """The string an HCL string literal or heredoc stands for."""
    if not value:
        return ""
    heredoc = re.match(r"<<-?(\w+)\n(.*)\n\s*\1$", value, re.S)
    if heredoc:
        return " ".join(line.strip() for line in heredoc.group(2).splitlines())
    return json.loads(value) if value.startswith('"') else value


def cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def code(value: str) -> str:
    return f"`{cell(value)}`" if value else ""


def tables(directory: Path) -> str:
    blocks = [(kind, name, attributes(body)) for path in sorted(directory.glob("*.tf"))
              for kind, name, body in BLOCK.findall(path.read_text())]
    lines = ["## Inputs", ""]
    inputs = [(n, a) for k, n, a in blocks if k == "variable"]
    if inputs:
        lines += ["| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
        for name, attrs in sorted(inputs, key=lambda item: ("default" in item[1], item[0])):
            default = attrs.get("default")
            lines.append(f"| `{name}` | {cell(text(attrs.get('description')))} | {code(attrs.get('type', 'any'))} | "
                         f"{code(default) if default is not None else ''} | {'no' if default is not None else 'yes'} |")
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    outputs = sorted((n, a) for k, n, a in blocks if k == "output")
    if outputs:
        lines += ["| Name | Description |", "|---|---|"]
        lines += [f"| `{name}` | {cell(text(attrs.get('description')))} |" for name, attrs in outputs]
    else:
        lines.append("No outputs.")
    return "\n".join(lines)


def updated(readme: str, generated: str) -> str:
    if BEGIN not in readme or END not in readme:
        return readme.rstrip("\n") + f"\n\n{BEGIN}\n{generated}\n{END}\n"
    head, rest = readme.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{generated}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a README is out of date instead of writing it")
    args = parser.parse_args(argv)
    stale = []
    for directory in module_dirs():
        readme_path = directory / "README.md"
        readme = readme_path.read_text() if readme_path.exists() else ""
        if directory == ROOT and BEGIN not in readme:
            continue
        new = updated(readme, tables(directory))
        if new != readme:
            stale.append(readme_path.relative_to(ROOT))
            if not args.check:
                readme_path.write_text(new)
    if args.check and stale:
        print("README tables out of date (run python scripts/tf_docs.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    if not args.check:
        print(f"updated {len(stale)} README(s)" if stale else "all README tables up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
