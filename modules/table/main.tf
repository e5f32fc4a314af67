# A DynamoDB table with its stream switched on: the source of the sync.

# The same reasoned exception for tfsec/trivy as for checkov (CKV_AWS_119 below): a customer-managed key is optional.
#tfsec:ignore:aws-dynamodb-table-customer-key
#trivy:ignore:AVD-AWS-0025
resource "aws_dynamodb_table" "this" {
  # checkov:skip=CKV_AWS_119:Encryption at rest is always on; kms_key_arn switches to a customer-managed key for those who manage its key policy. The AWS-owned default keeps the module usable without one.
  name         = var.name
  billing_mode = var.billing_mode
  hash_key     = var.hash_key
  range_key    = var.range_key

  read_capacity  = var.billing_mode == "PROVISIONED" ? var.read_capacity : null
  write_capacity = var.billing_mode == "PROVISIONED" ? var.write_capacity : null

  stream_enabled   = true
  stream_view_type = var.stream_view_type

  deletion_protection_enabled = var.deletion_protection_enabled

  dynamic "attribute" {
    for_each = var.attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  server_side_encryption {
    # Encryption at rest is always on; this switches from the AWS-owned key to a KMS key.
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for k in compact([var.hash_key, var.range_key]) : contains(var.attributes[*].name, k)])
      error_message = "attributes must declare hash_key and range_key (with their types S, N or B)."
    }
  }
}
