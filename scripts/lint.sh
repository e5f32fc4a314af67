#!/usr/bin/env bash
# Static checks of the Terraform code (`make lint`): formatting, every example validates, checkov finds no
# failed check (each skip is justified inline next to its resource), README input/output tables match the code.
set -euo pipefail
cd "$(dirname "$0")/.."

init_flags=(-backend=false -input=false)
if [[ -n "${TF_PLUGIN_MIRROR:-}" ]]; then init_flags+=("-plugin-dir=${TF_PLUGIN_MIRROR}"); fi

echo "== terraform fmt -check -recursive"
terraform fmt -check -recursive -diff

echo "== terraform validate (root, modules, examples)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for dir in . modules/*/ examples/*/; do
  dir="${dir%/}"
  # A data dir of its own per configuration, outside the tree, so lint leaves nothing behind.
  data_dir="$scratch/$(echo "$dir" | tr '/.' '__')"
  TF_DATA_DIR="$data_dir" terraform -chdir="$dir" init "${init_flags[@]}" >"$scratch/init.log" 2>&1 ||
    { cat "$scratch/init.log"; echo "terraform init failed in $dir"; exit 1; }
  TF_DATA_DIR="$data_dir" terraform -chdir="$dir" validate -no-color | sed "/^$/d; s|^|$dir: |"
done

echo "== checkov"
# checkov has its own pinned environment: its dependencies conflict with the dev requirements.
lint_venv=.venv-lint
if [[ ! -x "$lint_venv/bin/checkov" ]] || ! cmp -s requirements-lint.txt "$lint_venv/.requirements"; then
  python3 -m venv "$lint_venv"
  "$lint_venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-lint.txt
  cp requirements-lint.txt "$lint_venv/.requirements"
fi
LOG_LEVEL=ERROR "$lint_venv/bin/checkov" --directory . --framework terraform --skip-download --compact --quiet \
  --skip-path '\.terraform' --skip-path '\.venv' --skip-path 'tests/'

echo "== README tables (scripts/tf_docs.py --check)"
python3 scripts/tf_docs.py --check
