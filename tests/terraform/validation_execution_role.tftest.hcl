# Every validation of modules/execution-role rejects a bad value.

mock_provider "aws" {}

variables {
  name            = "products-sync"
  log_group_arn   = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/products"
  stream_arn      = "arn:aws:dynamodb:us-east-1:123456789012:table/products/stream/2024-01-01T00:00:00.000"
  destination_arn = "arn:aws:sqs:us-east-1:123456789012:products-failures"
}

run "rejects_name_1" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    name = "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
  }

  expect_failures = [var.name]
}

run "rejects_name_2" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    name = "bad/name"
  }

  expect_failures = [var.name]
}

run "rejects_path_1" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    path = "service"
  }

  expect_failures = [var.path]
}

run "rejects_path_2" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    path = "/service"
  }

  expect_failures = [var.path]
}

run "rejects_destination_arn_1" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
  }

  expect_failures = [var.destination_arn]
}

run "rejects_destination_arn_2" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    destination_arn = "not-an-arn"
  }

  expect_failures = [var.destination_arn]
}

run "rejects_opensearch_http_actions_1" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    opensearch_http_actions = []
  }

  expect_failures = [var.opensearch_http_actions]
}

run "rejects_opensearch_http_actions_2" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    opensearch_http_actions = ["es:*"]
  }

  expect_failures = [var.opensearch_http_actions]
}

run "rejects_opensearch_http_actions_3" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    opensearch_http_actions = ["es:ESHttpPost", "es:CreateDomain"]
  }

  expect_failures = [var.opensearch_http_actions]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/execution-role"
  }

  variables {
    path                    = "/service/"
    opensearch_http_actions = ["es:ESHttpPost", "es:ESHttpPut"]
    destination_arn         = "arn:aws:sns:us-east-1:123456789012:t"
  }

}
