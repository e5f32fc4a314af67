# Every validation of modules/table rejects a bad value.

mock_provider "aws" {}

variables {
  name       = "products"
  hash_key   = "pk"
  attributes = [{ name = "pk", type = "S" }]
}

run "rejects_name_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    name = "ab"
  }

  expect_failures = [var.name]
}

run "rejects_name_2" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    name = "bad name"
  }

  expect_failures = [var.name]
}

run "rejects_attributes_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    attributes = [{ name = "pk", type = "BOOL" }]
  }

  expect_failures = [var.attributes]
}

run "rejects_billing_mode_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.billing_mode]
}

run "rejects_read_capacity_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    read_capacity = 0
  }

  expect_failures = [var.read_capacity]
}

run "rejects_write_capacity_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    write_capacity = 0.5
  }

  expect_failures = [var.write_capacity]
}

run "rejects_stream_view_type_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    stream_view_type = "NEW"
  }

  expect_failures = [var.stream_view_type]
}

run "rejects_stream_view_type_2" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    stream_view_type = "new_image"
  }

  expect_failures = [var.stream_view_type]
}

run "accepts_boundaries_1" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    stream_view_type = "KEYS_ONLY"
    billing_mode     = "PROVISIONED"
    read_capacity    = 1
    write_capacity   = 1
  }

}
run "rejects_key_not_declared_in_attributes" {
  command = plan

  module {
    source = "./modules/table"
  }

  variables {
    range_key = "sk"
  }

  expect_failures = [aws_dynamodb_table.this]
}
