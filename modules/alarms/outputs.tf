output "alarm_arns" {
  description = "ARNs of the alarms, keyed by iterator-age, errors, throttles, destination-delivery-failures, dropped-events and failed-invoke-events (with mapping metrics), and failure-queue-visible (with a queue)."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.function : k => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.mapping : k => a.arn },
    { for a in aws_cloudwatch_metric_alarm.failure_queue : "failure-queue-visible" => a.arn },
  )
}
