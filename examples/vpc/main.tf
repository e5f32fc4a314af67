# A VPC-only managed OpenSearch domain: the function runs in the domain's VPC (the role gets the ENI
# actions, scoped to these subnets and this security group). The event source mapping itself is run by
# the Lambda service and needs no network path. The function calls three services: OpenSearch (_bulk,
# _mget), DynamoDB (BatchGetItem on the table, to read current items) and SQS (the failure queue, where the
# handler sends records OpenSearch rejects): HTTPS to the VPC (domain, SQS endpoint) and to DynamoDB's
# gateway endpoint, nothing else.

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
  description = "Sync function: HTTPS to the OpenSearch domain and the SQS endpoint in the VPC, and to DynamoDB."
  vpc_id      = var.vpc_id
  tags        = var.tags

  egress {
    description = "HTTPS to the VPC-only OpenSearch domain and the SQS interface endpoint"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }

  egress {
    description     = "HTTPS to DynamoDB through its gateway endpoint (BatchGetItem)"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [aws_vpc_endpoint.dynamodb.prefix_list_id]
  }
}

# DynamoDB: a gateway endpoint (no charge) on the subnets' route tables.
resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${var.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  tags              = var.tags
}

# SQS: an interface endpoint in the function's subnets, reachable from the function only.
resource "aws_security_group" "sqs_endpoint" {
  # checkov:skip=CKV2_AWS_5:Attached to the SQS interface endpoint below (security_group_ids).
  name        = "${var.name}-sqs-endpoint"
  description = "SQS interface endpoint: HTTPS from the sync function."
  vpc_id      = var.vpc_id
  tags        = var.tags

  ingress {
    description     = "HTTPS from the sync function"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.function.id]
  }
}

resource "aws_vpc_endpoint" "sqs" {
  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${var.region}.sqs"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.sqs_endpoint.id]
  private_dns_enabled = true
  tags                = var.tags
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
