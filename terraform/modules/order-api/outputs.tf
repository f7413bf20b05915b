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
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ECS service ARN of the API."
  value       = aws_ecs_service.this.id
}

output "task_definition_family" {
  description = "Task definition family of the API."
  value       = aws_ecs_task_definition.this.family
}

output "task_role_arn" {
  description = "The API's task role."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "The API's execution role."
  value       = aws_iam_role.execution.arn
}

output "web_acl_arn" {
  description = "WAF web ACL ARN (null when WAF is off)."
  value       = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null
}
