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
  description = "ARN of the function's execution role."
  value       = module.role.arn
}

output "role_policy_json" {
  description = "The execution role's inline policy (JSON): every permission the sync has."
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
  value       = local.create_failure_queue ? module.failure_queue[0].url : null
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms keyed by iterator-age, errors, throttles, destination-delivery-failures, failure-queue-visible; {} when create_alarms = false."
  value       = var.create_alarms ? module.alarms[0].alarm_arns : {}
}

output "opensearch_index" {
  description = "The index (or index template) the function writes to."
  value       = var.opensearch_index
}
