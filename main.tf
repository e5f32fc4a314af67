# DynamoDB table stream -> event source mapping -> sync function -> OpenSearch index.
# Each concern lives in a submodule under modules/; this file wires them together.

locals {
  table_name = coalesce(var.table_name, var.name)

  table_arn  = var.create_table ? module.table[0].arn : data.aws_dynamodb_table.existing[0].arn
  stream_arn = var.create_table ? module.table[0].stream_arn : data.aws_dynamodb_table.existing[0].stream_arn

  # Every count below depends on inputs only, never on a value known after apply: failure_destination_arn is
  # often an attribute of a queue created in the same configuration.
  destination_arn = var.create_failure_queue ? module.failure_queue[0].arn : var.failure_destination_arn

  # Where the code comes from: an S3 object, a zip built beforehand (`make package`), or a build at apply time.
  package = var.package_s3 != null ? {
    local_path        = null
    s3_bucket         = var.package_s3.bucket
    s3_key            = var.package_s3.key
    s3_object_version = var.package_s3.object_version
    source_code_hash  = var.package_s3.source_code_hash
    } : {
    local_path        = var.package_path != null ? var.package_path : module.package[0].path
    s3_bucket         = null
    s3_key            = null
    s3_object_version = null
    source_code_hash  = var.package_path != null ? filebase64sha256(var.package_path) : module.package[0].source_code_hash
  }

  handler_environment = merge(
    {
      OPENSEARCH_ENDPOINT = var.opensearch_endpoint
      OPENSEARCH_INDEX    = var.opensearch_index
      OPENSEARCH_AUTH     = var.opensearch_auth
    },
    { for k, v in {
      OPENSEARCH_REGION          = var.handler_settings.opensearch_region
      OPENSEARCH_TIMEOUT_SECONDS = var.handler_settings.opensearch_timeout_seconds
      BULK_MAX_BYTES             = var.handler_settings.bulk_max_bytes
      BULK_MAX_ACTIONS           = var.handler_settings.bulk_max_actions
      MAX_RETRIES                = var.handler_settings.max_retries
      POISON_POLICY              = var.handler_settings.poison_policy
      FAILURE_DESTINATION_ARN    = var.handler_settings.poison_policy == "destination" ? local.destination_arn : null
      TTL_DELETES                = var.handler_settings.ttl_deletes
      INCLUDE_FIELDS             = length(var.handler_settings.include_fields) > 0 ? join(",", var.handler_settings.include_fields) : null
      EXCLUDE_FIELDS             = length(var.handler_settings.exclude_fields) > 0 ? join(",", var.handler_settings.exclude_fields) : null
      LOG_LEVEL                  = var.handler_settings.log_level
      METRICS_NAMESPACE          = var.handler_settings.metrics_namespace
    } : k => tostring(v) if v != null },
    var.environment,
  )
}

module "table" {
  source = "./modules/table"
  count  = var.create_table ? 1 : 0

  name                           = local.table_name
  hash_key                       = var.hash_key
  range_key                      = var.range_key
  attributes                     = var.attributes
  billing_mode                   = var.billing_mode
  stream_view_type               = var.stream_view_type
  point_in_time_recovery_enabled = var.point_in_time_recovery_enabled
  deletion_protection_enabled    = var.deletion_protection_enabled
  kms_key_arn                    = var.table_kms_key_arn
  tags                           = var.tags
}

data "aws_dynamodb_table" "existing" {
  count = var.create_table ? 0 : 1
  name  = local.table_name

  lifecycle {
    postcondition {
      condition     = self.stream_enabled && self.stream_arn != ""
      error_message = "Table ${local.table_name} has no stream enabled. Enable it (StreamSpecification: StreamEnabled=true, StreamViewType NEW_AND_OLD_IMAGES recommended) or set create_table = true."
    }
  }
}

module "package" {
  source = "./modules/package"
  count  = var.package_s3 == null && var.package_path == null ? 1 : 0

  function_name = var.name
  runtime       = var.runtime
  architecture  = var.architecture
  python        = var.package_build_python
}

module "failure_queue" {
  source = "./modules/failure-queue"
  count  = var.create_failure_queue ? 1 : 0

  name              = "${var.name}-failures"
  kms_master_key_id = var.failure_queue_kms_key_arn
  tags              = var.tags
}

module "role" {
  source = "./modules/execution-role"

  create               = var.create_role
  name                 = coalesce(var.role_name, "${var.name}-sync")
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
  extra_statements     = var.role_policy_statements
  policy_arns          = var.role_policy_arns
  log_group_arn        = module.function.log_group_arn
  stream_arn           = local.stream_arn
  # The handler reads the current item for KEYS_ONLY/OLD_IMAGE records, and with any view type to settle
  # two changes to one item in the same second (lambda/README.md, "Ordering"): BatchGetItem on this table only.
  table_arn_for_get_item    = local.table_arn
  opensearch_domain_arn     = var.opensearch_domain_arn
  opensearch_collection_arn = var.opensearch_collection_arn
  destination_arn           = local.destination_arn
  # POISON_POLICY=destination: the handler sends rejected records there itself.
  handler_sends_to_destination = var.handler_settings.poison_policy == "destination"
  table_kms_key_arn            = var.table_kms_key_arn
  destination_kms_key_arn      = var.create_failure_queue ? var.failure_queue_kms_key_arn : var.failure_destination_kms_key_arn
  tracing_enabled              = var.tracing_mode == "Active"
  vpc_subnet_ids               = var.vpc_subnet_ids
  vpc_security_group_ids       = var.vpc_security_group_ids
  tags                         = var.tags
}

module "function" {
  source = "./modules/function"

  name                           = var.name
  role_arn                       = var.create_role ? module.role.arn : var.role_arn
  runtime                        = var.runtime
  architecture                   = var.architecture
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  environment                    = local.handler_environment
  kms_key_arn                    = var.environment_kms_key_arn
  layers                         = var.layers
  log_format                     = var.logging.format
  application_log_level          = var.logging.application_log_level
  system_log_level               = var.logging.system_log_level
  log_group_class                = var.logging.log_group_class
  existing_log_group_name        = var.logging.existing_log_group_name
  log_retention_in_days          = var.log_retention_in_days
  log_kms_key_arn                = var.log_kms_key_arn
  tracing_mode                   = var.tracing_mode
  vpc_subnet_ids                 = var.vpc_subnet_ids
  vpc_security_group_ids         = var.vpc_security_group_ids
  publish                        = var.publish || var.alias_name != null
  alias_name                     = var.alias_name
  package                        = local.package
  tags                           = var.tags
}

module "event_source_mapping" {
  source = "./modules/event-source-mapping"

  function_arn                       = module.function.invoke_arn
  stream_arn                         = local.stream_arn
  destination_arn                    = local.destination_arn
  enabled                            = var.mapping.enabled
  starting_position                  = var.mapping.starting_position
  batch_size                         = var.mapping.batch_size
  maximum_batching_window_in_seconds = var.mapping.maximum_batching_window_in_seconds
  parallelization_factor             = var.mapping.parallelization_factor
  bisect_batch_on_function_error     = var.mapping.bisect_batch_on_function_error
  maximum_retry_attempts             = var.mapping.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.mapping.maximum_record_age_in_seconds
  report_batch_item_failures         = var.mapping.report_batch_item_failures
  filter_patterns                    = var.mapping.filter_patterns
  metrics                            = var.mapping.metrics
  filter_criteria_kms_key_arn        = var.mapping.filter_criteria_kms_key_arn
  tags                               = var.tags

  # The mapping starts polling at once: its role must already be allowed to read the stream.
  depends_on = [module.role]
}

module "alarms" {
  source = "./modules/alarms"
  count  = var.create_alarms ? 1 : 0

  name          = var.name
  function_name = module.function.function_name
  # Only the queue this module creates: a queue given by ARN may be shared and is its owner's to watch.
  failure_queue_name                      = var.create_failure_queue ? "${var.name}-failures" : null
  alarm_actions                           = var.alarm_actions
  ok_actions                              = var.ok_actions
  period_seconds                          = var.alarm_period_seconds
  evaluation_periods                      = var.alarm_evaluation_periods
  iterator_age_threshold_ms               = var.alarm_thresholds.iterator_age_ms
  errors_threshold                        = var.alarm_thresholds.errors
  throttles_threshold                     = var.alarm_thresholds.throttles
  destination_delivery_failures_threshold = var.alarm_thresholds.destination_delivery_failures
  failure_queue_visible_threshold         = var.alarm_thresholds.failure_queue_visible
  mapping_metrics_enabled                 = contains(var.mapping.metrics, "EventCount")
  event_source_mapping_uuid               = module.event_source_mapping.uuid
  dropped_events_threshold                = var.alarm_thresholds.dropped_events
  failed_invoke_events_threshold          = var.alarm_thresholds.failed_invoke_events
  tags                                    = var.tags
}
