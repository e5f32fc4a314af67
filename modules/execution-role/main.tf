# The function's execution role: exactly the actions the handler and the event source mapping call,
# each on the narrowest resource AWS allows.

locals {
  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumesRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  }

  destination_service = split(":", var.destination_arn)[2]
  destination_object  = local.destination_service == "s3" ? "${var.destination_arn}/*" : var.destination_arn
  # What each on-failure destination type needs, for the mapping (and for the handler when it sends rejected
  # records itself): https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html lists
  # sqs:SendMessage, sns:Publish, and s3:PutObject + s3:ListBucket. The handler also looks an SQS queue's URL up.
  destination_statements = {
    sqs = [{
      Sid      = "SendFailureRecords"
      Action   = var.handler_sends_to_destination ? ["sqs:SendMessage", "sqs:GetQueueUrl"] : ["sqs:SendMessage"]
      Resource = [var.destination_arn]
    }]
    sns = [{ Sid = "SendFailureRecords", Action = ["sns:Publish"], Resource = [var.destination_arn] }]
    s3 = [
      { Sid = "SendFailureRecords", Action = ["s3:PutObject"], Resource = [local.destination_object] },
      { Sid = "ListFailureBucket", Action = ["s3:ListBucket"], Resource = [var.destination_arn] },
    ]
  }[local.destination_service]

  kms_key_arns = compact([var.table_kms_key_arn, var.destination_kms_key_arn])

  vpc_enabled    = length(var.vpc_subnet_ids) > 0
  ec2_arn_prefix = local.vpc_enabled ? "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current[0].name}:${data.aws_caller_identity.current[0].account_id}" : ""

  # Built with jsonencode rather than a policy-document data source so plan-mode tests can read it.
  statements = concat(
    [
      {
        Sid      = "WriteOwnLogs"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${var.log_group_arn}:*"]
      },
      {
        Sid      = "ReadTableStream"
        Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
        Resource = [var.stream_arn]
      },
    ],
    local.destination_statements,
    # The handler reads the current item when a record has no new image (KEYS_ONLY, OLD_IMAGE) and to
    # settle two changes in the same second, always in batches (consistent BatchGetItem, up to 100 keys a call).
    var.table_arn_for_get_item == null ? [] : [{
      Sid      = "ReadCurrentItem"
      Action   = ["dynamodb:BatchGetItem"]
      Resource = [var.table_arn_for_get_item]
    }],
    # The handler sends every write, delete included, in a POST /_bulk and reads with POST /_mget;
    # IAM authorises the HTTP method, so other ESHttp* actions would be rights it never uses.
    var.opensearch_domain_arn == null ? [] : [{
      Sid      = "WriteOpenSearchDomain"
      Action   = var.opensearch_http_actions
      Resource = ["${var.opensearch_domain_arn}/*"]
    }],
    # Document-level rights in a Serverless collection come from its data-access policy, not IAM.
    var.opensearch_collection_arn == null ? [] : [{
      Sid      = "UseServerlessCollection"
      Action   = ["aoss:APIAccessAll"]
      Resource = [var.opensearch_collection_arn]
    }],
    # Decrypt reads a customer-key-encrypted stream; GenerateDataKey writes to an encrypted destination.
    length(local.kms_key_arns) == 0 ? [] : [{
      Sid      = "UseEncryptionKeys"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = local.kms_key_arns
    }],
    # X-Ray has no resource-level permissions for these actions: "*" is the only valid resource.
    !var.tracing_enabled ? [] : [{
      Sid      = "SendTraces"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    }],
    !local.vpc_enabled ? [] : [
      {
        # ec2:Describe* actions have no resource-level permissions: "*" is the only valid resource.
        Sid      = "DescribeNetworkInterfaces"
        Action   = ["ec2:DescribeNetworkInterfaces"]
        Resource = ["*"]
      },
      {
        # CreateNetworkInterface is authorised against the new interface, its subnet and its security groups.
        Sid    = "CreateFunctionNetworkInterfaces"
        Action = ["ec2:CreateNetworkInterface"]
        Resource = concat(
          ["${local.ec2_arn_prefix}:network-interface/*"],
          [for id in var.vpc_subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"],
          [for id in var.vpc_security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"],
        )
      },
      {
        Sid      = "ManageFunctionNetworkInterfaces"
        Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = ["${local.ec2_arn_prefix}:network-interface/*"]
      },
    ],
    # Whatever else the caller's platform requires (e.g. reading a parameter its extension needs).
    [for st in var.extra_statements : { for k, v in {
      Sid       = st.sid
      Effect    = st.effect
      Action    = st.actions
      Resource  = st.resources
      Condition = st.condition
    } : k => v if v != null }],
  )

  policy = {
    Version   = "2012-10-17"
    Statement = [for s in local.statements : merge({ Effect = "Allow" }, s)]
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
  count = var.create ? 1 : 0

  name                 = var.name
  path                 = var.path
  permissions_boundary = var.permissions_boundary
  assume_role_policy   = jsonencode(local.assume_role_policy)
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = var.name
  role   = aws_iam_role.this[0].id
  policy = jsonencode(local.policy)
}

# Keyed by position, not by ARN: an ARN of a policy created in the same configuration is unknown at plan time.
resource "aws_iam_role_policy_attachment" "extra" {
  for_each = var.create ? { for i, arn in var.policy_arns : tostring(i) => arn } : {}

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}
