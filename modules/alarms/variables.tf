variable "name" {
  description = "Prefix of the alarm names (<name>-iterator-age, <name>-errors, ...)."
  type        = string
}

variable "function_name" {
  description = "Name of the sync function (the FunctionName dimension)."
  type        = string
}

variable "failure_queue_name" {
  description = "Name of the SQS on-failure queue to watch, or null (default) when the destination is not an SQS queue."
  type        = string
  default     = null
}

variable "mapping_metrics_enabled" {
  description = "Whether the event source mapping publishes EventCount metrics; true adds the DroppedEventCount and FailedInvokeEventCount alarms. Default false."
  type        = bool
  default     = false
  nullable    = false
}

variable "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (the EventSourceMappingUUID dimension); required with mapping_metrics_enabled."
  type        = string
  default     = null

  validation {
    condition     = !var.mapping_metrics_enabled || var.event_source_mapping_uuid != null
    error_message = "event_source_mapping_uuid is required when mapping_metrics_enabled = true."
  }
}

variable "alarm_actions" {
  description = "ARNs (SNS topics, ...) to notify when an alarm fires. Default [] (alarms only show in the console)."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "ARNs to notify when an alarm returns to OK. Default []."
  type        = list(string)
  default     = []
}

variable "period_seconds" {
  description = "Alarm period in seconds: 10, 20, 30 or a multiple of 60. Default 60."
  type        = number
  default     = 60

  validation {
    condition     = contains([10, 20, 30], var.period_seconds) || (var.period_seconds >= 60 && var.period_seconds % 60 == 0)
    error_message = "period_seconds must be 10, 20, 30 or a multiple of 60."
  }
}

variable "evaluation_periods" {
  description = "Consecutive periods over the threshold before an alarm fires (at least 1). Default 1: each alarm's threshold already says how bad is bad, and a failing sync should be seen within minutes."
  type        = number
  default     = 1

  validation {
    condition     = var.evaluation_periods >= 1 && floor(var.evaluation_periods) == var.evaluation_periods
    error_message = "evaluation_periods must be a whole number of at least 1."
  }
}

variable "iterator_age_threshold_ms" {
  description = "IteratorAge (milliseconds) above which the sync counts as behind. Default 300000 (5 minutes)."
  type        = number
  default     = 300000

  validation {
    condition     = var.iterator_age_threshold_ms > 0
    error_message = "iterator_age_threshold_ms must be positive."
  }
}

variable "errors_threshold" {
  description = "Function errors per period above which the Errors alarm fires (0 or more). Default 0: any error."
  type        = number
  default     = 0

  validation {
    condition     = var.errors_threshold >= 0
    error_message = "errors_threshold must be 0 or more."
  }
}

variable "throttles_threshold" {
  description = "Throttles per period above which the Throttles alarm fires (0 or more). Default 0: any throttle."
  type        = number
  default     = 0

  validation {
    condition     = var.throttles_threshold >= 0
    error_message = "throttles_threshold must be 0 or more."
  }
}

variable "destination_delivery_failures_threshold" {
  description = "DestinationDeliveryFailures per period above which the alarm fires (0 or more). Default 0: any lost failure record."
  type        = number
  default     = 0

  validation {
    condition     = var.destination_delivery_failures_threshold >= 0
    error_message = "destination_delivery_failures_threshold must be 0 or more."
  }
}

variable "failure_queue_visible_threshold" {
  description = "Messages visible in the failure queue above which the alarm fires (0 or more). Default 0: any failed batch."
  type        = number
  default     = 0

  validation {
    condition     = var.failure_queue_visible_threshold >= 0
    error_message = "failure_queue_visible_threshold must be 0 or more."
  }
}

variable "dropped_events_threshold" {
  description = "DroppedEventCount per period above which the alarm fires (0 or more). Default 0: any dropped record."
  type        = number
  default     = 0

  validation {
    condition     = var.dropped_events_threshold >= 0
    error_message = "dropped_events_threshold must be 0 or more."
  }
}

variable "failed_invoke_events_threshold" {
  description = "FailedInvokeEventCount per period above which the alarm fires (0 or more). Default 0: any failed record."
  type        = number
  default     = 0

  validation {
    condition     = var.failed_invoke_events_threshold >= 0
    error_message = "failed_invoke_events_threshold must be 0 or more."
  }
}

variable "tags" {
  description = "Tags to apply to the alarms."
  type        = map(string)
  default     = {}
}
