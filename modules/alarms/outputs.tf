output "alarm_arns" {
  description = "ARNs of the alarms, keyed by iterator-age, errors, throttles, destination-delivery-failures, dropped-events and failed-invoke-events (with mapping metrics), and failure-queue-visible (with a queue)."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.function : k => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.mapping : k => a.arn },
    { for a in aws_cloudwatch_metric_alarm.failure_queue : "failure-queue-visible" => a.arn },
  )
}

output "settings" {
  description = "Each alarm's metric, threshold and evaluation as planned, keyed like alarm_arns, for review and tests."
  value = { for k, a in merge(
    aws_cloudwatch_metric_alarm.function,
    aws_cloudwatch_metric_alarm.mapping,
    { for a in aws_cloudwatch_metric_alarm.failure_queue : "failure-queue-visible" => a },
    ) : k => {
    namespace          = a.namespace
    metric_name        = a.metric_name
    dimensions         = a.dimensions
    statistic          = a.statistic
    threshold          = a.threshold
    period             = a.period
    evaluation_periods = a.evaluation_periods
    treat_missing_data = a.treat_missing_data
    alarm_actions      = a.alarm_actions
    ok_actions         = a.ok_actions
  } }
}
