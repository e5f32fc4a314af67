# modules/failure-queue in plan mode: always encrypted (SQS-SSE or the given key), the given retention.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/products-sync", name = "products-sync" }
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
