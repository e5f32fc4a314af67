# modules/table, modules/failure-queue and modules/execution-role in plan mode: the stream, recovery,
# protection and encryption of the table; the queue's encryption and retention; the role's exact grants.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/products-sync", name = "products-sync" }
  }
}

run "table_stream_recovery_protection_encryption" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    name                           = "products"
    hash_key                       = "pk"
    attributes                     = [{ name = "pk", type = "S" }]
    stream_view_type               = "KEYS_ONLY"
    point_in_time_recovery_enabled = false
    deletion_protection_enabled    = false
    billing_mode                   = "PROVISIONED"
    kms_key_arn                    = "arn:aws:kms:us-east-1:123456789012:key/table"
  }

  assert {
    condition = (aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "KEYS_ONLY" &&
      !aws_dynamodb_table.this.point_in_time_recovery[0].enabled && !aws_dynamodb_table.this.deletion_protection_enabled &&
      aws_dynamodb_table.this.billing_mode == "PROVISIONED" && aws_dynamodb_table.this.server_side_encryption[0].enabled &&
    aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/table")
    error_message = "Table inputs must reach the table: stream on with the given view type, recovery, protection, billing, key."
  }
}

run "table_defaults" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    name       = "products"
    hash_key   = "pk"
    attributes = [{ name = "pk", type = "S" }]
  }

  assert {
    condition = (aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES" &&
    aws_dynamodb_table.this.point_in_time_recovery[0].enabled && aws_dynamodb_table.this.deletion_protection_enabled && aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST")
    error_message = "Default table: stream NEW_AND_OLD_IMAGES, point-in-time recovery and deletion protection on, on-demand."
  }
}

run "queue_is_encrypted_and_keeps_messages_14_days" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    name = "products-failures"
  }

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled == true && aws_sqs_queue.this.kms_master_key_id == null && aws_sqs_queue.this.message_retention_seconds == 1209600 && aws_sqs_queue.this.name == "products-failures"
    error_message = "The default queue is SQS-SSE encrypted and keeps messages 14 days."
  }
}

run "queue_with_customer_key" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    name                              = "products-failures"
    kms_master_key_id                 = "arn:aws:kms:us-east-1:123456789012:key/queue"
    kms_data_key_reuse_period_seconds = 600
    message_retention_seconds         = 3600
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/queue" && aws_sqs_queue.this.kms_data_key_reuse_period_seconds == 600 && aws_sqs_queue.this.message_retention_seconds == 3600
    error_message = "A customer key replaces SQS-SSE; retention is the given one."
  }
}

run "role_for_an_s3_destination_with_extra_grants" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    name                         = "products-sync"
    path                         = "/service/"
    permissions_boundary         = "arn:aws:iam::123456789012:policy/boundary"
    log_group_arn                = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products"
    stream_arn                   = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/x"
    destination_arn              = "arn:aws:s3:::failed-batches"
    handler_sends_to_destination = true
    extra_statements             = [{ sid = "ReadConfig", actions = ["ssm:GetParameter"], resources = ["arn:aws:ssm:us-east-1:123456789012:parameter/sync"] }]
    policy_arns                  = ["arn:aws:iam::123456789012:policy/baseline"]
  }

  assert {
    condition = jsonencode(jsondecode(output.policy_json).Statement) == jsonencode([
      { Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Effect = "Allow", Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products:*"], Sid = "WriteOwnLogs" },
      { Action = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], Effect = "Allow", Resource = ["arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/x"], Sid = "ReadTableStream" },
      { Action = ["s3:PutObject"], Effect = "Allow", Resource = ["arn:aws:s3:::failed-batches/*"], Sid = "SendFailureRecords" },
      { Action = ["s3:ListBucket"], Effect = "Allow", Resource = ["arn:aws:s3:::failed-batches"], Sid = "ListFailureBucket" },
      { Action = ["ssm:GetParameter"], Effect = "Allow", Resource = ["arn:aws:ssm:us-east-1:123456789012:parameter/sync"], Sid = "ReadConfig" },
    ])
    error_message = "S3 destination: PutObject on its objects, ListBucket on the bucket; extra statements appended. Got ${output.policy_json}"
  }

  assert {
    condition     = aws_iam_role.this[0].path == "/service/" && aws_iam_role.this[0].permissions_boundary == "arn:aws:iam::123456789012:policy/boundary" && aws_iam_role_policy_attachment.extra["0"].policy_arn == "arn:aws:iam::123456789012:policy/baseline"
    error_message = "Path, boundary and attached policies must reach the role."
  }
}

run "role_for_an_sqs_destination_the_handler_sends_to" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    name                         = "products-sync"
    log_group_arn                = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products"
    stream_arn                   = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/x"
    destination_arn              = "arn:aws:sqs:us-east-1:123456789012:shared"
    handler_sends_to_destination = true
    create                       = false
  }

  assert {
    condition     = [for s in jsondecode(output.policy_json).Statement : s.Action if s.Sid == "SendFailureRecords"] == [["sqs:SendMessage", "sqs:GetQueueUrl"]] && length(aws_iam_role.this) == 0 && output.arn == null
    error_message = "The handler sending to SQS needs SendMessage and GetQueueUrl; create = false creates no role but still computes the policy."
  }
}
