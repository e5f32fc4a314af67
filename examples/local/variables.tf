variable "aws_endpoint_url" {
  description = "URL of the local AWS endpoint (moto server), e.g. http://127.0.0.1:4566."
  type        = string
}

variable "opensearch_endpoint" {
  description = "URL of the local OpenSearch node, e.g. http://127.0.0.1:9200."
  type        = string
}

variable "name" {
  description = "Name of the table, function, index and the rest."
  type        = string
  default     = "demo"
}

variable "lambda_zip_path" {
  description = "Deployment package built by `make package` (`make demo` passes dist/lambda.zip), or null (default) to build it at apply time, so the example validates, lints and plans before any build."
  type        = string
  default     = null
}

variable "region" {
  description = "Region the local stack answers for."
  type        = string
  default     = "us-east-1"
}
