# Every validation of modules/failure-queue rejects a bad value.

mock_provider "aws" {}

variables {
  name = "products-failures"
}

run "rejects_name_1" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    name = "queue.fifo"
  }

  expect_failures = [var.name]
}

run "rejects_name_2" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    name = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
  }

  expect_failures = [var.name]
}

run "rejects_message_retention_seconds_1" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    message_retention_seconds = 59
  }

  expect_failures = [var.message_retention_seconds]
}

run "rejects_message_retention_seconds_2" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    message_retention_seconds = 1209601
  }

  expect_failures = [var.message_retention_seconds]
}

run "rejects_kms_data_key_reuse_period_seconds_1" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    kms_data_key_reuse_period_seconds = 59
  }

  expect_failures = [var.kms_data_key_reuse_period_seconds]
}

run "rejects_kms_data_key_reuse_period_seconds_2" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    kms_data_key_reuse_period_seconds = 86401
  }

  expect_failures = [var.kms_data_key_reuse_period_seconds]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    message_retention_seconds         = 60
    kms_master_key_id                 = "alias/sync"
    kms_data_key_reuse_period_seconds = 86400
  }

}
