# modules/alarms in plan mode: each alarm watches the right metric with the given threshold, period and
# evaluation, treats missing data as OK (no data = nothing happened), and notifies the given actions.

mock_provider "aws" {
  override_during = plan
}

variables {
  name                                    = "products"
  function_name                           = "products"
  failure_queue_name                      = "products-failures"
  mapping_metrics_enabled                 = true
  event_source_mapping_uuid               = "a1b2c3d4-0000-0000-0000-000000000000"
  alarm_actions                           = ["arn:aws:sns:us-east-1:123456789012:alarms"]
  ok_actions                              = ["arn:aws:sns:us-east-1:123456789012:ok"]
  period_seconds                          = 300
  evaluation_periods                      = 3
  iterator_age_threshold_ms               = 120000
  errors_threshold                        = 1
  throttles_threshold                     = 2
  destination_delivery_failures_threshold = 3
  failure_queue_visible_threshold         = 4
  dropped_events_threshold                = 5
  failed_invoke_events_threshold          = 6
}

run "every_alarm_with_its_metric_threshold_and_evaluation" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  assert {
    condition = jsonencode({ for k, a in output.settings : k => [a.namespace, a.metric_name, a.dimensions, a.statistic, a.threshold] }) == jsonencode({
      iterator-age                  = ["AWS/Lambda", "IteratorAge", { FunctionName = "products" }, "Maximum", 120000]
      errors                        = ["AWS/Lambda", "Errors", { FunctionName = "products" }, "Sum", 1]
      throttles                     = ["AWS/Lambda", "Throttles", { FunctionName = "products" }, "Sum", 2]
      destination-delivery-failures = ["AWS/Lambda", "DestinationDeliveryFailures", { FunctionName = "products" }, "Sum", 3]
      failure-queue-visible         = ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName = "products-failures" }, "Maximum", 4]
      dropped-events                = ["AWS/Lambda", "DroppedEventCount", { EventSourceMappingUUID = "a1b2c3d4-0000-0000-0000-000000000000" }, "Sum", 5]
      failed-invoke-events          = ["AWS/Lambda", "FailedInvokeEventCount", { EventSourceMappingUUID = "a1b2c3d4-0000-0000-0000-000000000000" }, "Sum", 6]
    })
    error_message = "Alarm metrics/thresholds changed: ${jsonencode(output.settings)}"
  }

  assert {
    condition = alltrue([for k, a in output.settings : a.period == 300 && a.evaluation_periods == 3 && a.treat_missing_data == "notBreaching" &&
    jsonencode(a.alarm_actions) == jsonencode(["arn:aws:sns:us-east-1:123456789012:alarms"]) && jsonencode(a.ok_actions) == jsonencode(["arn:aws:sns:us-east-1:123456789012:ok"])])
    error_message = "Every alarm must use the given period, evaluation periods and actions, and treat missing data as notBreaching: ${jsonencode(output.settings)}"
  }

  assert {
    condition     = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.function), values(aws_cloudwatch_metric_alarm.mapping), aws_cloudwatch_metric_alarm.failure_queue) : a.comparison_operator == "GreaterThanThreshold" && startswith(a.alarm_name, "products-")])
    error_message = "Every alarm fires above its threshold and is named <name>-<alarm>."
  }
}

run "no_mapping_metrics_no_mapping_alarms_no_queue_no_queue_alarm" {
  command = plan

  module {
    source = "./modules/alarms"
  }

  variables {
    mapping_metrics_enabled = false
    failure_queue_name      = null
  }

  assert {
    condition     = toset(keys(output.settings)) == toset(["iterator-age", "errors", "throttles", "destination-delivery-failures"])
    error_message = "Without EventCount metrics and without a created queue only the four function alarms exist."
  }
}
