variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Base name of the resources, and the index name."
  type        = string
  default     = "serverless-search"
}

variable "collection_name" {
  description = "Name of the existing OpenSearch Serverless collection (type SEARCH)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
