# modules/table in plan mode: stream on with the given view type, recovery, protection, billing, encryption.

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
