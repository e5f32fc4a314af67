# The root module in plan mode: the reliability defaults (README "Failure handling") and every input group
# wired through to what is planned. Validations that must name the root input are checked here too.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products", log_group_class = "STANDARD" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/products"
      stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:products-failures", url = "https://sqs.us-east-1.amazonaws.com/123456789012/products-failures" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:products", version = "3" }
  }
  mock_resource "aws_lambda_alias" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:products:live" }
  }
  mock_resource "aws_lambda_event_source_mapping" {
    defaults = { uuid = "a1b2c3d4-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/products-sync", name = "products-sync" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  name                  = "products"
  opensearch_endpoint   = "https://search-products.us-east-1.es.amazonaws.com"
  opensearch_index      = "products"
  opensearch_domain_arn = "arn:aws:es:us-east-1:123456789012:domain/products"
  package_s3            = { bucket = "artifacts-bucket", key = "ddb-opensearch-sync/lambda.zip" }
}

run "reliability_defaults" {
  command = plan

  assert {
    condition = jsonencode(output.event_source_mapping) == jsonencode({
      batch_size                         = 100
      bisect_batch_on_function_error     = true
      destination_arn                    = "arn:aws:sqs:us-east-1:123456789012:products-failures"
      enabled                            = true
      filter_patterns                    = []
      function_name                      = "arn:aws:lambda:us-east-1:123456789012:function:products"
      function_response_types            = ["ReportBatchItemFailures"]
      maximum_batching_window_in_seconds = 0
      maximum_record_age_in_seconds      = -1
      maximum_retry_attempts             = -1
      metrics                            = ["EventCount"]
      parallelization_factor             = 1
      starting_position                  = "TRIM_HORIZON"
    })
    error_message = "Default mapping: retry until the stream's retention, bisect, report item failures, the created queue, EventCount. Got ${jsonencode(output.event_source_mapping)}"
  }

  assert {
    condition = nonsensitive(output.function_environment) == {
      OPENSEARCH_ENDPOINT     = "https://search-products.us-east-1.es.amazonaws.com"
      OPENSEARCH_INDEX        = "products"
      OPENSEARCH_AUTH         = "iam"
      POISON_POLICY           = "destination"
      FAILURE_DESTINATION_ARN = "arn:aws:sqs:us-east-1:123456789012:products-failures"
    }
    error_message = "By default the handler sends records OpenSearch rejects to the created queue itself."
  }

  assert {
    condition     = [for s in jsondecode(output.role_policy_json).Statement : [s.Action, s.Resource] if s.Sid == "SendFailureRecords"] == [[["sqs:SendMessage", "sqs:GetQueueUrl"], ["arn:aws:sqs:us-east-1:123456789012:products-failures"]]]
    error_message = "The role may send to the created queue only (and look its URL up, for the handler)."
  }

  assert {
    condition     = jsonencode({ for k, a in output.alarms : k => [a.metric_name, a.threshold] }) == jsonencode({ destination-delivery-failures = ["DestinationDeliveryFailures", 0], dropped-events = ["DroppedEventCount", 0], errors = ["Errors", 0], failed-invoke-events = ["FailedInvokeEventCount", 0], failure-queue-visible = ["ApproximateNumberOfMessagesVisible", 0], iterator-age = ["IteratorAge", 300000], throttles = ["Throttles", 0] })
    error_message = "Default alarms: the four function alarms, the two mapping alarms and the queue alarm. Got ${jsonencode(output.alarms)}"
  }

  assert {
    condition     = output.alarms["dropped-events"].dimensions["EventSourceMappingUUID"] == "a1b2c3d4-0000-0000-0000-000000000000"
    error_message = "The mapping alarms watch this module's mapping."
  }

  assert {
    condition = jsonencode(output.function_settings) == jsonencode({
      application_log_level = null, architecture = "arm64", layers = [], log_format = "Text", log_group = "/aws/lambda/products",
      log_retention_in_days = 365, memory_size = 256, publish = false, reserved_concurrent_executions = -1, runtime = "python3.12",
      subnet_ids            = [], system_log_level = null, timeout = 60, tracing_mode = "Active"
    })
    error_message = "Default function settings changed: ${jsonencode(output.function_settings)}"
  }

  assert {
    condition     = output.role_name == "products-sync" && output.log_group_arn == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products" && output.function_alias_arn == null
    error_message = "role_name and log_group_arn outputs; no alias by default."
  }
}

run "every_input_group_reaches_the_plan" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:sns:us-east-1:123456789012:sync-failures"
    create_role             = false
    role_arn                = "arn:aws:iam::123456789012:role/platform/products-sync"
    handler_settings        = { poison_policy = "report" }
    memory_size             = 512
    timeout                 = 120
    tracing_mode            = "PassThrough"
    runtime                 = "python3.13"
    architecture            = "x86_64"
    layers                  = ["arn:aws:lambda:us-east-1:123456789012:layer:monitoring:3"]
    log_retention_in_days   = 30
    logging                 = { format = "JSON", application_log_level = "WARN", system_log_level = "WARN" }
    alias_name              = "live"
    mapping = {
      enabled                            = false
      starting_position                  = "LATEST"
      batch_size                         = 500
      maximum_batching_window_in_seconds = 5
      parallelization_factor             = 2
      bisect_batch_on_function_error     = false
      maximum_retry_attempts             = 20
      maximum_record_age_in_seconds      = 7200
      report_batch_item_failures         = false
      filter_patterns                    = ["{\"eventName\":[\"INSERT\"]}"]
      metrics                            = []
    }
    alarm_period_seconds     = 300
    alarm_evaluation_periods = 2
    alarm_thresholds         = { iterator_age_ms = 60000, errors = 1, throttles = 2, destination_delivery_failures = 3 }
  }

  assert {
    condition = jsonencode(output.event_source_mapping) == jsonencode({
      batch_size                         = 500
      bisect_batch_on_function_error     = false
      destination_arn                    = "arn:aws:sns:us-east-1:123456789012:sync-failures"
      enabled                            = false
      filter_patterns                    = ["{\"eventName\":[\"INSERT\"]}"]
      function_name                      = "arn:aws:lambda:us-east-1:123456789012:function:products:live"
      function_response_types            = []
      maximum_batching_window_in_seconds = 5
      maximum_record_age_in_seconds      = 7200
      maximum_retry_attempts             = 20
      metrics                            = []
      parallelization_factor             = 2
      starting_position                  = "LATEST"
    })
    error_message = "mapping inputs must reach the mapping, which invokes the alias. Got ${jsonencode(output.event_source_mapping)}"
  }

  assert {
    condition = jsonencode(output.function_settings) == jsonencode({
      application_log_level          = "WARN", architecture = "x86_64", layers = ["arn:aws:lambda:us-east-1:123456789012:layer:monitoring:3"],
      log_format                     = "JSON", log_group = "/aws/lambda/products", log_retention_in_days = 30, memory_size = 512, publish = true,
      reserved_concurrent_executions = -1, runtime = "python3.13", subnet_ids = [], system_log_level = "WARN", timeout = 120,
      tracing_mode                   = "PassThrough"
    })
    error_message = "Function inputs must reach the function. Got ${jsonencode(output.function_settings)}"
  }

  assert {
    condition     = jsonencode({ for k, a in output.alarms : k => [a.threshold, a.period, a.evaluation_periods] }) == jsonencode({ destination-delivery-failures = [3, 300, 2], errors = [1, 300, 2], iterator-age = [60000, 300, 2], throttles = [2, 300, 2] })
    error_message = "Alarm inputs must reach the alarms; no mapping alarms without EventCount, no queue alarm for a given destination. Got ${jsonencode(output.alarms)}"
  }

  assert {
    condition     = output.role_arn == "arn:aws:iam::123456789012:role/platform/products-sync" && output.role_name == "products-sync" && output.failure_queue_url == null && output.function_alias_arn == "arn:aws:lambda:us-east-1:123456789012:function:products:live"
    error_message = "A role brought by the caller is used as is (role_name from its ARN); no queue is created for a given destination."
  }

  assert {
    condition     = !contains(keys(nonsensitive(output.function_environment)), "FAILURE_DESTINATION_ARN") && nonsensitive(output.function_environment).POISON_POLICY == "report"
    error_message = "poison_policy = report: the handler is not told the destination."
  }

  assert {
    condition     = [for s in jsondecode(output.role_policy_json).Statement : s.Action if s.Sid == "SendFailureRecords"] == [["sns:Publish"]]
    error_message = "An SNS destination needs sns:Publish only."
  }
}

run "mapping_errors_name_the_root_input" {
  command = plan

  variables {
    mapping = { batch_size = 0 }
  }

  expect_failures = [var.mapping]
}

run "numeric_matcher_on_a_dynamodb_number_is_refused_at_the_root" {
  command = plan

  variables {
    mapping = { filter_patterns = ["{\"dynamodb\":{\"NewImage\":{\"price\":{\"N\":[{\"numeric\":[\">\",10]}]}}}}"] }
  }

  expect_failures = [var.mapping]
}

run "tumbling_window_is_refused_with_the_reason" {
  command = plan

  variables {
    mapping = { tumbling_window_in_seconds = 60 }
  }

  expect_failures = [var.mapping]
}

run "a_destination_arn_needs_create_failure_queue_false" {
  command = plan

  variables {
    failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:shared"
  }

  expect_failures = [var.failure_destination_arn]
}

run "create_role_false_needs_role_arn" {
  command = plan

  variables {
    create_role = false
  }

  expect_failures = [var.role_arn]
}

run "logging_levels_need_json_and_are_reported_at_the_root" {
  command = plan

  variables {
    logging = { application_log_level = "WARN" }
  }

  expect_failures = [var.logging]
}

run "bad_layer_and_alias_are_reported_at_the_root" {
  command = plan

  variables {
    layers     = ["arn:aws:lambda:us-east-1:123456789012:function:not-a-layer"]
    alias_name = "1"
  }

  expect_failures = [var.layers, var.alias_name]
}
