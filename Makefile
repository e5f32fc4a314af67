# Everything runs from a virtualenv this Makefile creates from pinned requirements (requirements-dev.txt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK_DIR := .stack
export PYTHONPATH := $(CURDIR)/lambda:$(CURDIR)/scripts:$(CURDIR)/ops
# Offline machines install Terraform's AWS provider as a filesystem mirror and say where in TF_PLUGIN_MIRROR.
TF_INIT_FLAGS := $(if $(TF_PLUGIN_MIRROR),-plugin-dir=$(TF_PLUGIN_MIRROR),)
export TF_INIT_FLAGS
# The stack the integration tests run against (tests/stacks.py): embedded (they start it), external (a running one,
# settings from the environment or the dotenv file STACK_ENV, e.g. STACK_ENV=.stack/env after `make up`), localstack.
STACKS := embedded external localstack
STACK ?= embedded
ifeq ($(filter $(STACK),$(STACKS)),)
$(error STACK=$(STACK) is not a stack the tests know; allowed: $(STACKS))
endif
export STACK

# No version check against the internet on every terraform call.
export CHECKPOINT_DISABLE := 1

.PHONY: help venv package up down status demo test test-unit test-integration test-external test-terraform chaos lint docs mutate tf-tools bench clean \
	ops-setup-index ops-backfill ops-verify ops-repair ops-redrive ops-reindex

help:
	@echo "make demo     embedded stack up, package, terraform apply examples/local, write items, search them"
	@echo "make test     terraform tests, then unit and integration tests (on a stack of their own)"
	@echo "               STACK=external STACK_ENV=.stack/env: against a running stack; STACK=localstack: docker-compose.yml"
	@echo "make test-external  start a stack in the background, pass integration tests against it with STACK=external"
	@echo "make chaos    fault-injection run (~15 min): crashes, HTTP faults, a pause, a >10 min outage, poison"
	@echo "make package  build dist/lambda.zip (deterministic)"
	@echo "make up/down  start/stop the embedded stack in the background (settings in $(STACK_DIR)/env)"
	@echo "make lint     terraform fmt/validate, tflint (AWS ruleset), checkov, README tables (terraform-docs)"
	@echo "make mutate   mutation check of the terraform tests: every listed module edit must turn a test red"
	@echo "make docs     regenerate the README input/output tables with terraform-docs"
	@echo "make tf-tools build/locate terraform-docs, tflint and its AWS ruleset at the pinned versions"
	@echo "make bench    handler throughput, CPU per record, cold start, zip size"
	@echo "make ops-verify (ops-setup-index, ops-backfill, ops-repair, ops-redrive, ops-reindex)"
	@echo "              the operators' CLI against the demo's deployment; extra flags in OPS_ARGS=..."

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

package: venv
	$(PY) scripts/package_lambda.py --out dist/lambda.zip

up: package
	$(PY) -m local_stack up --state-dir $(STACK_DIR) --package dist/lambda.zip

down:
	@if [ -x $(PY) ]; then $(PY) -m local_stack down --state-dir $(STACK_DIR); else echo "The embedded stack is not running."; fi

status: venv
	$(PY) -m local_stack status --state-dir $(STACK_DIR)

demo: up
	$(PY) scripts/demo.py --state-dir $(STACK_DIR)

test: package test-terraform
	$(PY) -m pytest tests --ignore=tests/chaos

# One seed by default; CHAOS_SEEDS=1,2,3 for more (each adds a full run), CHAOS_OUTAGE_SECONDS to shorten the outage.
chaos: package
	$(PY) -m pytest tests/chaos -m chaos -s

test-unit: venv
	$(PY) -m pytest tests/unit

test-terraform:
	terraform init -backend=false -input=false -test-directory=tests/terraform $(TF_INIT_FLAGS) >/dev/null
	terraform test -test-directory=tests/terraform

test-integration: package
	$(PY) -m pytest tests/integration

test-external: package
	$(PY) -m pytest tests/integration/test_external_stack.py

lint: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/lint.sh

docs:
	bash scripts/tf_docs.sh

mutate: venv
	$(PY) scripts/mutate_module.py --jobs 2

tf-tools:
	bash scripts/install_tf_tools.sh >/dev/null

bench: package
	$(PY) tests/bench/run.py

# The operators' CLI (ddb-opensearch-sync) against what `make demo` deployed: settings from its Terraform state
# (the function's environment), AWS calls to the stack's moto.
OPS_ARGS ?=
ops-setup-index ops-backfill ops-verify ops-repair ops-redrive ops-reindex: venv
	@test -f $(STACK_DIR)/env -a -f $(STACK_DIR)/terraform/terraform.tfstate || \
		{ echo "Nothing deployed on the embedded stack: run make demo first"; exit 2; }
	set -a && . $(STACK_DIR)/env && set +a && $(PY) -m ddb_opensearch_sync_ops $(@:ops-%=%) \
		--from-terraform $(STACK_DIR)/terraform/terraform.tfstate $(OPS_ARGS)

clean: down
	rm -rf dist build $(VENV)
