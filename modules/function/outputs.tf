output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "code_sha256" {
  description = "Base64 SHA-256 of the deployed package, as Lambda reports it."
  value       = aws_lambda_function.this.code_sha256
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = local.log_group_name
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group (without the \":*\" suffix)."
  value       = local.log_group_arn
}

output "version" {
  description = "Latest published version, or \"$LATEST\" when publish = false."
  value       = aws_lambda_function.this.version
}

output "alias_arn" {
  description = "ARN of the alias, or null when alias_name is null."
  value       = var.alias_name == null ? null : aws_lambda_alias.this[0].arn
}

output "invoke_arn" {
  description = "What an event source mapping should invoke: the alias ARN when there is an alias, else the function ARN."
  value       = var.alias_name == null ? aws_lambda_function.this.arn : aws_lambda_alias.this[0].arn
}
