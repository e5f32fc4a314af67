output "function_name" {
  description = "Sync function."
  value       = module.sync.function_name
}

output "role_arn" {
  description = "Execution role named in the data-access policy."
  value       = module.sync.role_arn
}
