output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ECS service ARN."
  value       = aws_ecs_service.this.id
}

output "task_definition_family" {
  description = "Task definition family."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "Task definition revision Terraform registered."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "The task role (the application)."
  value       = aws_iam_role.task.arn
}

output "task_role_id" {
  description = "The task role's name (the caller attaches its policy to it)."
  value       = aws_iam_role.task.id
}

output "execution_role_arn" {
  description = "The execution role (the ECS agent)."
  value       = aws_iam_role.execution.arn
}

output "execution_role_id" {
  description = "The execution role's name (for a caller's extra inline policy)."
  value       = aws_iam_role.execution.id
}

output "log_group_name" {
  description = "CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}
