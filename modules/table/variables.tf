variable "name" {
  description = "Table name (3-255 characters: letters, digits, underscore, hyphen and dot)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, underscore (_), hyphen (-) and dot (.)."
  }
}

variable "hash_key" {
  description = "Partition key attribute name; it must be declared in attributes."
  type        = string
}

variable "range_key" {
  description = "Sort key attribute name, or null (default) for none; if set it must be declared in attributes."
  type        = string
  default     = null
}

variable "attributes" {
  description = "Key attributes: a list of {name, type} where type is S (string), N (number) or B (binary). Declare only key attributes."
  type = list(object({
    name = string
    type = string
  }))

  validation {
    condition     = alltrue([for a in var.attributes : contains(["S", "N", "B"], a.type)])
    error_message = "Each attribute type must be S (string), N (number) or B (binary)."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (default: no capacity planning, no throttling of bursts) or PROVISIONED."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Read capacity units when billing_mode is PROVISIONED (at least 1). Default 5."
  type        = number
  default     = 5

  validation {
    condition     = var.read_capacity >= 1 && floor(var.read_capacity) == var.read_capacity
    error_message = "read_capacity must be a whole number of at least 1."
  }
}

variable "write_capacity" {
  description = "Write capacity units when billing_mode is PROVISIONED (at least 1). Default 5."
  type        = number
  default     = 5

  validation {
    condition     = var.write_capacity >= 1 && floor(var.write_capacity) == var.write_capacity
    error_message = "write_capacity must be a whole number of at least 1."
  }
}

variable "stream_view_type" {
  description = "What each stream record carries: NEW_AND_OLD_IMAGES (default), NEW_IMAGE, KEYS_ONLY or OLD_IMAGE. With KEYS_ONLY and OLD_IMAGE the sync handler has to read the current item."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"

  validation {
    condition     = contains(["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "KEYS_ONLY", "OLD_IMAGE"], var.stream_view_type)
    error_message = "stream_view_type must be one of NEW_AND_OLD_IMAGES, NEW_IMAGE, KEYS_ONLY, OLD_IMAGE."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Continuous backups for the last 35 days. Default true: the index can be rebuilt from the table, the table only from a backup."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the table. Default true; set false for throw-away environments."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key ARN for server-side encryption, or null (default) for the AWS-owned key. The sync function is then granted kms:Decrypt on it to read the stream."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags to apply to the table."
  type        = map(string)
  default     = {}
}
