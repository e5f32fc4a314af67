# CloudWatch alarms for a stream-to-function sync: falling behind, failing, throttled, losing failure
# records, records the mapping dropped or could not hand over, and failure records waiting to be redriven.

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

# Event source mapping metrics (published with metrics = ["EventCount"], dimension EventSourceMappingUUID:
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html). They see what the function's own
# metrics cannot: records dropped after retries or age ran out, whatever the destination type.
locals {
  mapping_alarms = !var.mapping_metrics_enabled ? {} : {
    dropped-events = {
      metric      = "DroppedEventCount"
      threshold   = var.dropped_events_threshold
      description = "The event source mapping dropped records (retries or record age ran out): they are not in the index; their coordinates went to the on-failure destination."
    }
    failed-invoke-events = {
      metric      = "FailedInvokeEventCount"
      threshold   = var.failed_invoke_events_threshold
      description = "Records the event source mapping could not process (function error, throttle, timeout); they are retried."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "mapping" {
  for_each = local.mapping_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { EventSourceMappingUUID = var.event_source_mapping_uuid }
  statistic           = "Sum"
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
