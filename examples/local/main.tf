# The module applied to the embedded local stack: moto as the AWS endpoint, a local OpenSearch node
# without security, and the repository's event source mapping runner playing the Lambda service.

provider "aws" {
  region     = var.region
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

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
  package_path = var.lambda_zip_path

  opensearch_endpoint = var.opensearch_endpoint
  opensearch_index    = var.name
  opensearch_auth     = "none"

  # Throw-away local tables; X-Ray has no local counterpart.
  deletion_protection_enabled = false
  tracing_mode                = "PassThrough"

  mapping = {
    starting_position                  = "TRIM_HORIZON"
    maximum_batching_window_in_seconds = 1
  }
}
