#!/usr/bin/env bash
# Static checks of the Terraform code (`make lint`): formatting; every configuration (root, modules, examples,
# test fixtures) validates; tflint with the AWS ruleset; checkov finds no failed check (each skip is justified
# inline next to its resource, with the same reasoned ignore for tfsec/trivy); README tables are what
# terraform-docs generates. The Go tools come from scripts/install_tf_tools.sh (pinned versions).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

init_flags=(-backend=false -input=false)
if [[ -n "${TF_PLUGIN_MIRROR:-}" ]]; then init_flags+=("-plugin-dir=${TF_PLUGIN_MIRROR}"); fi

echo "== terraform fmt -check -recursive"
terraform fmt -check -recursive -diff

echo "== terraform validate (root, modules, examples, test fixtures)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for dir in . modules/*/ examples/*/ tests/terraform/fixtures/*/; do
  dir="${dir%/}"
  # A data dir of its own per configuration, outside the tree, so lint leaves nothing behind.
  data_dir="$scratch/$(echo "$dir" | tr '/.' '__')"
  TF_DATA_DIR="$data_dir" terraform -chdir="$dir" init "${init_flags[@]}" >"$scratch/init.log" 2>&1 ||
    { cat "$scratch/init.log"; echo "terraform init failed in $dir"; exit 1; }
  TF_DATA_DIR="$data_dir" terraform -chdir="$dir" validate -no-color | sed "/^$/d; s|^|$dir: |"
done

eval "$(bash scripts/install_tf_tools.sh)"

echo "== tflint $(tflint --version | head -1 | awk '{print $3}') (AWS ruleset, every configuration)"
tflint --recursive --config "$PWD/.tflint.hcl" --format compact

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

echo "== README tables (terraform-docs --output-check)"
bash scripts/tf_docs.sh --check
