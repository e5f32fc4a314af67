# The sync function and its log group. The log group is created here (not by Lambda on first run) so it
# has a retention and an optional KMS key, and so the role can be scoped to it.

locals {
  from_s3 = var.package.s3_bucket != null

  create_log_group = var.existing_log_group_name == null
  log_group_name   = local.create_log_group ? "/aws/lambda/${var.name}" : var.existing_log_group_name
  log_group_arn    = local.create_log_group ? aws_cloudwatch_log_group.this[0].arn : data.aws_cloudwatch_log_group.existing[0].arn
  # The logging_config block only when it says something beyond Lambda's defaults (Text, /aws/lambda/<name>),
  # so a function without it plans no drift on emulators that do not store it.
  logging_config = var.log_format == "JSON" || !local.create_log_group ? [{
    log_format            = var.log_format
    log_group             = local.log_group_name
    application_log_level = var.log_format == "JSON" ? var.application_log_level : null
    system_log_level      = var.log_format == "JSON" ? var.system_log_level : null
  }] : []
}

resource "aws_cloudwatch_log_group" "this" {
  count = local.create_log_group ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  # STANDARD is what the service applies when the argument is absent; leaving it out keeps emulators that do
  # not report the class from planning a replacement.
  log_group_class = var.log_group_class == "STANDARD" ? null : var.log_group_class
  tags            = var.tags
}

data "aws_cloudwatch_log_group" "existing" {
  count = local.create_log_group ? 0 : 1
  name  = var.existing_log_group_name
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
  layers        = var.layers
  publish       = var.publish

  reserved_concurrent_executions = var.reserved_concurrent_executions

  filename          = local.from_s3 ? null : var.package.local_path
  s3_bucket         = var.package.s3_bucket
  s3_key            = var.package.s3_key
  s3_object_version = var.package.s3_object_version
  source_code_hash  = var.package.source_code_hash

  environment {
    variables = var.environment
  }

  dynamic "logging_config" {
    for_each = local.logging_config
    content {
      log_format            = logging_config.value.log_format
      log_group             = logging_config.value.log_group
      application_log_level = logging_config.value.application_log_level
      system_log_level      = logging_config.value.system_log_level
    }
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

# The event source mapping invokes the alias when there is one, so a new version goes live only when the
# alias moves (publish = true makes every code or configuration change a new version).
resource "aws_lambda_alias" "this" {
  count = var.alias_name == null ? 0 : 1

  name             = var.alias_name
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}
