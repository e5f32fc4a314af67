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

output "settings" {
  description = "The function's settings as planned (runtime, sizing, tracing, layers, logging), for review and tests."
  value = {
    runtime                        = aws_lambda_function.this.runtime
    architecture                   = one(aws_lambda_function.this.architectures)
    memory_size                    = aws_lambda_function.this.memory_size
    timeout                        = aws_lambda_function.this.timeout
    reserved_concurrent_executions = aws_lambda_function.this.reserved_concurrent_executions
    tracing_mode                   = aws_lambda_function.this.tracing_config[0].mode
    layers                         = aws_lambda_function.this.layers
    publish                        = aws_lambda_function.this.publish
    log_format                     = try(aws_lambda_function.this.logging_config[0].log_format, "Text")
    log_group                      = local.log_group_name
    application_log_level          = try(aws_lambda_function.this.logging_config[0].application_log_level, null)
    system_log_level               = try(aws_lambda_function.this.logging_config[0].system_log_level, null)
    log_retention_in_days          = try(aws_cloudwatch_log_group.this[0].retention_in_days, null)
    subnet_ids                     = try(sort(tolist(aws_lambda_function.this.vpc_config[0].subnet_ids)), [])
  }
}
