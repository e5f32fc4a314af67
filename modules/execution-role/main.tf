# The function's execution role: exactly the actions the handler and the event source mapping call,
# each on the narrowest resource AWS allows (facts.md §11).

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

locals {
  destination_service = split(":", var.destination_arn)[2]
  # The one action each on-failure destination type needs, and the resource it applies to.
  destination_action = {
    sqs = "sqs:SendMessage"
    sns = "sns:Publish"
    s3  = "s3:PutObject"
  }[local.destination_service]
  destination_resource = local.destination_service == "s3" ? "${var.destination_arn}/*" : var.destination_arn

  kms_key_arns = compact([var.table_kms_key_arn, var.destination_kms_key_arn])

  vpc_enabled    = length(var.vpc_subnet_ids) > 0
  ec2_arn_prefix = local.vpc_enabled ? "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current[0].name}:${data.aws_caller_identity.current[0].account_id}" : ""
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.log_group_arn}:*"]
  }

  statement {
    sid       = "ReadTableStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [var.stream_arn]
  }

  dynamic "statement" {
    # KEYS_ONLY and OLD_IMAGE streams carry no new image: the handler reads the current item.
    for_each = var.table_arn_for_get_item == null ? [] : [var.table_arn_for_get_item]
    content {
      sid       = "ReadCurrentItem"
      actions   = ["dynamodb:GetItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.opensearch_domain_arn == null ? [] : [var.opensearch_domain_arn]
    content {
      sid = "WriteOpenSearchDomain"
      # The handler sends every write, delete included, in a POST /_bulk and reads with POST /_mget:
      # IAM authorises the HTTP method, so ESHttpPut/ESHttpDelete would be rights it never uses.
      actions   = var.opensearch_http_actions
      resources = ["${statement.value}/*"]
    }
  }

  dynamic "statement" {
    for_each = var.opensearch_collection_arn == null ? [] : [var.opensearch_collection_arn]
    content {
      sid = "UseServerlessCollection"
      # Document-level rights come from the collection's data-access policy, not IAM.
      actions   = ["aoss:APIAccessAll"]
      resources = [statement.value]
    }
  }

  statement {
    sid = "SendFailureRecords"
    # The mapping needs only the send action; the handler, when it sends poison records to an SQS queue
    # itself, also looks up the queue URL from the ARN.
    actions   = local.destination_service == "sqs" && var.handler_sends_to_destination ? [local.destination_action, "sqs:GetQueueUrl"] : [local.destination_action]
    resources = [local.destination_resource]
  }

  dynamic "statement" {
    for_each = length(local.kms_key_arns) == 0 ? [] : [local.kms_key_arns]
    content {
      sid = "UseEncryptionKeys"
      # Decrypt reads a customer-key-encrypted stream; GenerateDataKey writes to an encrypted destination.
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      sid = "SendTraces"
      # X-Ray has no resource-level permissions for these actions: "*" is the only valid resource.
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.vpc_enabled ? [1] : []
    content {
      sid = "DescribeNetworkInterfaces"
      # ec2:Describe* actions have no resource-level permissions: "*" is the only valid resource.
      actions   = ["ec2:DescribeNetworkInterfaces"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.vpc_enabled ? [1] : []
    content {
      sid     = "CreateFunctionNetworkInterfaces"
      actions = ["ec2:CreateNetworkInterface"]
      # CreateNetworkInterface is authorised against the new interface, its subnet and its security groups.
      resources = concat(
        ["${local.ec2_arn_prefix}:network-interface/*"],
        [for id in var.vpc_subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"],
        [for id in var.vpc_security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"],
      )
    }
  }

  dynamic "statement" {
    for_each = local.vpc_enabled ? [1] : []
    content {
      sid       = "ManageFunctionNetworkInterfaces"
      actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = ["${local.ec2_arn_prefix}:network-interface/*"]
    }
  }
}

data "aws_partition" "current" {}

data "aws_region" "current" {
  count = local.vpc_enabled ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = local.vpc_enabled ? 1 : 0
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.path
  permissions_boundary = var.permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
