output "api_url" {
  description = "HTTPS URL of the order API's load balancer."
  value       = module.order_api.url
}

output "dashboard_url" {
  description = "The CloudWatch dashboard generated from the topology."
  value       = module.observability.dashboard_url
}

output "ops_topic_arn" {
  description = "SNS topic every alarm notifies (subscribe your pager here)."
  value       = module.observability.ops_topic_arn
}

output "customer_notifications_topic_arn" {
  description = "SNS topic of customer notifications (subscribe the delivery: docs/deploy.md, \"Customer notifications\")."
  value       = module.customer_notifications.topic_arn
}

output "api_keys_parameter_name" {
  description = "SSM SecureString to put ORDERFLOW_API_KEYS in (docs/deploy.md, \"API keys\")."
  value       = module.order_api.api_keys_parameter_name
}

output "api_keys_kms_key_alias" {
  description = "KMS key alias for that parameter (aws ssm put-parameter --key-id)."
  value       = module.order_api.api_keys_kms_key_alias
}

output "ecr_repository_url" {
  description = "Where the deploy workflow pushes the image (repository variable ECR_REPOSITORY)."
  value       = module.platform.repository_url
}

output "cluster_name" {
  description = "ECS cluster (repository variable ECS_CLUSTER)."
  value       = module.platform.cluster_name
}

output "deploy_role_arn" {
  description = "Role for the deploy workflow (repository variable AWS_DEPLOY_ROLE_ARN)."
  value       = module.github_oidc.deploy_role_arn
}

output "terraform_role_arn" {
  description = "Role for the terraform workflow (repository variable AWS_TERRAFORM_ROLE_ARN), when created."
  value       = module.github_oidc.terraform_role_arn
}

output "ecs_services" {
  description = "What the deploy workflow rolls: container name, ECS service and task definition family per component."
  value = merge(
    { api = { container = "api", service = module.order_api.service_name, family = module.order_api.task_definition_family } },
    { for name, w in module.worker_service : name => { container = w.container_name, service = w.service_name, family = w.task_definition_family } },
  )
}

output "queues" {
  description = "Queue and DLQ URLs per service (for runbooks: inspect, redrive)."
  value       = { for name, q in module.service_queue : name => { queue = q.queue_url, dlq = q.dlq_url } }
}

output "audit_forwarding" {
  description = "Cross-account audit forwarding: whether it is on, and the rule, role and DLQ it uses (null when off)."
  value = {
    enabled  = module.audit_forwarding.enabled
    rule_arn = module.audit_forwarding.rule_arn
    role_arn = module.audit_forwarding.role_arn
    dlq_arn  = module.audit_forwarding.dlq_arn
  }
}

output "customer_email" {
  description = "Customer email through SES: identity, configuration set and the DKIM tokens to publish for a domain identity (null when customer_email_sender is unset)."
  value = local.customer_email == null ? null : {
    identity_arn           = local.customer_email.identity_arn
    configuration_set_name = local.customer_email.configuration_set_name
    dkim_tokens            = local.customer_email.dkim_tokens
  }
}
