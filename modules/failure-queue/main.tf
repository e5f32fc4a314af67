# The queue the event source mapping sends the coordinates of batches it gave up on (shard id and
# sequence-number range, not the records: https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html)
# so they can be redriven from the stream, and where the handler sends the records OpenSearch rejects for good.
resource "aws_sqs_queue" "this" {
  name                      = var.name
  message_retention_seconds = var.message_retention_seconds

  # Encrypted at rest either way: SQS-managed keys by default, a customer key when one is given.
  sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = var.kms_master_key_id == null ? null : var.kms_data_key_reuse_period_seconds

  tags = var.tags
}
