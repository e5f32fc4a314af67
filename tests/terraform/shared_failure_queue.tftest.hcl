# Regression: a failure queue created in the same configuration (its ARN unknown until apply) and three
# for_each instances sharing it. Before create_failure_queue, this plan failed with "Invalid count argument".
# The mock provider leaves computed values unknown during plan, as the real provider does.

mock_provider "aws" {}

run "queue_created_beside_three_instances_plans" {
  command = plan

  module {
    source = "./tests/terraform/fixtures/shared-failure-queue"
  }

  assert {
    condition     = length(module.sync) == 3
    error_message = "Three instances must be planned."
  }

  assert {
    condition     = alltrue([for k, m in module.sync : m.event_source_mapping.bisect_batch_on_function_error && m.event_source_mapping.maximum_retry_attempts == -1])
    error_message = "Every instance keeps the module's failure handling."
  }

  assert {
    condition     = alltrue([for k, m in module.sync : m.failure_queue_url == null && !contains(keys(m.alarms), "failure-queue-visible")])
    error_message = "With create_failure_queue = false no queue and no queue alarm are created per instance."
  }
}
