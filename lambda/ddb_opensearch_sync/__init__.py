"""Keep an OpenSearch index in sync with a DynamoDB table from its stream (Lambda handler package)."""
