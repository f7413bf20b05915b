# The API's and the workers' task and service resources moved into the shared ecs-service module
# (module.core) without being replaced. Both modules held the same seven resources under the same
# addresses, so this one file says it for both: terraform/modules/order-api/moved_into_core.tf is a
# link to it. `make check-refactor` proves the move (0 to destroy, 0 to replace).

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.core.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.execution
  to   = module.core.aws_iam_role.execution
}

moved {
  from = aws_iam_role_policy_attachment.execution
  to   = module.core.aws_iam_role_policy_attachment.execution
}

moved {
  from = aws_iam_role.task
  to   = module.core.aws_iam_role.task
}

moved {
  from = aws_ecs_task_definition.this
  to   = module.core.aws_ecs_task_definition.this
}

moved {
  from = aws_ecs_service.this
  to   = module.core.aws_ecs_service.this
}

moved {
  from = module.otel_collector
  to   = module.core.module.otel_collector
}
