# Real AWS, managed OpenSearch domain: every input group set explicitly, alarms to an SNS topic,
# and the package built at apply time (no `make package` needed).

provider "aws" {
  region = var.region
}

data "aws_opensearch_domain" "this" {
  domain_name = var.domain_name
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = "alias/aws/sns"
  tags              = var.tags
}

module "sync" {
  source = "../.."

  name = var.name
  tags = var.tags

  hash_key   = "tenant"
  range_key  = "id"
  attributes = [{ name = "tenant", type = "S" }, { name = "id", type = "S" }]

  opensearch_endpoint   = "https://${data.aws_opensearch_domain.this.endpoint}"
  opensearch_index      = "products-{tenant}"
  opensearch_domain_arn = data.aws_opensearch_domain.this.arn

  memory_size           = 512
  timeout               = 120
  log_retention_in_days = 400

  handler_settings = {
    bulk_max_bytes = 5242880
    ttl_deletes    = "keep"
    exclude_fields = ["internal_notes"]
  }

  mapping = {
    batch_size                         = 500
    maximum_batching_window_in_seconds = 5
    parallelization_factor             = 2
    filter_patterns = [
      jsonencode({ dynamodb = { Keys = { tenant = { S = [{ "anything-but" = ["test"] }] } } } }),
    ]
  }

  alarm_actions = [aws_sns_topic.alarms.arn]
  ok_actions    = [aws_sns_topic.alarms.arn]
  alarm_thresholds = {
    iterator_age_ms = 120000
  }
}
