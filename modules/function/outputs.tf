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
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group (without the \":*\" suffix)."
  value       = aws_cloudwatch_log_group.this.arn
}
