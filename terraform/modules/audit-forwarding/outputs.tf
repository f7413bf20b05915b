output "enabled" {
  description = "Whether events are forwarded to another account's bus."
  value       = local.enabled
}

output "rule_arn" {
  description = "ARN of the forwarding rule (null when forwarding is off)."
  value       = one(aws_cloudwatch_event_rule.this[*].arn)
}

output "role_arn" {
  description = "ARN of the role EventBridge assumes to deliver cross-account (null when off)."
  value       = one(aws_iam_role.this[*].arn)
}

output "dlq_arn" {
  description = "ARN of the queue holding events that could not be forwarded (null when off)."
  value       = one(aws_sqs_queue.dlq[*].arn)
}
