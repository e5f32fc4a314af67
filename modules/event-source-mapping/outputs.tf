output "uuid" {
  description = "UUID of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "arn" {
  description = "ARN of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.arn
}

output "settings" {
  description = "The mapping's settings as planned (failure handling, batching, destination, filters, metrics), for review and tests."
  value = {
    enabled                            = aws_lambda_event_source_mapping.this.enabled
    function_name                      = aws_lambda_event_source_mapping.this.function_name
    starting_position                  = aws_lambda_event_source_mapping.this.starting_position
    batch_size                         = aws_lambda_event_source_mapping.this.batch_size
    maximum_batching_window_in_seconds = aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds
    parallelization_factor             = aws_lambda_event_source_mapping.this.parallelization_factor
    bisect_batch_on_function_error     = aws_lambda_event_source_mapping.this.bisect_batch_on_function_error
    maximum_retry_attempts             = aws_lambda_event_source_mapping.this.maximum_retry_attempts
    maximum_record_age_in_seconds      = aws_lambda_event_source_mapping.this.maximum_record_age_in_seconds
    function_response_types            = sort(tolist(aws_lambda_event_source_mapping.this.function_response_types))
    destination_arn                    = aws_lambda_event_source_mapping.this.destination_config[0].on_failure[0].destination_arn
    filter_patterns                    = sort([for f in try(aws_lambda_event_source_mapping.this.filter_criteria[0].filter, []) : f.pattern])
    metrics                            = try(sort(tolist(aws_lambda_event_source_mapping.this.metrics_config[0].metrics)), [])
  }
}
