#!/usr/bin/env bash
# README input/output tables of the root module, every submodule and every example, by terraform-docs
# (.terraform-docs.yml). `scripts/tf_docs.sh` rewrites them; `scripts/tf_docs.sh --check` fails on any stale one.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/install_tf_tools.sh)"

check=()
[[ "${1:-}" == "--check" ]] && check=(--output-check)
for dir in . modules/*/ examples/*/; do
  terraform-docs --config .terraform-docs.yml "${check[@]}" "${dir%/}" >/dev/null ||
    { echo "README tables of ${dir%/} are out of date: run make docs" >&2; exit 1; }
done
