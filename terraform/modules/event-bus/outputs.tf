output "bus_name" {
  description = "Name of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  description = "ARN of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "archive_arn" {
  description = "ARN of the replay archive."
  value       = aws_cloudwatch_event_archive.this.arn
}

output "kms_key_arn" {
  description = "ARN of the messaging KMS key (bus, archive, service queues and DLQs)."
  value       = module.kms.arn
}
