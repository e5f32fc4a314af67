# modules/function in plan mode: every input reaches the planned function and log group.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products", log_group_class = "STANDARD" }
  }
  mock_data "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/platform/lambda" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:products", version = "7" }
  }
  mock_resource "aws_lambda_alias" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:products:live" }
  }
}

variables {
  name     = "products"
  role_arn = "arn:aws:iam::123456789012:role/products-sync"
  package  = { s3_bucket = "artifacts", s3_key = "lambda.zip" }
}

run "defaults" {
  command = plan

  module {
    source = "./modules/function"
  }

  assert {
    condition = jsonencode(output.settings) == jsonencode({
      runtime                        = "python3.12"
      architecture                   = "arm64"
      memory_size                    = 256
      timeout                        = 60
      reserved_concurrent_executions = -1
      tracing_mode                   = "Active"
      layers                         = []
      publish                        = false
      log_format                     = "Text"
      log_group                      = "/aws/lambda/products"
      application_log_level          = null
      system_log_level               = null
      log_retention_in_days          = 365
      subnet_ids                     = []
    })
    error_message = "Default function settings changed: ${jsonencode(output.settings)}"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].log_group_class == "STANDARD" && length(aws_lambda_function.this.logging_config) == 0 && output.invoke_arn == "arn:aws:lambda:us-east-1:123456789012:function:products" && output.alias_arn == null
    error_message = "By default: no logging_config block (Lambda's defaults), no alias, the mapping invokes the function."
  }
}

run "every_input_reaches_the_function" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    runtime                        = "python3.13"
    architecture                   = "x86_64"
    memory_size                    = 1024
    timeout                        = 300
    reserved_concurrent_executions = 4
    tracing_mode                   = "PassThrough"
    layers                         = ["arn:aws:lambda:us-east-1:123456789012:layer:monitoring:3"]
    log_format                     = "JSON"
    application_log_level          = "WARN"
    system_log_level               = "DEBUG"
    log_retention_in_days          = 30
    log_group_class                = "INFREQUENT_ACCESS"
    publish                        = true
    alias_name                     = "live"
    vpc_subnet_ids                 = ["subnet-b", "subnet-a"]
    vpc_security_group_ids         = ["sg-1"]
  }

  assert {
    condition = jsonencode(output.settings) == jsonencode({
      runtime                        = "python3.13"
      architecture                   = "x86_64"
      memory_size                    = 1024
      timeout                        = 300
      reserved_concurrent_executions = 4
      tracing_mode                   = "PassThrough"
      layers                         = ["arn:aws:lambda:us-east-1:123456789012:layer:monitoring:3"]
      publish                        = true
      log_format                     = "JSON"
      log_group                      = "/aws/lambda/products"
      application_log_level          = "WARN"
      system_log_level               = "DEBUG"
      log_retention_in_days          = 30
      subnet_ids                     = ["subnet-a", "subnet-b"]
    })
    error_message = "Inputs did not reach the function: ${jsonencode(output.settings)}"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].log_group_class == "INFREQUENT_ACCESS" && aws_lambda_alias.this[0].function_version == "7" && output.invoke_arn == "arn:aws:lambda:us-east-1:123456789012:function:products:live"
    error_message = "The alias must point at the published version, and the mapping must invoke the alias."
  }
}

run "existing_log_group_is_used_not_created" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    existing_log_group_name = "/platform/lambda"
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.this) == 0 && aws_lambda_function.this.logging_config[0].log_group == "/platform/lambda" && output.log_group_arn == "arn:aws:logs:us-east-1:123456789012:log-group:/platform/lambda"
    error_message = "With existing_log_group_name no group is created and the function logs to the given one."
  }
}
