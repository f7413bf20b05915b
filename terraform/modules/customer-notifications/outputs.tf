output "topic_arn" {
  description = "ARN of the customer-notifications topic (ORDERFLOW_NOTIFICATIONS_TOPIC_ARN)."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the customer-notifications topic."
  value       = aws_sns_topic.this.name
}

output "kms_key_arn" {
  description = "KMS key that encrypts the topic."
  value       = module.kms.arn
}

output "publisher_policy_statements" {
  description = "Task-role statements a publisher needs, keyed by statement id (worker-service extra_task_policy_statements): sns:Publish on this topic, its key through SNS only."
  value = {
    PublishCustomerNotifications = {
      actions    = ["sns:Publish"]
      resources  = [aws_sns_topic.this.arn]
      conditions = []
    }
    EncryptCustomerNotifications = {
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [module.kms.arn]
      conditions = [{
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${local.region}.amazonaws.com"]
      }]
    }
  }
}
