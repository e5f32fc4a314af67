variable "region" {
  description = "AWS region of the table, the function and the domain."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Base name of the resources."
  type        = string
  default     = "products-search"
}

variable "domain_name" {
  description = "Name of the existing managed OpenSearch domain to keep in sync. Its access policy must allow the function's role (output role_arn)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = { project = "products-search" }
}
