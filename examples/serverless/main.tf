# An OpenSearch Serverless collection: IAM only lets the role call the collection (aoss:APIAccessAll);
# what it may do with documents comes from the collection's data-access policy, created here.

provider "aws" {
  region = var.region
}

data "aws_opensearchserverless_collection" "this" {
  name = var.collection_name
}

module "sync" {
  source = "../.."

  name = var.name
  tags = var.tags

  opensearch_endpoint       = data.aws_opensearchserverless_collection.this.collection_endpoint
  opensearch_index          = var.name
  opensearch_auth           = "aoss"
  opensearch_collection_arn = data.aws_opensearchserverless_collection.this.arn
}

resource "aws_opensearchserverless_access_policy" "sync" {
  name        = "${var.name}-sync"
  type        = "data"
  description = "The sync function writes and reads the documents of its index only."
  policy = jsonencode([{
    Principal = [module.sync.role_arn]
    Rules = [{
      ResourceType = "index"
      Resource     = ["index/${var.collection_name}/${var.name}"]
      # _bulk needs write (and create, for a new index); _mget needs read.
      Permission = ["aoss:CreateIndex", "aoss:WriteDocument", "aoss:ReadDocument", "aoss:DescribeIndex"]
    }]
  }])
}
