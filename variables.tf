# ---------------------------------------------------------------------------------------------------
# Naming
# ---------------------------------------------------------------------------------------------------

variable "name" {
  description = "Base name of every resource: the function, <name>-sync (role), <name>-failures (queue), <name>-<alarm>. 1-56 characters of letters, digits, hyphens and underscores (so every derived name fits its service's limit)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,56}$", var.name))
    error_message = "name must be 1-56 characters of letters, digits, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags to apply to every resource that supports them."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Table and stream
# ---------------------------------------------------------------------------------------------------

variable "create_table" {
  description = "true (default): create the table with its stream. false: use the existing table table_name, whose stream must already be enabled."
  type        = bool
  default     = true
}

variable "table_name" {
  description = "Name of the table to create or use; null (default) means the value of name."
  type        = string
  default     = null
}

variable "hash_key" {
  description = "Partition key of a created table (must be declared in attributes). Default \"pk\". Ignored when create_table = false."
  type        = string
  default     = "pk"
}

variable "range_key" {
  description = "Sort key of a created table (must be declared in attributes), or null (default) for none."
  type        = string
  default     = null
}

variable "attributes" {
  description = "Key attributes of a created table: list of {name, type}, type S, N or B. Default [{name = \"pk\", type = \"S\"}]."
  type = list(object({
    name = string
    type = string
  }))
  default = [{ name = "pk", type = "S" }]
}

variable "billing_mode" {
  description = "Billing mode of a created table: PAY_PER_REQUEST (default) or PROVISIONED (5 read / 5 write units)."
  type        = string
  default     = "PAY_PER_REQUEST"
}

variable "stream_view_type" {
  description = "Stream view type of a created table: NEW_AND_OLD_IMAGES (default), NEW_IMAGE, KEYS_ONLY or OLD_IMAGE. With KEYS_ONLY or OLD_IMAGE the handler reads the current item for every record (in consistent BatchGetItem calls of up to 100 keys). The role has dynamodb:BatchGetItem on this table with every view type, because the handler also re-reads an item to settle two changes made in the same second. For an existing table its own stream view type applies."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"
}

variable "point_in_time_recovery_enabled" {
  description = "Point-in-time recovery of a created table. Default true: the index can be rebuilt from the table, the table only from a backup."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "Deletion protection of a created table. Default true; set false for throw-away environments."
  type        = bool
  default     = true
}

variable "table_kms_key_arn" {
  description = "Customer-managed KMS key the table is (to be) encrypted with, or null (default: AWS-owned key). The role gets kms:Decrypt and kms:GenerateDataKey on it to read the stream."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# OpenSearch target
# ---------------------------------------------------------------------------------------------------

variable "opensearch_endpoint" {
  description = "URL of the OpenSearch endpoint with scheme and no path, e.g. https://search-x.us-east-1.es.amazonaws.com or https://<id>.us-east-1.aoss.amazonaws.com."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/?#\\s]+/?$", var.opensearch_endpoint))
    error_message = "opensearch_endpoint must be a URL with scheme http:// or https:// and a host, without path or query (e.g. https://search-x.us-east-1.es.amazonaws.com)."
  }
}

variable "opensearch_index" {
  description = "Index to write to: a lower-case name without spaces or \\/*?\"<>|,#: that does not start with - _ +, at most 255 characters; it may contain {attribute} placeholders filled from each item (e.g. \"orders-{tenant}\")."
  type        = string

  validation {
    condition     = can(regex("^[^-_+A-Z \\\\/*?\"<>|,#:][^A-Z \\\\/*?\"<>|,#:]{0,254}$", var.opensearch_index))
    error_message = "opensearch_index must be 1-255 lower-case characters without spaces or \\/*?\"<>|,#: and must not start with -, _ or +."
  }
}

variable "opensearch_auth" {
  description = "How the handler authenticates: iam (default; SigV4 for a managed domain), aoss (SigV4 for a Serverless collection) or none (local, unsecured nodes only)."
  type        = string
  default     = "iam"

  validation {
    condition     = contains(["iam", "aoss", "none"], var.opensearch_auth)
    error_message = "opensearch_auth must be iam, aoss or none."
  }
}

variable "opensearch_domain_arn" {
  description = "ARN of the managed OpenSearch domain (arn:<partition>:es:<region>:<account>:domain/<name>). Required with opensearch_auth = iam; the role gets es:ESHttpPost on its paths (<arn>/*) and no other es: action: the handler sends every write, deletes included, in POST /_bulk and reads with POST /_mget."
  type        = string
  default     = null

  validation {
    condition     = var.opensearch_domain_arn == null || can(regex("^arn:[^:]+:es:[^:]+:[0-9]{12}:domain/[a-z][a-z0-9-]{2,27}$", var.opensearch_domain_arn))
    error_message = "opensearch_domain_arn must look like arn:aws:es:<region>:<12-digit account>:domain/<name> (name: 3-28 lower-case letters, digits, hyphens, starting with a letter)."
  }

  validation {
    condition     = var.opensearch_domain_arn == null || var.opensearch_auth == "iam"
    error_message = "opensearch_domain_arn goes with opensearch_auth = \"iam\" (use opensearch_collection_arn with \"aoss\")."
  }
}

variable "opensearch_collection_arn" {
  description = "ARN of the OpenSearch Serverless collection (arn:<partition>:aoss:<region>:<account>:collection/<id>). Required with opensearch_auth = aoss; the role gets aoss:APIAccessAll on it (document rights come from the collection's data-access policy)."
  type        = string
  default     = null

  validation {
    condition     = var.opensearch_collection_arn == null || can(regex("^arn:[^:]+:aoss:[^:]+:[0-9]{12}:collection/[a-z0-9]{3,40}$", var.opensearch_collection_arn))
    error_message = "opensearch_collection_arn must look like arn:aws:aoss:<region>:<12-digit account>:collection/<id>."
  }

  validation {
    condition     = var.opensearch_collection_arn == null || var.opensearch_auth == "aoss"
    error_message = "opensearch_collection_arn goes with opensearch_auth = \"aoss\" (use opensearch_domain_arn with \"iam\")."
  }

  validation {
    condition     = var.opensearch_auth == "none" || ((var.opensearch_domain_arn != null) != (var.opensearch_collection_arn != null))
    error_message = "Set exactly one of opensearch_domain_arn (opensearch_auth = \"iam\") or opensearch_collection_arn (opensearch_auth = \"aoss\"); only opensearch_auth = \"none\" (local use) needs neither."
  }
}

variable "handler_settings" {
  description = <<-EOT
    Optional handler settings (null = the handler's default, see lambda/README.md):
    opensearch_region (SigV4 region; default the function's region), opensearch_timeout_seconds (0.1-900, default 10),
    bulk_max_bytes (1024-104857600, default 5 MiB per _bulk request), bulk_max_actions (1-10000, default 1000),
    max_retries (0-20 retries of 429/5xx, default 5), poison_policy ("destination" - this module's default: the
    handler sends records OpenSearch rejects for good, with their content, to the on-failure destination and carries
    on, and reports only infrastructure failures to Lambda - or "report": report every failed record so the mapping
    retries, bisects and finally sends its coordinates to the on-failure destination), ttl_deletes ("delete" - default - or "keep" documents whose items TTL expired), include_fields /
    exclude_fields (top-level attributes to index / leave out; not both for one field), log_level (INFO - one line
    per invocation - or DEBUG, which adds a line per failed record), metrics_namespace (CloudWatch namespace of the handler's metrics).
  EOT
  type = object({
    opensearch_region          = optional(string)
    opensearch_timeout_seconds = optional(number)
    bulk_max_bytes             = optional(number)
    bulk_max_actions           = optional(number)
    max_retries                = optional(number)
    poison_policy              = optional(string, "destination")
    ttl_deletes                = optional(string)
    include_fields             = optional(list(string), [])
    exclude_fields             = optional(list(string), [])
    log_level                  = optional(string)
    metrics_namespace          = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.handler_settings.opensearch_timeout_seconds == null || try(var.handler_settings.opensearch_timeout_seconds >= 0.1 && var.handler_settings.opensearch_timeout_seconds <= 900, false)
    error_message = "handler_settings.opensearch_timeout_seconds must be from 0.1 to 900 seconds."
  }

  validation {
    condition     = var.handler_settings.bulk_max_bytes == null || try(var.handler_settings.bulk_max_bytes >= 1024 && var.handler_settings.bulk_max_bytes <= 104857600 && floor(var.handler_settings.bulk_max_bytes) == var.handler_settings.bulk_max_bytes, false)
    error_message = "handler_settings.bulk_max_bytes must be a whole number from 1024 to 104857600 (100 MiB, the largest domains' request limit)."
  }

  validation {
    condition     = var.handler_settings.bulk_max_actions == null || try(var.handler_settings.bulk_max_actions >= 1 && var.handler_settings.bulk_max_actions <= 10000 && floor(var.handler_settings.bulk_max_actions) == var.handler_settings.bulk_max_actions, false)
    error_message = "handler_settings.bulk_max_actions must be a whole number from 1 to 10000."
  }

  validation {
    condition     = var.handler_settings.max_retries == null || try(var.handler_settings.max_retries >= 0 && var.handler_settings.max_retries <= 20 && floor(var.handler_settings.max_retries) == var.handler_settings.max_retries, false)
    error_message = "handler_settings.max_retries must be a whole number from 0 to 20."
  }

  validation {
    condition     = var.handler_settings.poison_policy == null || contains(["report", "destination"], coalesce(var.handler_settings.poison_policy, "-"))
    error_message = "handler_settings.poison_policy must be report or destination."
  }

  validation {
    condition     = var.handler_settings.ttl_deletes == null || contains(["delete", "keep"], coalesce(var.handler_settings.ttl_deletes, "-"))
    error_message = "handler_settings.ttl_deletes must be delete or keep."
  }

  validation {
    condition     = length(setintersection(var.handler_settings.include_fields, var.handler_settings.exclude_fields)) == 0
    error_message = "handler_settings.include_fields and exclude_fields must not name the same field."
  }

  validation {
    condition     = alltrue([for f in concat(var.handler_settings.include_fields, var.handler_settings.exclude_fields) : length(trimspace(f)) > 0 && !strcontains(f, ",")])
    error_message = "handler_settings.include_fields and exclude_fields must hold non-empty attribute names without commas."
  }

  validation {
    condition     = var.handler_settings.log_level == null || contains(["INFO", "DEBUG"], coalesce(var.handler_settings.log_level, "-"))
    error_message = "handler_settings.log_level must be INFO or DEBUG (the handler accepts no other level)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------------

variable "package_path" {
  description = "Path of a deployment zip built beforehand (`make package` writes dist/lambda.zip). Default null: unless package_s3 is set, the package is built at apply time by scripts/package_lambda.py (needs package_build_python; the handler has no third-party dependency, so nothing is downloaded) and rebuilt only when its sources change."
  type        = string
  default     = null

  validation {
    condition     = var.package_path == null || try(endswith(var.package_path, ".zip"), false)
    error_message = "package_path must be the path of a .zip file (e.g. dist/lambda.zip) or null to build the package at apply time."
  }
}

variable "package_build_python" {
  description = "Python (3.11+) that builds the package at apply time when neither package_path nor package_s3 is set. Default \"python3\"."
  type        = string
  default     = "python3"
}

variable "package_s3" {
  description = "Deploy the package from an existing S3 object instead of package_path: {bucket, key, object_version (optional), source_code_hash (optional: base64 SHA-256 of the zip, so a new upload under the same key redeploys)}. Default null."
  type = object({
    bucket           = string
    key              = string
    object_version   = optional(string)
    source_code_hash = optional(string)
  })
  default = null

  validation {
    condition     = var.package_s3 == null || try(length(var.package_s3.bucket) >= 3 && length(var.package_s3.key) >= 1, false)
    error_message = "package_s3 needs a bucket name (3-63 characters) and an object key."
  }

  validation {
    condition     = var.package_s3 == null || var.package_path == null
    error_message = "Set package_path or package_s3, not both (neither: the package is built at apply time)."
  }
}

variable "runtime" {
  description = "Python runtime: python3.12 (default) or python3.13. The package must be built for it."
  type        = string
  default     = "python3.12"
}

variable "architecture" {
  description = "CPU architecture: arm64 (default; cheaper per GB-second) or x86_64. The package must be built for it."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "Memory in MB, 128-10240. Default 256."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Function timeout in seconds, 1-900. Default 60: a bulk request with its retries fits; a stuck batch is retried soon."
  type        = number
  default     = 60
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency: -1 (default, none), 0 (stop the sync) or a positive cap. The mapping runs at most shards x parallelization_factor copies."
  type        = number
  default     = -1
}

variable "environment" {
  description = "Extra environment variables for the function. They may not set OPENSEARCH_ENDPOINT, OPENSEARCH_INDEX or OPENSEARCH_AUTH (use the dedicated inputs) nor names Lambda reserves (AWS_*, _HANDLER, LAMBDA_*...)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([for k in keys(var.environment) : (
      can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) &&
      !contains(["OPENSEARCH_ENDPOINT", "OPENSEARCH_INDEX", "OPENSEARCH_AUTH", "_HANDLER", "_X_AMZN_TRACE_ID", "TZ"], k) &&
      !startswith(k, "AWS_") && !startswith(k, "LAMBDA_")
    )])
    error_message = "environment keys must start with a letter and contain only letters, digits and _, and must not be OPENSEARCH_ENDPOINT/OPENSEARCH_INDEX/OPENSEARCH_AUTH (dedicated inputs) or reserved by Lambda (AWS_*, LAMBDA_*, _HANDLER, _X_AMZN_TRACE_ID, TZ)."
  }
}

variable "environment_kms_key_arn" {
  description = "KMS key ARN to encrypt the function's environment with, or null (default: AWS-managed key)."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Days to keep the function's logs: 0 (never expire) or 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653. Default 365."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the log group with, or null (default)."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active (default; grants xray:PutTraceSegments/PutTelemetryRecords) or PassThrough (no X-Ray permissions)."
  type        = string
  default     = "Active"
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in, for VPC-only OpenSearch domains. Default [] (not in a VPC). The role then gets the ENI actions, scoped to these subnets and security groups."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups for the function's network interfaces; required with vpc_subnet_ids. They must allow HTTPS out to the domain."
  type        = list(string)
  default     = []

  validation {
    condition     = (length(var.vpc_subnet_ids) == 0) == (length(var.vpc_security_group_ids) == 0)
    error_message = "vpc_subnet_ids and vpc_security_group_ids must be set together (both non-empty to run in a VPC, both empty otherwise)."
  }
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary policy for the execution role, or null (default)."
  type        = string
  default     = null
}

variable "create_role" {
  description = "true (default): create the execution role <role_name> with exactly the permissions the sync needs. false: use role_arn, a role the caller manages; output role_policy_json then shows what it must allow."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_arn" {
  description = "ARN of an existing execution role, used when create_role = false (may be an attribute of a role in the same configuration)."
  type        = string
  default     = null

  validation {
    condition     = var.create_role == (var.role_arn == null)
    error_message = "Set create_role = false together with role_arn (a role you manage), or leave both at their defaults (the module creates the role)."
  }
}

variable "role_name" {
  description = "Name of the created role, or null (default: <name>-sync)."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "role_path" {
  description = "Path of the created role, e.g. /service-roles/. Default \"/\"."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.role_path))
    error_message = "role_path must start and end with / (e.g. /service-roles/)."
  }
}

variable "role_policy_statements" {
  description = "Extra statements for the created role's inline policy: list of {sid (optional), effect (default Allow), actions, resources, condition (optional: {operator = {key = [values]}})}. Default []."
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
    condition     = alltrue([for st in var.role_policy_statements : contains(["Allow", "Deny"], st.effect) && length(st.actions) > 0 && length(st.resources) > 0])
    error_message = "Each role_policy_statements entry needs effect Allow or Deny and at least one action and one resource."
  }
}

variable "role_policy_arns" {
  description = "ARNs of managed policies to attach to the created role (e.g. a platform team's baseline). Default []."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "layers" {
  description = "Lambda layer version ARNs to add to the function (at most 5), e.g. a monitoring extension. Default []."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.layers) <= 5 && alltrue([for l in var.layers : can(regex("^arn:[^:]+:lambda:[^:]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", l))])
    error_message = "layers must hold at most 5 layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "logging" {
  description = "Function logging: format (Text - default - or JSON), application_log_level and system_log_level (JSON only; Lambda's filter levels), log_group_class (STANDARD - default - or INFREQUENT_ACCESS), existing_log_group_name (write to that group instead of creating /aws/lambda/<name>; retention and KMS inputs then do not apply)."
  type = object({
    format                  = optional(string, "Text")
    application_log_level   = optional(string)
    system_log_level        = optional(string)
    log_group_class         = optional(string, "STANDARD")
    existing_log_group_name = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["Text", "JSON"], var.logging.format) && contains(["STANDARD", "INFREQUENT_ACCESS"], var.logging.log_group_class)
    error_message = "logging.format must be Text or JSON; logging.log_group_class STANDARD or INFREQUENT_ACCESS."
  }

  validation {
    condition = (var.logging.application_log_level == null && var.logging.system_log_level == null) || (var.logging.format == "JSON" &&
      contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.logging.application_log_level, "INFO")) &&
    contains(["DEBUG", "INFO", "WARN"], coalesce(var.logging.system_log_level, "INFO")))
    error_message = "logging.application_log_level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) and logging.system_log_level (DEBUG, INFO, WARN) need logging.format = \"JSON\": Lambda filters levels only in JSON logs."
  }
}

variable "publish" {
  description = "Publish a version on every change. Default false; alias_name implies it."
  type        = bool
  default     = false
  nullable    = false
}

variable "alias_name" {
  description = "Name of an alias on the latest published version, or null (default). With an alias the event source mapping invokes the alias, so a deployment takes effect when the alias moves."
  type        = string
  default     = null

  validation {
    condition     = var.alias_name == null || can(regex("^[A-Za-z][A-Za-z0-9_-]{0,127}$", var.alias_name))
    error_message = "alias_name must be 1-128 letters, digits, hyphens and underscores, starting with a letter."
  }
}

# ---------------------------------------------------------------------------------------------------
# Event source mapping
# ---------------------------------------------------------------------------------------------------

variable "mapping" {
  description = <<-EOT
    Event source mapping settings (each optional; checked here, so an error names mapping.<setting>):
    enabled (default true), starting_position (TRIM_HORIZON - default, misses nothing - or LATEST; changing it replaces the mapping),
    batch_size (1-10000, default 100), maximum_batching_window_in_seconds (0-300, default 0 = lowest latency),
    parallelization_factor (1-10, default 1), bisect_batch_on_function_error (default true: a failing batch is split
    to isolate the failing records), maximum_retry_attempts (-1 = until the record expires - default - or 0-10000),
    maximum_record_age_in_seconds (-1 = the stream's 24 h retention - default - or 60-604800; see "Failure handling"
    in the README for why an outage never discards), report_batch_item_failures (default true: only the failed part
    of a batch is retried), filter_patterns (up to 5 JSON objects; default none; no numeric matcher under an "N"
    key), metrics (default ["EventCount"], which also adds the dropped/failed-invoke alarms; [] to turn off),
    filter_criteria_kms_key_arn (customer key for the filter patterns; default null = AWS-owned key).
    tumbling_window_in_seconds is refused: the packaged handler does not aggregate (modules/event-source-mapping has it).
  EOT
  type = object({
    enabled                            = optional(bool, true)
    starting_position                  = optional(string, "TRIM_HORIZON")
    batch_size                         = optional(number, 100)
    maximum_batching_window_in_seconds = optional(number, 0)
    parallelization_factor             = optional(number, 1)
    bisect_batch_on_function_error     = optional(bool, true)
    maximum_retry_attempts             = optional(number, -1)
    maximum_record_age_in_seconds      = optional(number, -1)
    report_batch_item_failures         = optional(bool, true)
    filter_patterns                    = optional(list(string), [])
    tumbling_window_in_seconds         = optional(number)
    metrics                            = optional(list(string), ["EventCount"])
    filter_criteria_kms_key_arn        = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST"], var.mapping.starting_position)
    error_message = "mapping.starting_position must be TRIM_HORIZON or LATEST (AT_TIMESTAMP exists only for Kinesis)."
  }

  validation {
    condition     = var.mapping.batch_size >= 1 && var.mapping.batch_size <= 10000 && floor(var.mapping.batch_size) == var.mapping.batch_size
    error_message = "mapping.batch_size must be a whole number from 1 to 10000."
  }

  validation {
    condition     = var.mapping.maximum_batching_window_in_seconds >= 0 && var.mapping.maximum_batching_window_in_seconds <= 300 && floor(var.mapping.maximum_batching_window_in_seconds) == var.mapping.maximum_batching_window_in_seconds
    error_message = "mapping.maximum_batching_window_in_seconds must be a whole number from 0 to 300."
  }

  validation {
    condition     = var.mapping.parallelization_factor >= 1 && var.mapping.parallelization_factor <= 10 && floor(var.mapping.parallelization_factor) == var.mapping.parallelization_factor
    error_message = "mapping.parallelization_factor must be a whole number from 1 to 10."
  }

  validation {
    condition     = var.mapping.maximum_retry_attempts == -1 || (var.mapping.maximum_retry_attempts >= 0 && var.mapping.maximum_retry_attempts <= 10000 && floor(var.mapping.maximum_retry_attempts) == var.mapping.maximum_retry_attempts)
    error_message = "mapping.maximum_retry_attempts must be -1 (retry until the record expires) or a whole number from 0 to 10000."
  }

  validation {
    condition     = var.mapping.maximum_record_age_in_seconds == -1 || (var.mapping.maximum_record_age_in_seconds >= 60 && var.mapping.maximum_record_age_in_seconds <= 604800 && floor(var.mapping.maximum_record_age_in_seconds) == var.mapping.maximum_record_age_in_seconds)
    error_message = "mapping.maximum_record_age_in_seconds must be -1 (no limit) or a whole number from 60 to 604800."
  }

  validation {
    condition     = length(var.mapping.filter_patterns) <= 5 && alltrue([for p in var.mapping.filter_patterns : length(try(keys(jsondecode(p)), [])) > 0 && length(p) <= 4096])
    error_message = "mapping.filter_patterns may hold at most 5 patterns, each a non-empty JSON object of at most 4096 characters, e.g. {\"eventName\":[\"INSERT\",\"MODIFY\"]}."
  }

  validation {
    # DynamoDB sends a number as a string in its "N" wrapper ({"N": "10"}); a numeric matcher never matches a string.
    condition     = !anytrue([for p in var.mapping.filter_patterns : can(regex("\"N\"\\s*:\\s*\\[[^\\]]*\"numeric\"", p))])
    error_message = "mapping.filter_patterns applies a numeric matcher under an \"N\" key (e.g. {\"dynamodb\":{\"NewImage\":{\"price\":{\"N\":[{\"numeric\":[\">\",10]}]}}}}): DynamoDB stream records carry numbers as strings ({\"N\": \"10\"}), so Lambda would silently drop every record. Match the exact strings instead ({\"N\":[\"10\",\"20\"]}), or sync without that filter."
  }

  validation {
    condition     = var.mapping.tumbling_window_in_seconds == null
    error_message = "mapping.tumbling_window_in_seconds is not supported: the packaged handler does not aggregate and returns no window state, so a tumbling window would only delay records. Use modules/event-source-mapping directly with your own aggregating handler."
  }

  validation {
    condition     = alltrue([for m in var.mapping.metrics : m == "EventCount"]) && length(distinct(var.mapping.metrics)) == length(var.mapping.metrics)
    error_message = "mapping.metrics may only be [] or [\"EventCount\"]."
  }
}

# ---------------------------------------------------------------------------------------------------
# On-failure destination
# ---------------------------------------------------------------------------------------------------

variable "create_failure_queue" {
  description = "true (default): create an encrypted SQS queue <name>-failures as the on-failure destination. false: use failure_destination_arn. An explicit switch rather than \"failure_destination_arn is null\" because that ARN is often known only after apply (a queue created in the same configuration), and what the module creates must be decided at plan time."
  type        = bool
  default     = true
  nullable    = false
}

variable "failure_destination_arn" {
  description = "Existing on-failure destination, used when create_failure_queue = false: an SQS queue, SNS topic or S3 bucket ARN (may be an attribute of a resource in the same configuration). The role gets sqs:SendMessage (+ sqs:GetQueueUrl for the handler), sns:Publish, or s3:PutObject on the bucket's objects + s3:ListBucket on the bucket, on it only."
  type        = string
  default     = null

  validation {
    condition     = var.create_failure_queue == (var.failure_destination_arn == null)
    error_message = "Set create_failure_queue = false together with failure_destination_arn (an existing destination), or leave both at their defaults (the module creates a queue)."
  }

  validation {
    condition     = var.failure_destination_arn == null || can(regex("^arn:[^:]+:(sqs|sns):[^:]+:[0-9]{12}:[A-Za-z0-9_.-]+$|^arn:[^:]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.failure_destination_arn))
    error_message = "failure_destination_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>), an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>) or an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
}

variable "failure_destination_kms_key_arn" {
  description = "Customer-managed KMS key an existing failure destination is encrypted with, or null (default). The role gets kms:Decrypt and kms:GenerateDataKey on it."
  type        = string
  default     = null
}

variable "failure_queue_kms_key_arn" {
  description = "KMS key ARN for the created failure queue, or null (default: SQS-managed encryption)."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# Alarms
# ---------------------------------------------------------------------------------------------------

variable "create_alarms" {
  description = "Create the CloudWatch alarms: IteratorAge, Errors, Throttles, DestinationDeliveryFailures; DroppedEventCount and FailedInvokeEventCount when mapping.metrics has EventCount; messages visible in the created failure queue (a queue given by ARN is its owner's to watch). Default true."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "ARNs to notify when an alarm fires (e.g. an SNS topic). Default []."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "ARNs to notify when an alarm returns to OK. Default []."
  type        = list(string)
  default     = []
}

variable "alarm_period_seconds" {
  description = "Period of every alarm: 10, 20, 30 or a multiple of 60 seconds. Default 60."
  type        = number
  default     = 60
}

variable "alarm_evaluation_periods" {
  description = "Consecutive periods over the threshold before an alarm fires. Default 1."
  type        = number
  default     = 1
}

variable "alarm_thresholds" {
  description = "Alarm thresholds (an alarm fires above them): iterator_age_ms (default 300000 = 5 min behind), errors, throttles, destination_delivery_failures, failure_queue_visible, dropped_events and failed_invoke_events (each default 0: any occurrence)."
  type = object({
    iterator_age_ms               = optional(number, 300000)
    errors                        = optional(number, 0)
    throttles                     = optional(number, 0)
    destination_delivery_failures = optional(number, 0)
    failure_queue_visible         = optional(number, 0)
    dropped_events                = optional(number, 0)
    failed_invoke_events          = optional(number, 0)
  })
  default  = {}
  nullable = false
}
