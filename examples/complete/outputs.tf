output "table_name" {
  description = "Table to write items to."
  value       = module.sync.table_name
}

output "function_name" {
  description = "Sync function."
  value       = module.sync.function_name
}

output "role_arn" {
  description = "Execution role; allow it in the domain's access policy (and fine-grained access control role mapping)."
  value       = module.sync.role_arn
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping."
  value       = module.sync.event_source_mapping_uuid
}

output "failure_queue_url" {
  description = "Queue holding the coordinates of batches the sync gave up on."
  value       = module.sync.failure_queue_url
}

output "alarm_arns" {
  description = "CloudWatch alarms."
  value       = module.sync.alarm_arns
}
