"""Local event source mapping runner: plays the Lambda service's part for DynamoDB-stream mappings.

It discovers the mappings through the Lambda API, reads the stream, and invokes the deployed function with the
semantics AWS documents (batching, filters, partial failures, bisect, retries, destinations, parallelization,
tumbling windows, durable checkpoints). ``Runner`` is the programmatic entry point; ``python -m esm_runner`` the CLI.
"""

from esm_runner.runner import Runner

__all__ = ["Runner"]
