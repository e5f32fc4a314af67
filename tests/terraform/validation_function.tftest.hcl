# Every validation of modules/function rejects a bad value; the limits themselves are accepted.

mock_provider "aws" {}

variables {
  name     = "products"
  role_arn = "arn:aws:iam::123456789012:role/products-sync"
  package  = { s3_bucket = "artifacts-bucket", s3_key = "lambda.zip" }
}

run "rejects_name_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    name = "has space"
  }

  expect_failures = [var.name]
}

run "rejects_name_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  }

  expect_failures = [var.name]
}

run "rejects_description_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    description = "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
  }

  expect_failures = [var.description]
}

run "rejects_runtime_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    runtime = "python3.11"
  }

  expect_failures = [var.runtime]
}

run "rejects_runtime_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    runtime = "python3.14"
  }

  expect_failures = [var.runtime]
}

run "rejects_runtime_3" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    runtime = "nodejs20.x"
  }

  expect_failures = [var.runtime]
}

run "rejects_architecture_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    architecture = "amd64"
  }

  expect_failures = [var.architecture]
}

run "rejects_memory_size_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    memory_size = 127
  }

  expect_failures = [var.memory_size]
}

run "rejects_memory_size_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    memory_size = 10241
  }

  expect_failures = [var.memory_size]
}

run "rejects_memory_size_3" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    memory_size = 256.5
  }

  expect_failures = [var.memory_size]
}

run "rejects_timeout_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    timeout = 0
  }

  expect_failures = [var.timeout]
}

run "rejects_timeout_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    timeout = 901
  }

  expect_failures = [var.timeout]
}

run "rejects_reserved_concurrent_executions_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    reserved_concurrent_executions = -2
  }

  expect_failures = [var.reserved_concurrent_executions]
}

run "rejects_reserved_concurrent_executions_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    reserved_concurrent_executions = 1.5
  }

  expect_failures = [var.reserved_concurrent_executions]
}

run "rejects_log_retention_in_days_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    log_retention_in_days = 2
  }

  expect_failures = [var.log_retention_in_days]
}

run "rejects_log_retention_in_days_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    log_retention_in_days = 4000
  }

  expect_failures = [var.log_retention_in_days]
}

run "rejects_tracing_mode_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    tracing_mode = "active"
  }

  expect_failures = [var.tracing_mode]
}

run "rejects_tracing_mode_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    tracing_mode = "Off"
  }

  expect_failures = [var.tracing_mode]
}

run "rejects_package_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    package = { local_path = "dist/lambda.zip", s3_bucket = "b", s3_key = "k" }
  }

  expect_failures = [var.package]
}

run "rejects_package_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    package = {}
  }

  expect_failures = [var.package]
}

run "rejects_package_3" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    package = { s3_bucket = "b" }
  }

  expect_failures = [var.package]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    memory_size                    = 10240
    timeout                        = 900
    reserved_concurrent_executions = 0
    log_retention_in_days          = 0
    runtime                        = "python3.13"
    architecture                   = "x86_64"
    tracing_mode                   = "PassThrough"
  }

}

run "accepts_boundaries_2" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    memory_size           = 128
    timeout               = 1
    log_retention_in_days = 3653
  }

}
