# The event source mapping from the table's stream to the function, with every failure-handling
# setting Lambda has for DynamoDB streams
# (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html).

resource "aws_lambda_event_source_mapping" "this" {
  function_name     = var.function_arn
  event_source_arn  = var.stream_arn
  enabled           = var.enabled
  starting_position = var.starting_position

  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  parallelization_factor             = var.parallelization_factor
  bisect_batch_on_function_error     = var.bisect_batch_on_function_error
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  tumbling_window_in_seconds         = var.tumbling_window_in_seconds
  function_response_types            = var.report_batch_item_failures ? ["ReportBatchItemFailures"] : []

  dynamic "filter_criteria" {
    # No block at all when there are no patterns: Lambda rejects an empty filter_criteria/filter block.
    for_each = length(var.filter_patterns) > 0 ? [1] : []
    content {
      dynamic "filter" {
        for_each = var.filter_patterns
        content {
          pattern = filter.value
        }
      }
    }
  }

  destination_config {
    on_failure {
      destination_arn = var.destination_arn
    }
  }

  # Encrypts the filter criteria at rest with a customer key (Lambda uses an AWS-owned key otherwise).
  kms_key_arn = var.filter_criteria_kms_key_arn
  tags        = var.tags

  dynamic "metrics_config" {
    for_each = length(var.metrics) > 0 ? [1] : []
    content {
      metrics = var.metrics
    }
  }
}
