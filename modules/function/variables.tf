variable "name" {
  description = "Function name (1-64 characters: letters, digits, hyphens and underscores). The log group is /aws/lambda/<name>."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, hyphens and underscores."
  }
}

variable "description" {
  description = "Description of the function (at most 256 characters)."
  type        = string
  default     = "Keeps an OpenSearch index in sync with a DynamoDB table through its stream."

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "role_arn" {
  description = "ARN of the execution role."
  type        = string
}

variable "handler" {
  description = "Handler entry point. Default is the packaged handler of this project."
  type        = string
  default     = "ddb_opensearch_sync.handler.lambda_handler"
}

variable "runtime" {
  description = "Python runtime: python3.12 or python3.13 (the versions the package is built and tested for). Default python3.12."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "CPU architecture: arm64 (default; cheaper per GB-second on Graviton) or x86_64. The package must be built for the same one."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB, 128-10240. Default 256: a batch of 100 items of up to 400 KB each fits with room for the bulk body."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Timeout in seconds, 1-900. Default 60: enough for a bulk request with retries on 429, short enough that a stuck batch is retried soon."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency: -1 (default) for none, 0 to stop all invocations, or a positive cap. A stream invokes at most (shards x parallelization factor) copies at once."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (no reservation), 0 (disabled) or a positive whole number."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN to encrypt the environment variables with, or null (default) for the AWS-managed key."
  type        = string
  default     = null
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "log_retention_in_days" {
  description = "Days to keep logs: 0 (never expire) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653. Default 365."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be 0 (never expire) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the log group with, or null (default) for CloudWatch's own encryption. The key policy must allow the logs service principal."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active (default: every batch is traced, so slow bulk requests and retries are visible) or PassThrough (trace only when the caller did)."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in ([] for none, the default). Needed for VPC-only OpenSearch domains."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces when vpc_subnet_ids is set."
  type        = list(string)
  default     = []
}

variable "package" {
  description = <<-EOT
    Where the deployment package comes from: either local_path (a zip on disk) or s3_bucket + s3_key
    (+ optional s3_object_version). source_code_hash is the base64-encoded SHA-256 of the zip
    (filebase64sha256(path)); a change of it redeploys the code.
  EOT
  type = object({
    local_path        = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = optional(string)
  })

  validation {
    condition     = (var.package.local_path != null) != (var.package.s3_bucket != null && var.package.s3_key != null)
    error_message = "package must set either local_path, or both s3_bucket and s3_key - not both, not neither."
  }
}

variable "layers" {
  description = "ARNs of Lambda layer versions to add (at most 5), e.g. a platform team's monitoring extension. Default []."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.layers) <= 5 && alltrue([for l in var.layers : can(regex("^arn:[^:]+:lambda:[^:]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", l))])
    error_message = "layers must hold at most 5 layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "log_format" {
  description = "Log format: Text (default) or JSON (Lambda then writes its own lines as JSON and filters by application_log_level / system_log_level)."
  type        = string
  default     = "Text"
  nullable    = false

  validation {
    condition     = contains(["Text", "JSON"], var.log_format)
    error_message = "log_format must be Text or JSON."
  }
}

variable "application_log_level" {
  description = "With log_format = JSON: lowest level of the function's own log lines Lambda keeps (TRACE, DEBUG, INFO, WARN, ERROR, FATAL), or null (default: INFO)."
  type        = string
  default     = null

  validation {
    condition     = var.application_log_level == null || contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.application_log_level, "-"))
    error_message = "application_log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL (or null)."
  }

  validation {
    condition     = var.application_log_level == null || var.log_format == "JSON"
    error_message = "application_log_level needs log_format = \"JSON\" (Lambda filters levels only in JSON logs)."
  }
}

variable "system_log_level" {
  description = "With log_format = JSON: lowest level of Lambda's own platform log lines (DEBUG, INFO, WARN), or null (default: INFO)."
  type        = string
  default     = null

  validation {
    condition     = var.system_log_level == null || contains(["DEBUG", "INFO", "WARN"], coalesce(var.system_log_level, "-"))
    error_message = "system_log_level must be DEBUG, INFO or WARN (or null)."
  }

  validation {
    condition     = var.system_log_level == null || var.log_format == "JSON"
    error_message = "system_log_level needs log_format = \"JSON\" (Lambda filters levels only in JSON logs)."
  }
}

variable "log_group_class" {
  description = "Class of the created log group: STANDARD (default) or INFREQUENT_ACCESS (cheaper ingestion, no metric filters or subscriptions). Ignored with existing_log_group_name."
  type        = string
  default     = "STANDARD"
  nullable    = false

  validation {
    condition     = contains(["STANDARD", "INFREQUENT_ACCESS"], var.log_group_class)
    error_message = "log_group_class must be STANDARD or INFREQUENT_ACCESS."
  }
}

variable "existing_log_group_name" {
  description = "Name of an existing log group to write to (e.g. one a platform team shares between functions), or null (default: create /aws/lambda/<name>). The role may write only to it."
  type        = string
  default     = null
}

variable "publish" {
  description = "Publish a new version on every change. Default false. Needed for alias_name."
  type        = bool
  default     = false
  nullable    = false
}

variable "alias_name" {
  description = "Name of an alias pointing at the latest published version, or null (default: no alias). With an alias, invoke_arn is the alias ARN, so a mapping on it follows the alias."
  type        = string
  default     = null

  validation {
    condition     = var.alias_name == null || (can(regex("^[A-Za-z][A-Za-z0-9_-]{0,127}$", var.alias_name)) && !can(regex("^[0-9]+$", coalesce(var.alias_name, "-"))))
    error_message = "alias_name must be 1-128 letters, digits, hyphens and underscores, starting with a letter."
  }

  validation {
    condition     = var.alias_name == null || var.publish
    error_message = "alias_name needs publish = true (an alias points at a published version, not $LATEST)."
  }
}

variable "tags" {
  description = "Tags to apply to the function and its log group."
  type        = map(string)
  default     = {}
}
