# modules/execution-role in plan mode: the exact grants per destination type, extra statements and policies,
# path and boundary, and create = false.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/products-sync", name = "products-sync" }
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
