# Builds the deployment package at apply time, for callers with no prior `make package` (registry or git
# source). The build is keyed by a hash of its inputs, known at plan time, so an unchanged source plans no
# change and a changed one rebuilds and redeploys. The zip itself is deterministic (scripts/package_lambda.py).

locals {
  # Relative paths keep the state the same on every machine and checkout location.
  source_dir = coalesce(var.source_dir, "${path.module}/../..")
  output_dir = coalesce(var.output_dir, "${path.root}/.terraform/ddb-opensearch-sync")

  source_files = sort(concat(
    [for f in fileset(local.source_dir, "lambda/ddb_opensearch_sync/**/*.py") : f],
    ["lambda/requirements.txt", "scripts/package_lambda.py"],
  ))
  python_version = trimprefix(var.runtime, "python")

  source_hash = sha256(join("\n", concat(
    [for f in local.source_files : "${f} ${filesha256("${local.source_dir}/${f}")}"],
    [local.python_version, var.architecture],
  )))
  # Not the zip's own hash (the zip does not exist at plan time): it only has to change when the zip would.
  source_code_hash = base64sha256(local.source_hash)

  # One file per function: several instances of the module (for_each) build in parallel at apply time and must
  # never write or replace each other's file. Identical sources still give byte-identical zips.
  output_path = "${local.output_dir}/lambda-${var.function_name}-${local.python_version}-${var.architecture}-${substr(local.source_hash, 0, 16)}.zip"
}

resource "terraform_data" "this" {
  # Rebuilt when the sources change, and for every new function (a renamed function is created anew
  # and needs the file even on a machine that never built it).
  triggers_replace = [local.source_hash, var.function_name]
  input            = local.output_path

  provisioner "local-exec" {
    command = "\"$PYTHON\" \"$SCRIPT\" --out \"$OUT\" --python-version \"$PYVER\" --arch \"$ARCH\""
    environment = {
      PYTHON = var.python
      SCRIPT = "${local.source_dir}/scripts/package_lambda.py"
      OUT    = local.output_path
      PYVER  = local.python_version
      ARCH   = var.architecture
    }
  }
}
