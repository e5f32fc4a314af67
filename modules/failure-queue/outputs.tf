output "arn" {
  description = "ARN of the queue: the on-failure destination of the event source mapping."
  value       = aws_sqs_queue.this.arn
}

output "url" {
  description = "URL of the queue, for receiving and deleting failure records."
  value       = aws_sqs_queue.this.url
}

output "name" {
  description = "Name of the queue (the QueueName dimension of its CloudWatch metrics)."
  value       = aws_sqs_queue.this.name
}
