# Every validation of modules/alarms rejects a bad value.

mock_provider "aws" {}

variables {
  name          = "products"
  function_name = "products"
}

run "rejects_period_seconds_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    period_seconds = 15
  }

  expect_failures = [var.period_seconds]
}

run "rejects_period_seconds_2" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    period_seconds = 90
  }

  expect_failures = [var.period_seconds]
}

run "rejects_period_seconds_3" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    period_seconds = 0
  }

  expect_failures = [var.period_seconds]
}

run "rejects_evaluation_periods_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    evaluation_periods = 0
  }

  expect_failures = [var.evaluation_periods]
}

run "rejects_iterator_age_threshold_ms_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    iterator_age_threshold_ms = 0
  }

  expect_failures = [var.iterator_age_threshold_ms]
}

run "rejects_errors_threshold_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    errors_threshold = -1
  }

  expect_failures = [var.errors_threshold]
}

run "rejects_throttles_threshold_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    throttles_threshold = -1
  }

  expect_failures = [var.throttles_threshold]
}

run "rejects_destination_delivery_failures_threshold_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    destination_delivery_failures_threshold = -1
  }

  expect_failures = [var.destination_delivery_failures_threshold]
}

run "rejects_failure_queue_visible_threshold_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    failure_queue_visible_threshold = -1
  }

  expect_failures = [var.failure_queue_visible_threshold]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    period_seconds     = 10
    evaluation_periods = 1
    errors_threshold   = 0
  }

}

run "accepts_boundaries_2" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    period_seconds     = 120
    failure_queue_name = "products-failures"
  }

}
