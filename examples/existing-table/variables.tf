variable "region" {
  description = "AWS region of the table."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Base name of the sync's resources (function, role, queue, alarms)."
  type        = string
  default     = "orders-sync"
}

variable "table_name" {
  description = "Existing table with its stream enabled (NEW_AND_OLD_IMAGES recommended; KEYS_ONLY/OLD_IMAGE make the handler read each item)."
  type        = string
}

variable "opensearch_endpoint" {
  description = "URL of the OpenSearch endpoint."
  type        = string
}

variable "opensearch_domain_arn" {
  description = "ARN of the managed domain, or null for an unsecured local node (opensearch_auth = none)."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "Package built by `make package`, or null to build it at apply time."
  type        = string
  default     = null
}

variable "aws_endpoint_url" {
  description = "AWS endpoint override for a local stack (e.g. the embedded moto server); null (default) for real AWS."
  type        = string
  default     = null
}
