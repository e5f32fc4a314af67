output "table_name" {
  description = "Name of the source table (created or existing)."
  value       = local.table_name
}

output "table_arn" {
  description = "ARN of the source table."
  value       = local.table_arn
}

output "stream_arn" {
  description = "ARN of the table's stream, read by the event source mapping."
  value       = local.stream_arn
}

output "function_name" {
  description = "Name of the sync function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the sync function."
  value       = module.function.function_arn
}

output "function_code_sha256" {
  description = "Base64 SHA-256 of the deployed package, as Lambda reports it."
  value       = module.function.code_sha256
}

output "function_environment" {
  description = "Environment variables the function gets (the OpenSearch settings, handler_settings and environment merged). Sensitive because environment may hold values the caller considers secret."
  value       = local.handler_environment
  sensitive   = true
}

output "log_group_name" {
  description = "CloudWatch log group of the sync function."
  value       = module.function.log_group_name
}

output "role_arn" {
  description = "ARN of the function's execution role (created, or role_arn)."
  value       = var.create_role ? module.role.arn : var.role_arn
}

output "role_name" {
  description = "Name of the function's execution role (created, or the last part of role_arn)."
  value       = var.create_role ? module.role.name : element(split("/", var.role_arn), length(split("/", var.role_arn)) - 1)
}

output "log_group_arn" {
  description = "ARN of the function's log group (created, or logging.existing_log_group_name's)."
  value       = module.function.log_group_arn
}

output "function_version" {
  description = "Published version the alias points at, or \"$LATEST\" when publish = false."
  value       = module.function.version
}

output "function_alias_arn" {
  description = "ARN of the alias the mapping invokes, or null without alias_name."
  value       = module.function.alias_arn
}

output "role_policy_json" {
  description = "The execution role's inline policy (JSON): every permission the sync has; with create_role = false, what role_arn must allow."
  value       = module.role.policy_json
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (for aws lambda get-event-source-mapping / update-event-source-mapping)."
  value       = module.event_source_mapping.uuid
}

output "event_source_mapping_arn" {
  description = "ARN of the event source mapping."
  value       = module.event_source_mapping.arn
}

output "failure_destination_arn" {
  description = "ARN of the on-failure destination (the created queue or the one given)."
  value       = local.destination_arn
}

output "failure_queue_url" {
  description = "URL of the created failure queue, or null when an existing destination was given."
  value       = var.create_failure_queue ? module.failure_queue[0].url : null
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms keyed by iterator-age, errors, throttles, destination-delivery-failures, dropped-events and failed-invoke-events (with mapping metrics), failure-queue-visible (with the created queue); {} when create_alarms = false."
  value       = var.create_alarms ? module.alarms[0].alarm_arns : {}
}

output "opensearch_index" {
  description = "The index (or index template) the function writes to."
  value       = var.opensearch_index
}

output "event_source_mapping" {
  description = "The event source mapping's settings as planned: failure handling (bisect, retries, record age, ReportBatchItemFailures, destination), batching, filters, metrics."
  value       = module.event_source_mapping.settings
}

output "function_settings" {
  description = "The function's settings as planned: runtime, architecture, memory, timeout, concurrency, tracing, layers, logging."
  value       = module.function.settings
}

output "alarms" {
  description = "Each alarm's metric, dimensions, threshold and evaluation as planned, keyed like alarm_arns; {} when create_alarms = false."
  value       = var.create_alarms ? module.alarms[0].settings : {}
}
