variable "function_arn" {
  description = "ARN (or name) of the function the mapping invokes."
  type        = string
}

variable "stream_arn" {
  description = "ARN of the DynamoDB stream to read. Changing it replaces the mapping."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:dynamodb:[^:]*:[^:]*:table/[^/]+/stream/.+$", var.stream_arn))
    error_message = "stream_arn must be a DynamoDB stream ARN (arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
}

variable "destination_arn" {
  description = "ARN of the on-failure destination (SQS queue, SNS topic or S3 bucket) that receives the coordinates of batches given up on."
  type        = string

  validation {
    condition     = contains(["sqs", "sns", "s3"], try(split(":", var.destination_arn)[2], ""))
    error_message = "destination_arn must be the ARN of an SQS queue, an SNS topic or an S3 bucket."
  }
}

variable "enabled" {
  description = "Whether the mapping polls the stream. Default true; false pauses the sync without losing its position (records older than 24 h expire from the stream)."
  type        = bool
  default     = true
}

variable "starting_position" {
  description = "Where a new mapping starts reading: TRIM_HORIZON (default: the oldest record still in the stream, so nothing written while the mapping is created is missed) or LATEST (can miss records written while the mapping is created or updated). Changing it replaces the mapping."
  type        = string
  default     = "TRIM_HORIZON"

  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST"], var.starting_position)
    error_message = "starting_position must be TRIM_HORIZON or LATEST (AT_TIMESTAMP exists only for Kinesis)."
  }
}

variable "batch_size" {
  description = "Most records per invocation, 1-10000. Default 100 (the service's): one bulk request of at most a few MiB, well under the 6 MB invocation payload limit for typical items."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "Seconds to gather records before invoking, 0-300. Default 0: the index follows the table as fast as possible; raise it to trade latency for fewer, larger bulk requests."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300 && floor(var.maximum_batching_window_in_seconds) == var.maximum_batching_window_in_seconds
    error_message = "maximum_batching_window_in_seconds must be a whole number from 0 to 300."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard, 1-10. Default 1. Order is kept per item (partition + sort key) at any value; raise it only when IteratorAge grows."
  type        = number
  default     = 1

  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10 && floor(var.parallelization_factor) == var.parallelization_factor
    error_message = "parallelization_factor must be a whole number from 1 to 10."
  }
}

variable "bisect_batch_on_function_error" {
  description = "Split a failing batch in two and retry each half. Default true (the service's is false): one poison record then costs a few retries of ever smaller batches instead of blocking the shard. Splits do not count toward maximum_retry_attempts."
  type        = bool
  default     = true
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before it goes to the on-failure destination: -1 (infinite) or 0-10000. Default 10 (the service's is -1, which can block a shard for the stream's 24 h retention)."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_retry_attempts == -1 || (var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be -1 (retry until the record expires) or a whole number from 0 to 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Oldest record age in seconds the mapping still sends to the function: -1 (infinite) or 60-604800. Default 3600 (the service's is -1): a record failing for an hour goes to the on-failure destination while it is still in the stream (24 h) and can be redriven."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 || (var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800 && floor(var.maximum_record_age_in_seconds) == var.maximum_record_age_in_seconds)
    error_message = "maximum_record_age_in_seconds must be -1 (no limit) or a whole number from 60 to 604800."
  }
}

variable "report_batch_item_failures" {
  description = "Let the function report which records failed (ReportBatchItemFailures). Default true: the handler returns the failing SequenceNumbers, so only the failed part of a batch is retried."
  type        = bool
  default     = true
}

variable "filter_patterns" {
  description = "Event filter patterns (JSON objects, at most 5 - the default quota - of up to 4096 characters each), e.g. jsonencode({dynamodb = {NewImage = {status = {S = [\"active\"]}}}}). A record matching any pattern is delivered; others are dropped for good. Default [] (no filter: every change is synced)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.filter_patterns) <= 5
    error_message = "filter_patterns may hold at most 5 patterns (the default Lambda quota of filters per event source mapping)."
  }

  validation {
    condition     = alltrue([for p in var.filter_patterns : can(keys(jsondecode(p))) && length(try(keys(jsondecode(p)), [])) > 0 && length(p) <= 4096])
    error_message = "Each filter pattern must be a non-empty JSON object of at most 4096 characters, e.g. {\"eventName\":[\"INSERT\",\"MODIFY\"]}; an empty pattern would be rejected by Lambda."
  }

  validation {
    # DynamoDB sends a number as a string in its "N" wrapper ({"N": "10"}), and a numeric matcher never matches
    # a string: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html
    condition     = !anytrue([for p in var.filter_patterns : can(regex("\"N\"\\s*:\\s*\\[[^\\]]*\"numeric\"", p))])
    error_message = "A filter pattern applies a numeric matcher under an \"N\" key (e.g. {\"dynamodb\":{\"NewImage\":{\"price\":{\"N\":[{\"numeric\":[\">\",10]}]}}}}): DynamoDB stream records carry numbers as strings ({\"N\": \"10\"}), so Lambda would silently drop every record. Match the exact string instead ({\"N\":[\"10\"]}), or leave numeric conditions to the handler (no filter)."
  }
}

variable "tumbling_window_in_seconds" {
  description = "Tumbling window for stateful aggregation, 0-900 seconds, or null (default: off). This project's handler does not aggregate; set it only with a handler that returns window state."
  type        = number
  default     = null

  validation {
    condition     = var.tumbling_window_in_seconds == null || try(var.tumbling_window_in_seconds >= 0 && var.tumbling_window_in_seconds <= 900 && floor(var.tumbling_window_in_seconds) == var.tumbling_window_in_seconds, false)
    error_message = "tumbling_window_in_seconds must be null (off) or a whole number from 0 to 900."
  }
}

variable "metrics" {
  description = "Extra mapping metrics to publish: [] or [\"EventCount\"] (PolledEventCount, FilteredOutEventCount, InvokedEventCount, FailedInvokeEventCount, DroppedEventCount...). Default [\"EventCount\"]: they show records dropped by filters or expiry, which the function's own metrics cannot."
  type        = list(string)
  default     = ["EventCount"]

  validation {
    condition     = alltrue([for m in var.metrics : m == "EventCount"]) && length(distinct(var.metrics)) == length(var.metrics)
    error_message = "metrics may only be [] or [\"EventCount\"]."
  }
}

variable "filter_criteria_kms_key_arn" {
  description = "KMS key ARN to encrypt the filter patterns with, or null (default: an AWS-owned key). The function's role needs no rights on it; the key policy must allow Lambda."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags to apply to the event source mapping."
  type        = map(string)
  default     = {}
}
