# Every validation of modules/package rejects a bad value.

mock_provider "aws" {}

variables {
  function_name = "products"
}

run "rejects_runtime_1" {
  command = plan

  module {
    source = "./modules/package"
  }

  variables {
    runtime = "python3.11"
  }

  expect_failures = [var.runtime]
}

run "rejects_architecture_1" {
  command = plan

  module {
    source = "./modules/package"
  }

  variables {
    architecture = "aarch64"
  }

  expect_failures = [var.architecture]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/package"
  }

  variables {
    runtime      = "python3.13"
    architecture = "x86_64"
  }

}
