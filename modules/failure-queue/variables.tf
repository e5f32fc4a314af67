variable "name" {
  description = "Name of the SQS queue (1-80 characters: letters, digits, hyphens and underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.name))
    error_message = "name must be 1-80 characters of letters, digits, hyphens and underscores (standard queues only, no .fifo)."
  }
}

variable "message_retention_seconds" {
  description = "How long failure records stay in the queue, 60-1209600 seconds. Default 1209600 (14 days, the maximum) leaves the most time to redrive: the stream itself keeps records for only 24 hours."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "kms_master_key_id" {
  description = "KMS key (ID, alias or ARN) to encrypt the queue with. null (default) uses SQS-managed encryption (SSE-SQS). The function's role then needs kms:GenerateDataKey and kms:Decrypt on the key."
  type        = string
  default     = null
}

variable "kms_data_key_reuse_period_seconds" {
  description = "Seconds SQS reuses a data key before calling KMS again, 60-86400. Only used with kms_master_key_id. Default 300."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be from 60 to 86400."
  }
}

variable "tags" {
  description = "Tags to apply to the queue."
  type        = map(string)
  default     = {}
}
