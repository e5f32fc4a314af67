# The sync function and its log group. The log group is created here (not by Lambda on first run) so it
# has a retention and an optional KMS key, and so the role can be scoped to it.

locals {
  from_s3 = var.package.s3_bucket != null
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116:A dead-letter queue only catches asynchronous invocations; stream batches are invoked synchronously by the event source mapping, whose on-failure destination is configured instead.
  # checkov:skip=CKV_AWS_272:Code signing needs a signing profile the caller owns; the package is built deterministically and pinned by its SHA-256 (source_code_hash).
  # checkov:skip=CKV_AWS_173:The environment holds only endpoint, index and tuning settings, no secrets, so a customer KMS key adds cost without protection; kms_key_arn is an input for those who want one.
  # checkov:skip=CKV_AWS_117:Running in a VPC is only needed for VPC-only OpenSearch domains; the vpc input enables it (see examples/vpc).
  function_name = var.name
  description   = var.description
  role          = var.role_arn
  handler       = var.handler
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  kms_key_arn   = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrent_executions

  filename          = local.from_s3 ? null : var.package.local_path
  s3_bucket         = var.package.s3_bucket
  s3_key            = var.package.s3_key
  s3_object_version = var.package.s3_object_version
  source_code_hash  = var.package.source_code_hash

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "vpc_config" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [1] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this]
}
