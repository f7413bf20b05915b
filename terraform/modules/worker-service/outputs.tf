output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ECS service ARN."
  value       = aws_ecs_service.this.id
}

output "task_definition_family" {
  description = "Task definition family (the deploy workflow renders its latest revision with the new image)."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "Task definition revision Terraform registered."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Container name inside the task definition (amazon-ecs-render-task-definition needs it)."
  value       = var.service
}

output "task_role_arn" {
  description = "The worker's least-privilege task role."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "The ECS agent's execution role."
  value       = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "CloudWatch log group (JSON logs and EMF metrics)."
  value       = aws_cloudwatch_log_group.this.name
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
