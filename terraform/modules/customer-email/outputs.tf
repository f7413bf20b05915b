output "identity_arn" {
  description = "ARN of the SES sending identity."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_name" {
  description = "The configuration set customer email is sent with (ORDERFLOW_EMAIL_CONFIGURATION_SET)."
  value       = aws_sesv2_configuration_set.this.configuration_set_name
}

output "dkim_tokens" {
  description = "For a domain identity: the three CNAME tokens to publish (<token>._domainkey.<domain> -> <token>.dkim.amazonses.com)."
  value       = aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens
}

output "worker_environment" {
  description = "What the notification worker is told to send email (merged into its container environment)."
  value = {
    ORDERFLOW_EMAIL_SENDER            = var.sender_address
    ORDERFLOW_EMAIL_CONFIGURATION_SET = aws_sesv2_configuration_set.this.configuration_set_name
  }
}

output "sender_policy_statements" {
  description = "Task-role statements the sender needs, keyed by statement id (worker-service extra_task_policy_statements): ses:SendEmail from this identity, with this configuration set, from the sender address only."
  value = {
    SendCustomerEmail = {
      actions = ["ses:SendEmail"]
      resources = [
        aws_sesv2_email_identity.this.arn,
        "${local.arn}:configuration-set/${aws_sesv2_configuration_set.this.configuration_set_name}",
      ]
      conditions = [{
        test     = "StringEquals"
        variable = "ses:FromAddress"
        values   = [var.sender_address]
      }]
    }
  }
}
