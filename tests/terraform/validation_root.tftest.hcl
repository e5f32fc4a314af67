# Every validation of the root module's own inputs rejects a bad value (the inputs it passes on are
# validated by the submodule that uses them: see the other validation_*.tftest.hcl files).

mock_provider "aws" {}

variables {
  name                  = "products"
  opensearch_endpoint   = "https://search-products.us-east-1.es.amazonaws.com"
  opensearch_index      = "products"
  opensearch_domain_arn = "arn:aws:es:us-east-1:123456789012:domain/products"
  package_s3            = { bucket = "artifacts-bucket", key = "lambda.zip" }
}

run "rejects_name_1" {
  command = plan

  variables {
    name = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
  }

  expect_failures = [var.name]
}

run "rejects_name_2" {
  command = plan

  variables {
    name = "has space"
  }

  expect_failures = [var.name]
}

run "rejects_name_3" {
  command = plan

  variables {
    name = ""
  }

  expect_failures = [var.name]
}

run "rejects_opensearch_endpoint_1" {
  command = plan

  variables {
    opensearch_endpoint = "search-products.us-east-1.es.amazonaws.com"
  }

  expect_failures = [var.opensearch_endpoint]
}

run "rejects_opensearch_endpoint_2" {
  command = plan

  variables {
    opensearch_endpoint = "https://host/path"
  }

  expect_failures = [var.opensearch_endpoint]
}

run "rejects_opensearch_endpoint_3" {
  command = plan

  variables {
    opensearch_endpoint = "ftp://host"
  }

  expect_failures = [var.opensearch_endpoint]
}

run "rejects_opensearch_index_1" {
  command = plan

  variables {
    opensearch_index = "Products"
  }

  expect_failures = [var.opensearch_index]
}

run "rejects_opensearch_index_2" {
  command = plan

  variables {
    opensearch_index = "_products"
  }

  expect_failures = [var.opensearch_index]
}

run "rejects_opensearch_index_3" {
  command = plan

  variables {
    opensearch_index = "a b"
  }

  expect_failures = [var.opensearch_index]
}

run "rejects_opensearch_index_4" {
  command = plan

  variables {
    opensearch_index = "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
  }

  expect_failures = [var.opensearch_index]
}

run "rejects_opensearch_index_5" {
  command = plan

  variables {
    opensearch_index = "a,b"
  }

  expect_failures = [var.opensearch_index]
}

run "rejects_opensearch_auth_1" {
  command = plan

  variables {
    opensearch_auth = "sigv4"
  }

  expect_failures = [var.opensearch_auth]
}

run "rejects_opensearch_auth_2" {
  command = plan

  variables {
    opensearch_auth = "IAM"
  }

  expect_failures = [var.opensearch_auth]
}

run "rejects_opensearch_domain_arn_1" {
  command = plan

  variables {
    opensearch_domain_arn = "arn:aws:es:us-east-1:123456789012:domain/Products"
  }

  expect_failures = [var.opensearch_domain_arn]
}

run "rejects_opensearch_domain_arn_2" {
  command = plan

  variables {
    opensearch_domain_arn = "arn:aws:aoss:us-east-1:123456789012:collection/abc"
  }

  expect_failures = [var.opensearch_domain_arn]
}

run "rejects_opensearch_domain_arn_3" {
  command = plan

  variables {
    opensearch_domain_arn     = "arn:aws:es:us-east-1:123456789012:domain/products"
    opensearch_auth           = "aoss"
    opensearch_endpoint       = "https://abc.us-east-1.aoss.amazonaws.com"
    opensearch_collection_arn = "arn:aws:aoss:us-east-1:123456789012:collection/abc"
  }

  expect_failures = [var.opensearch_domain_arn]
}

run "rejects_opensearch_collection_arn_1" {
  command = plan

  variables {
    opensearch_collection_arn = "arn:aws:es:us-east-1:123456789012:domain/products"
    opensearch_auth           = "aoss"
    opensearch_domain_arn     = null
  }

  expect_failures = [var.opensearch_collection_arn]
}

run "rejects_opensearch_collection_arn_2" {
  command = plan

  variables {
    opensearch_collection_arn = null
    opensearch_auth           = "aoss"
    opensearch_domain_arn     = null
  }

  expect_failures = [var.opensearch_collection_arn]
}

run "rejects_opensearch_collection_arn_3" {
  command = plan

  variables {
    opensearch_collection_arn = "arn:aws:aoss:us-east-1:123456789012:collection/abc"
    opensearch_auth           = "iam"
  }

  expect_failures = [var.opensearch_collection_arn]
}

run "rejects_opensearch_collection_arn_4" {
  command = plan

  variables {
    opensearch_collection_arn = null
    opensearch_auth           = "iam"
    opensearch_domain_arn     = null
  }

  expect_failures = [var.opensearch_collection_arn]
}

run "rejects_handler_settings_1" {
  command = plan

  variables {
    handler_settings = { opensearch_timeout_seconds = 0 }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_2" {
  command = plan

  variables {
    handler_settings = { bulk_max_bytes = 1023 }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_3" {
  command = plan

  variables {
    handler_settings = { bulk_max_bytes = 104857601 }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_4" {
  command = plan

  variables {
    handler_settings = { bulk_max_actions = 0 }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_5" {
  command = plan

  variables {
    handler_settings = { max_retries = 21 }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_6" {
  command = plan

  variables {
    handler_settings = { poison_policy = "drop" }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_7" {
  command = plan

  variables {
    handler_settings = { ttl_deletes = "ignore" }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_8" {
  command = plan

  variables {
    handler_settings = { include_fields = ["a"], exclude_fields = ["a"] }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_9" {
  command = plan

  variables {
    handler_settings = { include_fields = ["a,b"] }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_10" {
  command = plan

  variables {
    handler_settings = { exclude_fields = [" "] }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_handler_settings_11" {
  command = plan

  variables {
    handler_settings = { log_level = "WARNING" }
  }

  expect_failures = [var.handler_settings]
}

run "rejects_package_path_1" {
  command = plan

  variables {
    package_path = "dist/lambda.tar.gz"
  }

  expect_failures = [var.package_path]
}

run "rejects_package_s3_1" {
  command = plan

  variables {
    package_s3 = { bucket = "b", key = "k" }
  }

  expect_failures = [var.package_s3]
}

run "rejects_package_s3_2" {
  command = plan

  variables {
    package_s3   = { bucket = "artifacts-bucket", key = "lambda.zip" }
    package_path = "dist/lambda.zip"
  }

  expect_failures = [var.package_s3]
}

run "rejects_environment_1" {
  command = plan

  variables {
    environment = { "OPENSEARCH_INDEX" = "other" }
  }

  expect_failures = [var.environment]
}

run "rejects_environment_2" {
  command = plan

  variables {
    environment = { "AWS_REGION" = "eu-west-1" }
  }

  expect_failures = [var.environment]
}

run "rejects_environment_3" {
  command = plan

  variables {
    environment = { "LAMBDA_TASK_ROOT" = "/x" }
  }

  expect_failures = [var.environment]
}

run "rejects_environment_4" {
  command = plan

  variables {
    environment = { "1BAD" = "x" }
  }

  expect_failures = [var.environment]
}

run "rejects_vpc_security_group_ids_1" {
  command = plan

  variables {
    vpc_security_group_ids = []
    vpc_subnet_ids         = ["subnet-1"]
  }

  expect_failures = [var.vpc_security_group_ids]
}

run "rejects_vpc_security_group_ids_2" {
  command = plan

  variables {
    vpc_security_group_ids = ["sg-1"]
  }

  expect_failures = [var.vpc_security_group_ids]
}

run "rejects_failure_destination_arn_1" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
  }

  expect_failures = [var.failure_destination_arn]
}

run "rejects_failure_destination_arn_2" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:s3:::B"
  }

  expect_failures = [var.failure_destination_arn]
}

run "rejects_failure_destination_arn_3" {
  command = plan

  variables {
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:sqs:us-east-1:123:q"
  }

  expect_failures = [var.failure_destination_arn]
}

run "accepts_boundaries_1" {
  command = plan

  variables {
    opensearch_index        = "orders-{tenant}"
    handler_settings        = { opensearch_timeout_seconds = 0.1, bulk_max_bytes = 104857600, bulk_max_actions = 10000, max_retries = 0, poison_policy = "report", ttl_deletes = "delete", log_level = "DEBUG" }
    environment             = { "MY_SETTING" = "x" }
    create_failure_queue    = false
    failure_destination_arn = "arn:aws:s3:::failures-bucket"
  }

}

run "accepts_boundaries_2" {
  command = plan

  variables {
    opensearch_endpoint   = "http://127.0.0.1:9200"
    opensearch_auth       = "none"
    opensearch_domain_arn = null
    name                  = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
  }

}
