output "table_name" {
  description = "Name of the table to write items to."
  value       = module.sync.table_name
}

output "stream_arn" {
  description = "ARN of the table's stream."
  value       = module.sync.stream_arn
}

output "function_name" {
  description = "Name of the sync function."
  value       = module.sync.function_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping the local runner executes."
  value       = module.sync.event_source_mapping_uuid
}

output "failure_queue_url" {
  description = "URL of the on-failure queue."
  value       = module.sync.failure_queue_url
}

output "opensearch_index" {
  description = "Index the items are synced into."
  value       = module.sync.opensearch_index
}
