output "alarm_arns" {
  description = "ARNs of the alarms, keyed by iterator-age, errors, throttles, destination-delivery-failures and failure-queue-visible."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.function : k => a.arn },
    { for a in aws_cloudwatch_metric_alarm.failure_queue : "failure-queue-visible" => a.arn },
  )
}
