# modules/event-source-mapping in plan mode: every input reaches the planned mapping (and the defaults are the
# failure handling the README promises). scripts/mutate_module.py checks that each of these asserts can fail.

mock_provider "aws" {
  override_during = plan
}

variables {
  function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:products"
  stream_arn      = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
  destination_arn = "arn:aws:sqs:us-east-1:123456789012:products-failures"
}

run "defaults" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  assert {
    condition = jsonencode(output.settings) == jsonencode({
      enabled                            = true
      function_name                      = "arn:aws:lambda:us-east-1:123456789012:function:products"
      starting_position                  = "TRIM_HORIZON"
      batch_size                         = 100
      maximum_batching_window_in_seconds = 0
      parallelization_factor             = 1
      bisect_batch_on_function_error     = true
      maximum_retry_attempts             = 10
      maximum_record_age_in_seconds      = 3600
      function_response_types            = ["ReportBatchItemFailures"]
      destination_arn                    = "arn:aws:sqs:us-east-1:123456789012:products-failures"
      filter_patterns                    = []
      metrics                            = ["EventCount"]
    })
    error_message = "Default mapping settings changed: ${jsonencode(output.settings)}"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == var.stream_arn && aws_lambda_event_source_mapping.this.kms_key_arn == null && length(aws_lambda_event_source_mapping.this.filter_criteria) == 0
    error_message = "The mapping must read the given stream, with no filter block and no customer key by default."
  }
}

run "every_input_reaches_the_mapping" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    enabled                            = false
    starting_position                  = "LATEST"
    batch_size                         = 250
    maximum_batching_window_in_seconds = 7
    parallelization_factor             = 3
    bisect_batch_on_function_error     = false
    maximum_retry_attempts             = 5
    maximum_record_age_in_seconds      = 900
    report_batch_item_failures         = false
    filter_patterns                    = ["{\"eventName\":[\"INSERT\"]}"]
    metrics                            = []
    filter_criteria_kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/filters"
    tumbling_window_in_seconds         = 30
    tags                               = { team = "search" }
  }

  assert {
    condition = jsonencode(output.settings) == jsonencode({
      enabled                            = false
      function_name                      = "arn:aws:lambda:us-east-1:123456789012:function:products"
      starting_position                  = "LATEST"
      batch_size                         = 250
      maximum_batching_window_in_seconds = 7
      parallelization_factor             = 3
      bisect_batch_on_function_error     = false
      maximum_retry_attempts             = 5
      maximum_record_age_in_seconds      = 900
      function_response_types            = []
      destination_arn                    = "arn:aws:sqs:us-east-1:123456789012:products-failures"
      filter_patterns                    = ["{\"eventName\":[\"INSERT\"]}"]
      metrics                            = []
    })
    error_message = "Inputs did not reach the mapping: ${jsonencode(output.settings)}"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/filters" && aws_lambda_event_source_mapping.this.tumbling_window_in_seconds == 30 && jsonencode(aws_lambda_event_source_mapping.this.tags) == jsonencode({ team = "search" })
    error_message = "filter_criteria_kms_key_arn, tumbling_window_in_seconds and tags must reach the mapping."
  }
}

run "numeric_matcher_on_a_dynamodb_number_is_refused" {
  command = plan

  module {
    source = "./modules/event-source-mapping"
  }

  variables {
    filter_patterns = ["{\"dynamodb\":{\"NewImage\":{\"price\":{\"N\":[{\"numeric\":[\">\",10]}]}}}}"]
  }

  expect_failures = [var.filter_patterns]
}
