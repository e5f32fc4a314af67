# The root module in plan mode with a mocked AWS provider: defaults, each conditional resource, and the
# execution role's policy (least privilege: only actions the code calls, each on the narrowest resource).

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/products"
      stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:products-failures"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/products-failures"
    }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  name                  = "products"
  opensearch_endpoint   = "https://search-products.us-east-1.es.amazonaws.com"
  opensearch_index      = "products"
  opensearch_domain_arn = "arn:aws:es:us-east-1:123456789012:domain/products"
  package_s3            = { bucket = "artifacts-bucket", key = "ddb-opensearch-sync/lambda.zip" }
}

run "defaults_create_table_queue_alarms_and_least_privilege_policy" {
  command = plan

  assert {
    condition     = output.table_name == "products" && output.stream_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
    error_message = "By default the module creates the table named after name, with a stream."
  }

  assert {
    condition     = output.failure_queue_url != null && output.failure_destination_arn == "arn:aws:sqs:us-east-1:123456789012:products-failures"
    error_message = "By default the on-failure destination is a created SQS queue."
  }

  assert {
    condition     = toset(keys(output.alarm_arns)) == toset(["iterator-age", "errors", "throttles", "destination-delivery-failures", "dropped-events", "failed-invoke-events", "failure-queue-visible"])
    error_message = "By default all seven alarms exist."
  }

  assert {
    condition = jsondecode(output.role_policy_json).Statement == [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products:*"]
      },
      {
        Sid      = "ReadTableStream"
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
        Resource = ["arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"]
      },
      {
        Sid      = "SendFailureRecords"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage", "sqs:GetQueueUrl"]
        Resource = ["arn:aws:sqs:us-east-1:123456789012:products-failures"]
      },
      {
        Sid      = "ReadCurrentItem"
        Effect   = "Allow"
        Action   = ["dynamodb:BatchGetItem"]
        Resource = ["arn:aws:dynamodb:us-east-1:123456789012:table/products"]
      },
      {
        Sid      = "WriteOpenSearchDomain"
        Effect   = "Allow"
        Action   = ["es:ESHttpPost"]
        Resource = ["arn:aws:es:us-east-1:123456789012:domain/products/*"]
      },
      {
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
    ]
    error_message = "Default policy must be exactly: own logs, stream read on the stream, SendMessage (+ GetQueueUrl for the handler) on the queue, BatchGetItem on the table, ESHttpPost on the domain, X-Ray. Got ${output.role_policy_json}"
  }

  assert {
    condition     = nonsensitive(output.function_environment) == { OPENSEARCH_ENDPOINT = "https://search-products.us-east-1.es.amazonaws.com", OPENSEARCH_INDEX = "products", OPENSEARCH_AUTH = "iam", POISON_POLICY = "destination", FAILURE_DESTINATION_ARN = "arn:aws:sqs:us-east-1:123456789012:products-failures" }
    error_message = "By default the function gets the three OpenSearch settings and sends rejected records to the created queue."
  }
}

run "keys_only_stream_grants_get_item_on_the_table_only" {
  command = plan

  variables {
    stream_view_type = "KEYS_ONLY"
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "ReadCurrentItem"] == [{
      Sid = "ReadCurrentItem", Effect = "Allow", Action = ["dynamodb:BatchGetItem"], Resource = ["arn:aws:dynamodb:us-east-1:123456789012:table/products"]
    }]
    error_message = "KEYS_ONLY must grant dynamodb:BatchGetItem on the table ARN and nothing wider."
  }
}

run "old_image_stream_grants_get_item" {
  command = plan

  variables {
    stream_view_type = "OLD_IMAGE"
  }

  assert {
    condition     = contains([for s in jsondecode(output.role_policy_json).Statement : s.Sid], "ReadCurrentItem")
    error_message = "OLD_IMAGE records carry no new image: BatchGetItem must be granted."
  }
}

run "new_image_stream_still_grants_get_item_for_same_second_conflicts" {
  command = plan

  variables {
    stream_view_type = "NEW_IMAGE"
  }

  assert {
    condition     = [for s in jsondecode(output.role_policy_json).Statement : s.Resource if s.Sid == "ReadCurrentItem"] == [["arn:aws:dynamodb:us-east-1:123456789012:table/products"]]
    error_message = "The handler re-reads an item to settle two changes in the same second with any view type: BatchGetItem on the table, nothing wider."
  }
}

run "serverless_collection_gets_aoss_not_es" {
  command = plan

  variables {
    opensearch_endpoint       = "https://abc123.us-east-1.aoss.amazonaws.com"
    opensearch_auth           = "aoss"
    opensearch_domain_arn     = null
    opensearch_collection_arn = "arn:aws:aoss:us-east-1:123456789012:collection/abc123"
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "UseServerlessCollection"] == [{
      Sid = "UseServerlessCollection", Effect = "Allow", Action = ["aoss:APIAccessAll"], Resource = ["arn:aws:aoss:us-east-1:123456789012:collection/abc123"]
    }]
    error_message = "aoss must grant aoss:APIAccessAll on the collection."
  }

  assert {
    condition     = !strcontains(output.role_policy_json, "es:ESHttp")
    error_message = "A Serverless target must not grant es:ESHttp* actions."
  }
}

run "local_auth_none_grants_no_opensearch_rights" {
  command = plan

  variables {
    opensearch_endpoint   = "http://127.0.0.1:9200"
    opensearch_auth       = "none"
    opensearch_domain_arn = null
  }

  assert {
    condition     = !strcontains(output.role_policy_json, "es:") && !strcontains(output.role_policy_json, "aoss:")
    error_message = "opensearch_auth = none needs no OpenSearch IAM rights."
  }
}

run "existing_sns_destination_gets_publish_only_and_no_queue" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:sns:us-east-1:123456789012:sync-failures"
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "SendFailureRecords"] == [{
      Sid = "SendFailureRecords", Effect = "Allow", Action = ["sns:Publish"], Resource = ["arn:aws:sns:us-east-1:123456789012:sync-failures"]
    }]
    error_message = "An SNS destination must get exactly sns:Publish on the topic."
  }

  assert {
    condition     = output.failure_queue_url == null && !contains(keys(output.alarm_arns), "failure-queue-visible")
    error_message = "With an existing SNS destination no queue (and no queue alarm) is created."
  }
}

run "existing_s3_destination_gets_put_object_on_its_objects_and_list_bucket" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:s3:::sync-failures-bucket"
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s if contains(["SendFailureRecords", "ListFailureBucket"], s.Sid)] == [
      { Sid = "SendFailureRecords", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::sync-failures-bucket/*"] },
      { Sid = "ListFailureBucket", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::sync-failures-bucket"] },
    ]
    error_message = "An S3 destination must get exactly s3:PutObject on the bucket's objects and s3:ListBucket on the bucket (services-dynamodb-errors.html)."
  }
}

run "existing_sqs_destination_is_its_owners_to_watch" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:shared-failures"
    handler_settings        = { poison_policy = "report" }
  }

  assert {
    condition     = output.failure_queue_url == null && !contains(keys(output.alarm_arns), "failure-queue-visible") && contains(keys(output.alarm_arns), "dropped-events")
    error_message = "A queue given by ARN (maybe shared) is neither created nor alarmed per instance; the mapping's DroppedEventCount alarm covers this sync."
  }

  assert {
    condition     = strcontains(output.role_policy_json, "arn:aws:sqs:us-east-1:123456789012:shared-failures") && !strcontains(output.role_policy_json, "sqs:GetQueueUrl")
    error_message = "The existing queue gets SendMessage only (GetQueueUrl only when the handler sends poison records)."
  }
}

run "poison_records_to_destination_sets_env_and_get_queue_url" {
  command = plan

  variables {
    handler_settings = {
      poison_policy  = "destination"
      bulk_max_bytes = 1048576
      include_fields = ["title", "price"]
      ttl_deletes    = "keep"
    }
  }

  assert {
    condition = nonsensitive(output.function_environment) == {
      OPENSEARCH_ENDPOINT     = "https://search-products.us-east-1.es.amazonaws.com"
      OPENSEARCH_INDEX        = "products"
      OPENSEARCH_AUTH         = "iam"
      POISON_POLICY           = "destination"
      FAILURE_DESTINATION_ARN = "arn:aws:sqs:us-east-1:123456789012:products-failures"
      BULK_MAX_BYTES          = "1048576"
      INCLUDE_FIELDS          = "title,price"
      TTL_DELETES             = "keep"
    }
    error_message = "handler_settings must map to the handler's environment variables."
  }

  assert {
    condition     = contains([for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "SendFailureRecords"][0].Action, "sqs:GetQueueUrl")
    error_message = "The handler looks the queue URL up before sending poison records: it needs sqs:GetQueueUrl."
  }
}

run "passthrough_tracing_grants_no_xray" {
  command = plan

  variables {
    tracing_mode = "PassThrough"
  }

  assert {
    condition     = !strcontains(output.role_policy_json, "xray:")
    error_message = "Without active tracing no X-Ray rights are granted."
  }
}

run "vpc_grants_eni_actions_scoped_to_its_subnets_and_groups" {
  command = plan

  variables {
    vpc_subnet_ids         = ["subnet-0a", "subnet-0b"]
    vpc_security_group_ids = ["sg-0c"]
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s.Resource if s.Sid == "CreateFunctionNetworkInterfaces"] == [[
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0b",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0c",
    ]]
    error_message = "CreateNetworkInterface must be scoped to the function's subnets and security groups."
  }

  assert {
    condition     = [for s in jsondecode(output.role_policy_json).Statement : s.Resource if s.Sid == "DescribeNetworkInterfaces"] == [["*"]]
    error_message = "DescribeNetworkInterfaces has no resource-level permissions and gets \"*\"."
  }
}

run "no_statement_uses_a_wildcard_resource_unless_aws_allows_nothing_narrower" {
  command = plan

  variables {
    vpc_subnet_ids         = ["subnet-0a"]
    vpc_security_group_ids = ["sg-0c"]
    stream_view_type       = "KEYS_ONLY"
    table_kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = toset([for s in jsondecode(output.role_policy_json).Statement : s.Sid if contains(s.Resource, "*")]) == toset(["SendTraces", "DescribeNetworkInterfaces"])
    error_message = "Only X-Ray and ec2:DescribeNetworkInterfaces (no resource-level permissions) may use Resource \"*\"."
  }

  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "UseEncryptionKeys"] == [{
      Sid = "UseEncryptionKeys", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    }]
    error_message = "A customer-key-encrypted table grants kms:Decrypt/GenerateDataKey on that key only."
  }
}

run "alarms_can_be_turned_off" {
  command = plan

  variables {
    create_alarms = false
  }

  assert {
    condition     = output.alarm_arns == {}
    error_message = "create_alarms = false creates no alarm."
  }
}

run "existing_table_with_stream_is_used_not_created" {
  command = plan

  variables {
    create_table = false
    table_name   = "orders"
  }

  override_data {
    target = data.aws_dynamodb_table.existing[0]
    values = {
      arn              = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
      stream_enabled   = true
      stream_arn       = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"
      stream_view_type = "KEYS_ONLY"
    }
  }

  assert {
    condition     = output.table_name == "orders" && output.stream_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"
    error_message = "An existing table's stream is used."
  }

  assert {
    condition     = [for s in jsondecode(output.role_policy_json).Statement : s.Resource if s.Sid == "ReadCurrentItem"] == [["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]]
    error_message = "BatchGetItem is granted on the existing table, not on the one the module would have created."
  }
}

run "existing_table_without_stream_is_rejected" {
  command = plan

  variables {
    create_table = false
    table_name   = "orders"
  }

  override_data {
    target = data.aws_dynamodb_table.existing[0]
    values = {
      stream_enabled = false
      stream_arn     = ""
    }
  }

  expect_failures = [data.aws_dynamodb_table.existing]
}

run "package_is_built_at_apply_time_when_no_zip_or_s3_object_is_given" {
  command = plan

  variables {
    package_s3 = null
  }

  assert {
    condition     = length(module.package) == 1 && length(module.package[0].source_code_hash) == 44
    error_message = "Without package_path and package_s3 the package module builds the zip, keyed by a plan-time hash."
  }
}

run "package_from_s3_builds_nothing" {
  command = plan

  assert {
    condition     = length(module.package) == 0
    error_message = "With package_s3 nothing is built locally."
  }
}
