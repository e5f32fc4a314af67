terraform {
  # 1.9: validation blocks that compare one input with another (opensearch_* and package_* inputs).
  # terraform_data (the apply-time package build) needs 1.4. Running tests/terraform needs 1.11
  # (mock_provider override_during); the module itself does not.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # metrics_config on aws_lambda_event_source_mapping arrived in the December 2024 5.8x releases;
      # 5.82.0 is a conservative floor. The version tested here is 5.100.0.
      version = ">= 5.82.0"
    }
  }
}
