terraform {
  # Tested: Terraform 1.11.4 (terraform test, tflint, the applies in tests/integration). Untested floor: 1.9, the
  # first release with validation blocks that compare one input with another (opensearch_*, package_*,
  # create_failure_queue/failure_destination_arn, create_role/role_arn). tests/terraform itself needs 1.11
  # (mock_provider override_during).
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Tested: 5.100.0. Untested floor: 5.82.0, the first 5.x with metrics_config on
      # aws_lambda_event_source_mapping. 6.x is a major release nobody has run these tests on: not allowed.
      version = ">= 5.82.0, < 6.0.0"
    }
  }
}
