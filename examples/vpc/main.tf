# A VPC-only managed OpenSearch domain: the function runs in the domain's VPC (the role gets the ENI
# actions, scoped to these subnets and this security group). The event source mapping itself is run by
# the Lambda service and needs no network path; the function needs HTTPS to the domain only.

provider "aws" {
  region = var.region
}

data "aws_opensearch_domain" "this" {
  domain_name = var.domain_name
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_security_group" "function" {
  # checkov:skip=CKV2_AWS_5:Attached to the sync function's network interfaces through module.sync (vpc_security_group_ids), which checkov does not follow.
  name        = "${var.name}-function"
  description = "Sync function: HTTPS to the OpenSearch domain inside the VPC, nothing else."
  vpc_id      = var.vpc_id
  tags        = var.tags

  egress {
    description = "HTTPS to the VPC-only OpenSearch domain"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }
}

module "sync" {
  source = "../.."

  name = var.name
  tags = var.tags

  opensearch_endpoint   = "https://${data.aws_opensearch_domain.this.endpoint}"
  opensearch_index      = var.name
  opensearch_domain_arn = data.aws_opensearch_domain.this.arn

  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.function.id]
}
