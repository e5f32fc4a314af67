# Every validation of modules/event-source-mapping rejects a bad value; the limits themselves are accepted
# (limits: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html).

mock_provider "aws" {}

variables {
  function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:products"
  stream_arn      = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
  destination_arn = "arn:aws:sqs:us-east-1:123456789012:products-failures"
}

run "rejects_stream_arn_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/products"
  }

  expect_failures = [var.stream_arn]
}

run "rejects_stream_arn_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/x"
  }

  expect_failures = [var.stream_arn]
}

run "rejects_destination_arn_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
  }

  expect_failures = [var.destination_arn]
}

run "rejects_starting_position_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    starting_position = "AT_TIMESTAMP"
  }

  expect_failures = [var.starting_position]
}

run "rejects_starting_position_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    starting_position = "latest"
  }

  expect_failures = [var.starting_position]
}

run "rejects_batch_size_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    batch_size = 0
  }

  expect_failures = [var.batch_size]
}

run "rejects_batch_size_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    batch_size = 10001
  }

  expect_failures = [var.batch_size]
}

run "rejects_batch_size_3" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    batch_size = 1.5
  }

  expect_failures = [var.batch_size]
}

run "rejects_maximum_batching_window_in_seconds_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_batching_window_in_seconds = -1
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "rejects_maximum_batching_window_in_seconds_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_batching_window_in_seconds = 301
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "rejects_parallelization_factor_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    parallelization_factor = 0
  }

  expect_failures = [var.parallelization_factor]
}

run "rejects_parallelization_factor_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    parallelization_factor = 11
  }

  expect_failures = [var.parallelization_factor]
}

run "rejects_maximum_retry_attempts_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_retry_attempts = -2
  }

  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_maximum_retry_attempts_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_retry_attempts = 10001
  }

  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_maximum_record_age_in_seconds_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_record_age_in_seconds = 0
  }

  expect_failures = [var.maximum_record_age_in_seconds]
}

run "rejects_maximum_record_age_in_seconds_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_record_age_in_seconds = 59
  }

  expect_failures = [var.maximum_record_age_in_seconds]
}

run "rejects_maximum_record_age_in_seconds_3" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_record_age_in_seconds = 604801
  }

  expect_failures = [var.maximum_record_age_in_seconds]
}

run "rejects_filter_patterns_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    filter_patterns = ["{}"]
  }

  expect_failures = [var.filter_patterns]
}

run "rejects_filter_patterns_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    filter_patterns = ["not json"]
  }

  expect_failures = [var.filter_patterns]
}

run "rejects_filter_patterns_3" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    filter_patterns = ["[\"a\"]"]
  }

  expect_failures = [var.filter_patterns]
}

run "rejects_filter_patterns_4" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    filter_patterns = ["{\"eventName\":[\"INSERT\"]}", "{\"eventName\":[\"INSERT\"]}", "{\"eventName\":[\"INSERT\"]}", "{\"eventName\":[\"INSERT\"]}", "{\"eventName\":[\"INSERT\"]}", "{\"eventName\":[\"INSERT\"]}"]
  }

  expect_failures = [var.filter_patterns]
}

run "rejects_tumbling_window_in_seconds_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    tumbling_window_in_seconds = -1
  }

  expect_failures = [var.tumbling_window_in_seconds]
}

run "rejects_tumbling_window_in_seconds_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    tumbling_window_in_seconds = 901
  }

  expect_failures = [var.tumbling_window_in_seconds]
}

run "rejects_metrics_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    metrics = ["EventCount", "EventCount"]
  }

  expect_failures = [var.metrics]
}

run "rejects_metrics_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    metrics = ["IteratorAge"]
  }

  expect_failures = [var.metrics]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    batch_size                         = 10000
    maximum_batching_window_in_seconds = 300
    parallelization_factor             = 10
    maximum_retry_attempts             = -1
    maximum_record_age_in_seconds      = -1
    tumbling_window_in_seconds         = 900
    starting_position                  = "LATEST"
    metrics                            = []
    filter_patterns                    = ["{\"eventName\":[\"INSERT\",\"MODIFY\"]}", "{\"eventName\":[\"INSERT\",\"MODIFY\"]}", "{\"eventName\":[\"INSERT\",\"MODIFY\"]}", "{\"eventName\":[\"INSERT\",\"MODIFY\"]}", "{\"eventName\":[\"INSERT\",\"MODIFY\"]}"]
  }

}

run "accepts_boundaries_2" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    batch_size                    = 1
    maximum_retry_attempts        = 10000
    maximum_record_age_in_seconds = 60
    tumbling_window_in_seconds    = 0
  }

}

run "accepts_boundaries_3" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    maximum_record_age_in_seconds = 604800
    destination_arn               = "arn:aws:s3:::failures-bucket"
  }

}
