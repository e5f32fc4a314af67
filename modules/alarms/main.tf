# CloudWatch alarms for a stream-to-function sync: falling behind, failing, throttled, losing failure
# records, and failure records waiting to be redriven (facts.md §10).

locals {
  function_alarms = {
    iterator-age = {
      metric      = "IteratorAge"
      statistic   = "Maximum"
      threshold   = var.iterator_age_threshold_ms
      description = "The sync is falling behind: the oldest record in a batch is more than ${var.iterator_age_threshold_ms} ms old."
    }
    errors = {
      metric      = "Errors"
      statistic   = "Sum"
      threshold   = var.errors_threshold
      description = "The sync function failed more than ${var.errors_threshold} times in a period; batches are being retried."
    }
    throttles = {
      metric      = "Throttles"
      statistic   = "Sum"
      threshold   = var.throttles_threshold
      description = "The sync function was throttled more than ${var.throttles_threshold} times in a period; the stream is not being read."
    }
    destination-delivery-failures = {
      metric      = "DestinationDeliveryFailures"
      statistic   = "Sum"
      threshold   = var.destination_delivery_failures_threshold
      description = "Failed batches could not be sent to the on-failure destination: their coordinates are lost."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.function_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = var.function_name }
  statistic           = each.value.statistic
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.ok_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "failure_queue" {
  count = var.failure_queue_name == null ? 0 : 1

  alarm_name          = "${var.name}-failure-queue-visible"
  alarm_description   = "Batches the sync gave up on are waiting in ${var.failure_queue_name}: redrive them from the stream within 24 h."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.failure_queue_name }
  statistic           = "Maximum"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failure_queue_visible_threshold
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.ok_actions
  tags                = var.tags
}
