output "service_name" {
  description = "ECS service name."
  value       = module.core.service_name
}

output "service_arn" {
  description = "ECS service ARN."
  value       = module.core.service_arn
}

output "task_definition_family" {
  description = "Task definition family (the deploy workflow renders its latest revision with the new image)."
  value       = module.core.task_definition_family
}

output "task_definition_arn" {
  description = "Task definition revision Terraform registered."
  value       = module.core.task_definition_arn
}

output "container_name" {
  description = "Container name inside the task definition (amazon-ecs-render-task-definition needs it)."
  value       = var.service
}

output "task_role_arn" {
  description = "The worker's least-privilege task role."
  value       = module.core.task_role_arn
}

output "execution_role_arn" {
  description = "The ECS agent's execution role."
  value       = module.core.execution_role_arn
}

output "log_group_name" {
  description = "CloudWatch log group (JSON logs and EMF metrics)."
  value       = module.core.log_group_name
}

output "security_group_id" {
  description = "Security group of the worker tasks."
  value       = aws_security_group.this.id
}

output "autoscaling_policy_arns" {
  description = "Target-tracking and scale-from-zero policy ARNs."
  value = {
    backlog_per_task    = aws_appautoscaling_policy.backlog_per_task.arn
    scale_out_from_zero = aws_appautoscaling_policy.scale_out_from_zero.arn
  }
}
