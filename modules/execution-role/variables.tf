variable "create" {
  description = "Create the role and its inline policy. Default true; false only computes policy_json (what a role the caller brings must allow)."
  type        = bool
  default     = true
  nullable    = false
}

variable "extra_statements" {
  description = "Extra statements for the inline policy: list of {sid (optional), effect (default Allow), actions, resources, condition (optional: {operator = {key = [values]}})}. Default []."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    condition = optional(map(map(list(string))))
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for st in var.extra_statements : contains(["Allow", "Deny"], st.effect) && length(st.actions) > 0 && length(st.resources) > 0])
    error_message = "Each extra statement needs effect Allow or Deny and at least one action and one resource."
  }
}

variable "policy_arns" {
  description = "ARNs of managed policies to attach to the created role. Default []."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "name" {
  description = "Name of the IAM role and its inline policy (1-64 characters: letters, digits and +=,.@_-)."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)."
  }
}

variable "path" {
  description = "IAM path of the role. Default \"/\"."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.path))
    error_message = "path must start and end with \"/\" (for example \"/\" or \"/service/\")."
  }
}

variable "permissions_boundary" {
  description = "ARN of a managed policy to use as the role's permissions boundary, or null (default) for none."
  type        = string
  default     = null
}

variable "log_group_arn" {
  description = "ARN of the function's CloudWatch log group (without the trailing \":*\"). The role may write only to it."
  type        = string
}

variable "stream_arn" {
  description = "ARN of the DynamoDB stream the event source mapping reads. Stream read actions are granted on it only."
  type        = string
}

variable "table_arn_for_get_item" {
  description = "ARN of the table to grant dynamodb:BatchGetItem on (the handler's only table read: consistent BatchGetItem), or null (default) for none. The sync handler reads the current item for KEYS_ONLY and OLD_IMAGE records and, with any stream view type, to settle two changes made in the same second; null only suits a handler that never reads the table."
  type        = string
  default     = null
}

variable "opensearch_domain_arn" {
  description = "ARN of the managed OpenSearch domain (es) to grant opensearch_http_actions (default es:ESHttpPost) on its paths, or null."
  type        = string
  default     = null
}

variable "opensearch_http_actions" {
  description = "es:ESHttp* actions granted on the domain's paths. Default [\"es:ESHttpPost\"]: the handler's only requests are POST /_bulk and POST /_mget. Add others only for code that sends other methods."
  type        = list(string)
  default     = ["es:ESHttpPost"]

  validation {
    condition     = length(var.opensearch_http_actions) > 0 && alltrue([for a in var.opensearch_http_actions : contains(["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete", "es:ESHttpPatch"], a)])
    error_message = "opensearch_http_actions must be a non-empty list of es:ESHttpGet, es:ESHttpHead, es:ESHttpPost, es:ESHttpPut, es:ESHttpDelete, es:ESHttpPatch."
  }
}

variable "opensearch_collection_arn" {
  description = "ARN of the OpenSearch Serverless collection (aoss) to grant aoss:APIAccessAll on, or null."
  type        = string
  default     = null
}

variable "destination_arn" {
  description = "ARN of the on-failure destination: an SQS queue, SNS topic or S3 bucket. The role gets exactly sqs:SendMessage, sns:Publish or s3:PutObject on it."
  type        = string

  validation {
    condition     = contains(["sqs", "sns", "s3"], try(split(":", var.destination_arn)[2], ""))
    error_message = "destination_arn must be the ARN of an SQS queue, an SNS topic or an S3 bucket (arn:<partition>:sqs|sns|s3:...)."
  }
}

variable "handler_sends_to_destination" {
  description = "Whether the handler itself sends poison records to the destination (POISON_POLICY=destination). For an SQS queue this adds sqs:GetQueueUrl, which the handler calls to find the queue."
  type        = bool
  default     = false
}

variable "table_kms_key_arn" {
  description = "ARN of the customer-managed KMS key the table (and so its stream) is encrypted with, or null. Grants kms:Decrypt and kms:GenerateDataKey on it."
  type        = string
  default     = null
}

variable "destination_kms_key_arn" {
  description = "ARN of the customer-managed KMS key the on-failure destination is encrypted with, or null. Grants kms:Decrypt and kms:GenerateDataKey on it."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "Whether the function sends X-Ray traces (grants xray:PutTraceSegments and xray:PutTelemetryRecords)."
  type        = bool
  default     = false
}

variable "vpc_subnet_ids" {
  description = "Subnets the function runs in, or [] (default) when it is not in a VPC. Grants the ENI actions Lambda needs, scoped to these subnets and security groups."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces when it runs in a VPC."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags to apply to the role."
  type        = map(string)
  default     = {}
}
