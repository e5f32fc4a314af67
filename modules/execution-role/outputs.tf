output "arn" {
  description = "ARN of the execution role, or null when create = false."
  value       = var.create ? aws_iam_role.this[0].arn : null
}

output "name" {
  description = "Name of the execution role, or null when create = false."
  value       = var.create ? aws_iam_role.this[0].name : null
}

output "policy_json" {
  description = "The role's inline policy document (JSON), for review and tests; with create = false, what a role brought by the caller must allow."
  value       = jsonencode(local.policy)
}

output "policy_id" {
  description = "ID of the inline policy attachment (null when create = false); depend on it so nothing uses the role before its permissions exist."
  value       = var.create ? aws_iam_role_policy.this[0].id : null
}
