# Sync an existing table whose stream is already enabled. Nothing about the table changes; the module
# refuses (at plan time) a table without a stream. Set aws_endpoint_url to run it against the embedded stack.

provider "aws" {
  region = var.region

  access_key                  = var.aws_endpoint_url == null ? null : "test"
  secret_key                  = var.aws_endpoint_url == null ? null : "test"
  skip_credentials_validation = var.aws_endpoint_url != null
  skip_requesting_account_id  = var.aws_endpoint_url != null
  skip_metadata_api_check     = var.aws_endpoint_url != null

  endpoints {
    cloudwatch     = var.aws_endpoint_url
    cloudwatchlogs = var.aws_endpoint_url
    dynamodb       = var.aws_endpoint_url
    iam            = var.aws_endpoint_url
    lambda         = var.aws_endpoint_url
    sqs            = var.aws_endpoint_url
    sts            = var.aws_endpoint_url
  }
}

module "sync" {
  source = "../.."

  name         = var.name
  create_table = false
  table_name   = var.table_name
  package_path = var.lambda_zip_path

  opensearch_endpoint   = var.opensearch_endpoint
  opensearch_index      = lower(var.table_name)
  opensearch_auth       = var.opensearch_domain_arn == null ? "none" : "iam"
  opensearch_domain_arn = var.opensearch_domain_arn
  tracing_mode          = var.aws_endpoint_url == null ? "Active" : "PassThrough"
}
