#!/usr/bin/env bash
# Puts terraform-docs, tflint and tflint's AWS ruleset at the versions pinned below where `make lint` finds them.
#
# - A release binary of the pinned version already on PATH is used as it is (a contributor who installed the
#   tools the usual way builds nothing).
# - Otherwise each tool is built from its Go module source: `go mod download -json <module>@<version>` fetches the
#   source through the Go module proxy, `go build` compiles it in the module cache directory. (`go install
#   module@version` would do the same, but some networks only allow the download step.)
# - The AWS ruleset goes where tflint looks for a plugin pinned by source and version (TFLINT_PLUGIN_DIR), so
#   `tflint --init`, which downloads from GitHub releases, is not needed.
#
# Prints `export` lines for PATH and TFLINT_PLUGIN_DIR: eval "$(scripts/install_tf_tools.sh)".
# Built binaries are cached in $TF_TOOLS_CACHE (default ~/.cache/ddb-opensearch-sync/tf-tools); re-runs are instant.
set -euo pipefail

TERRAFORM_DOCS_VERSION=0.20.0
TFLINT_VERSION=0.61.0
TFLINT_RULESET_AWS_VERSION=0.36.0 # keep equal to the version in .tflint.hcl

cache="${TF_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ddb-opensearch-sync/tf-tools}"
bin="$cache/bin"
plugin_dir="$cache/tflint-plugins"
mkdir -p "$bin" "$plugin_dir"

log() { echo "install_tf_tools: $*" >&2; }

# go_build <module> <version> <package dir inside the module, "." for the root> <output path>
go_build() {
  local module=$1 version=$2 pkg=$3 out=$4 dir
  command -v go >/dev/null || { log "go is required to build $module (or install its v$version release binary on PATH)"; exit 1; }
  log "building $module@v$version (first run only)"
  dir="$(go mod download -json "$module@v$version" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error", "no Dir")))')"
  # The module cache is read-only and has no go.sum for the build's dependencies: build with -mod=mod from a
  # writable copy so Go can record them.
  local work
  work="$(mktemp -d)"
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp" "./$pkg")
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

# have <binary> <version>: true when the binary on PATH reports that version.
# (The whole output is read first: a reader that stops early would make the tool die of SIGPIPE under pipefail.)
have() {
  command -v "$1" >/dev/null || return 1
  local out
  out="$("$1" --version 2>/dev/null)" || return 1
  grep -q "v\?$2\b" <<<"$out"
}

if have terraform-docs "$TERRAFORM_DOCS_VERSION"; then
  log "terraform-docs v$TERRAFORM_DOCS_VERSION found on PATH"
elif [[ ! -x "$bin/terraform-docs-$TERRAFORM_DOCS_VERSION" ]]; then
  go_build github.com/terraform-docs/terraform-docs "$TERRAFORM_DOCS_VERSION" . "$bin/terraform-docs-$TERRAFORM_DOCS_VERSION"
fi
[[ -x "$bin/terraform-docs-$TERRAFORM_DOCS_VERSION" ]] && ln -sf "terraform-docs-$TERRAFORM_DOCS_VERSION" "$bin/terraform-docs"

if have tflint "$TFLINT_VERSION"; then
  log "tflint v$TFLINT_VERSION found on PATH"
elif [[ ! -x "$bin/tflint-$TFLINT_VERSION" ]]; then
  go_build github.com/terraform-linters/tflint "$TFLINT_VERSION" . "$bin/tflint-$TFLINT_VERSION"
fi
[[ -x "$bin/tflint-$TFLINT_VERSION" ]] && ln -sf "tflint-$TFLINT_VERSION" "$bin/tflint"

# tflint's layout for a plugin declared with source and version: <dir>/<source>/<version>/tflint-ruleset-<name>.
ruleset="$plugin_dir/github.com/terraform-linters/tflint-ruleset-aws/$TFLINT_RULESET_AWS_VERSION/tflint-ruleset-aws"
user_ruleset="${TFLINT_PLUGIN_DIR:-$HOME/.tflint.d/plugins}/github.com/terraform-linters/tflint-ruleset-aws/$TFLINT_RULESET_AWS_VERSION/tflint-ruleset-aws"
if [[ -x "$user_ruleset" && "$user_ruleset" != "$ruleset" ]]; then
  log "tflint-ruleset-aws v$TFLINT_RULESET_AWS_VERSION found (installed by tflint --init)"
  plugin_dir="$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$user_ruleset")")")")")"
elif [[ ! -x "$ruleset" ]]; then
  mkdir -p "$(dirname "$ruleset")"
  go_build github.com/terraform-linters/tflint-ruleset-aws "$TFLINT_RULESET_AWS_VERSION" . "$ruleset"
fi

echo "export PATH=\"$bin:\$PATH\""
echo "export TFLINT_PLUGIN_DIR=\"$plugin_dir\""
