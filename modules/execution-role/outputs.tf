output "arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The role's inline policy document (JSON), for review and tests."
  value       = jsonencode(local.policy)
}

output "policy_id" {
  description = "ID of the inline policy attachment; depend on it so nothing uses the role before its permissions exist."
  value       = aws_iam_role_policy.this.id
}
