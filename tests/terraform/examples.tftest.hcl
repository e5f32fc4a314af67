# The examples as test fixtures: each plans against the mocked provider, and what it produces is asserted.
# (examples/local and examples/existing-table are also applied for real in tests/integration.)

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/sync", log_group_class = "STANDARD" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/products-search"
      stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/products-search/stream/2024-01-01T00:00:00.000"
    }
  }
  mock_data "aws_dynamodb_table" {
    defaults = {
      arn            = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
      stream_arn     = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"
      stream_enabled = true
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:sync-failures", url = "https://sqs.us-east-1.amazonaws.com/123456789012/sync-failures" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:products-search-alarms" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/sync", name = "sync" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:sync", version = "$LATEST" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0function" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = { prefix_list_id = "pl-0dynamodb" }
  }
  mock_data "aws_opensearch_domain" {
    defaults = { arn = "arn:aws:es:us-east-1:123456789012:domain/products", endpoint = "vpc-products-abc.us-east-1.es.amazonaws.com" }
  }
  mock_data "aws_opensearchserverless_collection" {
    defaults = { arn = "arn:aws:aoss:us-east-1:123456789012:collection/abc123def", collection_endpoint = "https://abc123def.us-east-1.aoss.amazonaws.com" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.20.0.0/16" }
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

run "complete" {
  command = plan

  module {
    source = "./examples/complete"
  }

  variables {
    domain_name = "products"
  }

  assert {
    condition = (module.sync.event_source_mapping.batch_size == 500 && module.sync.event_source_mapping.parallelization_factor == 2 &&
      module.sync.event_source_mapping.maximum_batching_window_in_seconds == 5 && module.sync.event_source_mapping.maximum_retry_attempts == -1 &&
    length(module.sync.event_source_mapping.filter_patterns) == 1 && module.sync.event_source_mapping.destination_arn == "arn:aws:sqs:us-east-1:123456789012:sync-failures")
    error_message = "complete: the mapping settings it sets, the module's reliability defaults, the created queue. Got ${jsonencode(module.sync.event_source_mapping)}"
  }

  assert {
    condition     = module.sync.function_settings.memory_size == 512 && module.sync.function_settings.timeout == 120 && module.sync.function_settings.log_retention_in_days == 400
    error_message = "complete: memory, timeout and log retention it sets."
  }

  assert {
    condition     = alltrue([for a in values(module.sync.alarms) : a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:products-search-alarms"])]) && module.sync.alarms["iterator-age"].threshold == 120000 && length(module.sync.alarms) == 7
    error_message = "complete: all seven alarms notify its SNS topic; iterator age at 2 min."
  }

  assert {
    condition     = nonsensitive(module.sync.function_environment).TTL_DELETES == "keep" && nonsensitive(module.sync.function_environment).EXCLUDE_FIELDS == "internal_notes" && nonsensitive(module.sync.function_environment).OPENSEARCH_ENDPOINT == "https://vpc-products-abc.us-east-1.es.amazonaws.com"
    error_message = "complete: handler settings and the domain endpoint reach the function."
  }
}

run "existing_table" {
  command = plan

  module {
    source = "./examples/existing-table"
  }

  variables {
    table_name            = "Orders"
    opensearch_endpoint   = "https://search-orders.us-east-1.es.amazonaws.com"
    opensearch_domain_arn = "arn:aws:es:us-east-1:123456789012:domain/orders"
  }

  assert {
    condition     = output.stream_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000" && length(module.sync.event_source_mapping) > 0
    error_message = "existing-table: the mapping reads the existing table's stream; no table is created."
  }

  assert {
    condition     = [for s in jsondecode(module.sync.role_policy_json).Statement : s.Resource if s.Sid == "ReadCurrentItem"] == [["arn:aws:dynamodb:us-east-1:123456789012:table/Orders"]] && nonsensitive(module.sync.function_environment).OPENSEARCH_INDEX == "orders"
    error_message = "existing-table: BatchGetItem on the existing table; the index is the lower-cased table name."
  }
}

run "vpc" {
  command = plan

  module {
    source = "./examples/vpc"
  }

  variables {
    domain_name     = "products"
    vpc_id          = "vpc-0123"
    subnet_ids      = ["subnet-a", "subnet-b"]
    route_table_ids = ["rtb-a", "rtb-b"]
  }

  assert {
    condition     = jsonencode(module.sync.function_settings.subnet_ids) == jsonencode(["subnet-a", "subnet-b"]) && length([for s in jsondecode(module.sync.role_policy_json).Statement : s if s.Sid == "CreateFunctionNetworkInterfaces"]) == 1
    error_message = "vpc: the function runs in the given subnets and the role may create its network interfaces there."
  }

  assert {
    condition = (aws_vpc_endpoint.dynamodb.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.dynamodb.service_name == "com.amazonaws.us-east-1.dynamodb" &&
      toset(aws_vpc_endpoint.dynamodb.route_table_ids) == toset(["rtb-a", "rtb-b"]) &&
    aws_vpc_endpoint.sqs.vpc_endpoint_type == "Interface" && aws_vpc_endpoint.sqs.service_name == "com.amazonaws.us-east-1.sqs" && aws_vpc_endpoint.sqs.private_dns_enabled)
    error_message = "vpc: the handler's BatchGetItem needs the DynamoDB gateway endpoint, its SendMessage the SQS interface endpoint."
  }

  assert {
    condition = (length(aws_security_group.function.egress) == 2 &&
      anytrue([for e in aws_security_group.function.egress : e.to_port == 443 && toset(e.cidr_blocks) == toset(["10.20.0.0/16"])]) &&
    anytrue([for e in aws_security_group.function.egress : e.to_port == 443 && toset(e.prefix_list_ids) == toset(["pl-0dynamodb"])]))
    error_message = "vpc: the function may reach HTTPS in the VPC (domain, SQS endpoint) and DynamoDB's prefix list, nothing else."
  }
}

run "serverless" {
  command = plan

  module {
    source = "./examples/serverless"
  }

  variables {
    collection_name = "products"
  }

  assert {
    condition     = [for s in jsondecode(module.sync.role_policy_json).Statement : [s.Action, s.Resource] if s.Sid == "UseServerlessCollection"] == [[["aoss:APIAccessAll"], ["arn:aws:aoss:us-east-1:123456789012:collection/abc123def"]]] && !strcontains(module.sync.role_policy_json, "es:ESHttp")
    error_message = "serverless: aoss:APIAccessAll on the collection, no es: actions."
  }

  assert {
    condition     = jsondecode(aws_opensearchserverless_access_policy.sync.policy)[0].Principal == ["arn:aws:iam::123456789012:role/sync"] && nonsensitive(module.sync.function_environment).OPENSEARCH_AUTH == "aoss"
    error_message = "serverless: the data-access policy names the sync role; the handler signs for aoss."
  }
}

run "local_plans_before_make_package" {
  command = plan

  module {
    source = "./examples/local"
  }

  variables {
    aws_endpoint_url    = "http://127.0.0.1:4566"
    opensearch_endpoint = "http://127.0.0.1:9200"
  }

  assert {
    condition     = module.sync.event_source_mapping.starting_position == "TRIM_HORIZON" && module.sync.event_source_mapping.maximum_batching_window_in_seconds == 1 && module.sync.function_settings.tracing_mode == "PassThrough"
    error_message = "local: without dist/lambda.zip the example still plans (the package is built at apply time)."
  }
}
