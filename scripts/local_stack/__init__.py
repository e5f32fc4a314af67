"""The embedded local stack: moto as the AWS endpoint, a real OpenSearch node, and the ESM runner."""
