output "url" {
  description = "HTTPS URL of the load balancer (point a DNS name with the certificate's name at it)."
  value       = "https://${aws_lb.this.dns_name}"
}

output "load_balancer_dns_name" {
  description = "DNS name of the ALB (for an alias record)."
  value       = aws_lb.this.dns_name
}

output "load_balancer_zone_id" {
  description = "Hosted zone of the ALB (for an alias record)."
  value       = aws_lb.this.zone_id
}

output "load_balancer_arn_suffix" {
  description = "ALB ARN suffix (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix (CloudWatch TargetGroup dimension)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "service_name" {
  description = "ECS service name of the API."
  value       = module.core.service_name
}

output "service_arn" {
  description = "ECS service ARN of the API."
  value       = module.core.service_arn
}

output "task_definition_family" {
  description = "Task definition family of the API."
  value       = module.core.task_definition_family
}

output "task_role_arn" {
  description = "The API's task role."
  value       = module.core.task_role_arn
}

output "execution_role_arn" {
  description = "The API's execution role."
  value       = module.core.execution_role_arn
}

output "api_keys_parameter_name" {
  description = "SSM SecureString the API's ORDERFLOW_API_KEYS comes from (operators create and update it; docs/deploy.md)."
  value       = local.api_keys_parameter_name
}

output "api_keys_parameter_arn" {
  description = "ARN of the API keys parameter (the execution role may read exactly this one)."
  value       = local.api_keys_parameter_arn
}

output "api_keys_kms_key_alias" {
  description = "KMS key alias to encrypt the API keys parameter with (aws ssm put-parameter --key-id)."
  value       = module.api_keys_kms.alias_name
}

output "api_keys_kms_key_arn" {
  description = "KMS key of the API keys parameter."
  value       = module.api_keys_kms.arn
}

output "web_acl_arn" {
  description = "WAF web ACL ARN (null when WAF is off)."
  value       = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null
}
