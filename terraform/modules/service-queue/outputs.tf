output "queue_arn" {
  description = "ARN of the service's queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the service's queue."
  value       = aws_sqs_queue.this.id
}

output "queue_name" {
  description = "Name of the service's queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_arn" {
  description = "ARN of the service's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the service's dead-letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_name" {
  description = "Name of the service's dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "rule_arns" {
  description = "EventBridge rule ARNs keyed by subscription name."
  value       = { for k, rule in aws_cloudwatch_event_rule.this : k => rule.arn }
}

output "alarm_arns" {
  description = "Every alarm of this service's queue, keyed by purpose."
  value = merge(
    { dlq_depth = aws_cloudwatch_metric_alarm.dlq_depth.arn, oldest_message_age = aws_cloudwatch_metric_alarm.oldest_message_age.arn },
    { for k, alarm in aws_cloudwatch_metric_alarm.failed_invocations : "failed_invocations/${k}" => alarm.arn },
  )
}
