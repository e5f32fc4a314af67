output "path" {
  description = "Path of the built zip (known after apply when a build is due)."
  value       = terraform_data.this.output
}

output "source_code_hash" {
  description = "Hash of the package's inputs (base64), known at plan time; it changes exactly when the package must be rebuilt and redeployed."
  value       = local.source_code_hash
}
