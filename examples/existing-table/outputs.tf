output "stream_arn" {
  description = "The existing table's stream the mapping reads."
  value       = module.sync.stream_arn
}

output "function_name" {
  description = "Sync function."
  value       = module.sync.function_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping."
  value       = module.sync.event_source_mapping_uuid
}

output "role_policy_json" {
  description = "The sync's permissions (dynamodb:BatchGetItem on this table only)."
  value       = module.sync.role_policy_json
}
