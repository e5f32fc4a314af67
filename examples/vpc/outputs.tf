output "security_group_id" {
  description = "Security group of the function; allow HTTPS from it on the domain's security group."
  value       = aws_security_group.function.id
}

output "function_name" {
  description = "Sync function."
  value       = module.sync.function_name
}

output "role_arn" {
  description = "Execution role; allow it in the domain's access policy."
  value       = module.sync.role_arn
}
