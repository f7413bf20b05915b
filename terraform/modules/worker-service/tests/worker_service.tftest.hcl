# Plan-level tests with the real AWS provider's schema and a mocked API (`terraform test` here,
# or pytest tests/infra/test_terraform_module_tests.py). The payment service of the repository's
# topology.yaml, read by the topology module, is the input: what is asserted is what it says.
# Assertions name only this module's own scaling resources and task policy, not where the ECS
# service and roles live, so moving those into a shared submodule keeps the tests true.

mock_provider "aws" {
  # Mocked computed values (ARNs) are known at plan, so assertions can compare them.
  override_during = plan

  # Data sources the module reads at plan time: realistic values, which the provider validates.
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:root", user_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/orderflow-test-payment" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/orderflow-test-payment:1" }
  }
  mock_resource "aws_ecs_service" {
    defaults = { id = "arn:aws:ecs:us-east-1:123456789012:service/orderflow-test/orderflow-test-payment" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/orderflow/orderflow-test-payment" }
  }
  mock_resource "aws_appautoscaling_policy" {
    defaults = { arn = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:00000000-0000-0000-0000-000000000001:resource/ecs/service/orderflow-test/orderflow-test-payment:policyName/orderflow-test-payment-scale-out-from-zero" }
  }
}

run "topology" {
  command = apply

  module {
    source = "../topology"
  }

  variables {
    topology_path   = "../../../topology.yaml"
    resource_prefix = "orderflow-test"
  }
}

run "payment_worker" {
  command = plan

  variables {
    service               = "payment"
    name_prefix           = "orderflow-test"
    image                 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orderflow:test"
    cluster_name          = "orderflow-test"
    cluster_arn           = "arn:aws:ecs:us-east-1:123456789012:cluster/orderflow-test"
    vpc_id                = "vpc-0123456789abcdef0"
    subnet_ids            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    queue_arn             = "arn:aws:sqs:us-east-1:123456789012:${run.topology.services["payment"].queue_name}"
    queue_name            = run.topology.services["payment"].queue_name
    messaging_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000a"
    bus_arn               = "arn:aws:events:us-east-1:123456789012:event-bus/orderflow-test-orderflow"
    tables_written        = { for t in run.topology.services["payment"].tables_written : t => "arn:aws:dynamodb:us-east-1:123456789012:table/orderflow-test-${t}" }
    tables_read           = { for t in run.topology.services["payment"].tables_read : t => "arn:aws:dynamodb:us-east-1:123456789012:table/orderflow-test-${t}" }
    data_kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000b"
    logs_kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000c"
    scaling               = run.topology.services["payment"].scaling
  }

  # ---------------------------------------------------------------- scaling from the topology

  assert {
    condition = (
      aws_appautoscaling_target.this.min_capacity == run.topology.services["payment"].scaling.min_tasks &&
      aws_appautoscaling_target.this.max_capacity == run.topology.services["payment"].scaling.max_tasks &&
      aws_appautoscaling_target.this.resource_id == "service/orderflow-test/orderflow-test-payment"
    )
    error_message = "The scaling target is the service's, with the topology's minTasks and maxTasks."
  }

  assert {
    condition = (
      aws_appautoscaling_policy.backlog_per_task.policy_type == "TargetTrackingScaling" &&
      one(aws_appautoscaling_policy.backlog_per_task.target_tracking_scaling_policy_configuration).target_value == run.topology.services["payment"].scaling.target_backlog_per_task
    )
    error_message = "Target tracking holds backlog per task at the topology's target (latency goal / seconds per message)."
  }

  assert {
    condition = (
      one(aws_appautoscaling_policy.backlog_per_task.target_tracking_scaling_policy_configuration).scale_out_cooldown == run.topology.services["payment"].scaling.scale_out_cooldown_seconds &&
      one(aws_appautoscaling_policy.backlog_per_task.target_tracking_scaling_policy_configuration).scale_in_cooldown == run.topology.services["payment"].scaling.scale_in_cooldown_seconds
    )
    error_message = "Cooldowns come from the topology."
  }

  assert {
    condition = [
      for m in one(one(aws_appautoscaling_policy.backlog_per_task.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics :
      m.expression if m.return_data
    ] == ["visible / running"]
    error_message = "The tracked metric is visible messages divided by running tasks."
  }

  assert {
    condition = anytrue([
      for m in one(one(aws_appautoscaling_policy.backlog_per_task.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics :
      m.id == "visible" && one(one(m.metric_stat).metric).metric_name == "ApproximateNumberOfMessagesVisible" &&
      one(one(one(m.metric_stat).metric).dimensions).value == run.topology.services["payment"].queue_name
    ])
    error_message = "Backlog is read from the service's own queue."
  }

  assert {
    condition = (
      aws_appautoscaling_policy.scale_out_from_zero.policy_type == "StepScaling" &&
      aws_appautoscaling_policy.scale_out_from_zero.resource_id == aws_appautoscaling_target.this.resource_id &&
      one(one(aws_appautoscaling_policy.scale_out_from_zero.step_scaling_policy_configuration).step_adjustment).scaling_adjustment == 1
    )
    error_message = "A step policy adds one task to wake the service from zero."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.scale_out_from_zero.alarm_actions == toset([aws_appautoscaling_policy.scale_out_from_zero.arn])
    error_message = "The messages-but-no-tasks alarm triggers the wake-from-zero policy."
  }

  # ---------------------------------------------------------------- least-privilege task role

  assert {
    condition     = aws_iam_role_policy.task.policy == data.aws_iam_policy_document.task.json
    error_message = "The task role's policy is the document asserted on below."
  }

  assert {
    condition = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "ConsumeOwnQueue"]) == toset([
      "arn:aws:sqs:us-east-1:123456789012:${run.topology.services["payment"].queue_name}"
    ])
    error_message = "The task role reads only the service's own queue."
  }

  assert {
    condition = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "WriteOwnTables"]) == toset(flatten([
      for t in run.topology.services["payment"].tables_written : [
        "arn:aws:dynamodb:us-east-1:123456789012:table/orderflow-test-${t}",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orderflow-test-${t}/index/*",
      ]
    ]))
    error_message = "The task role writes only the service's own tables (and their indexes)."
  }

  assert {
    condition = alltrue(flatten([for s in data.aws_iam_policy_document.task.statement : [
      for r in s.resources : contains(concat(
        [var.queue_arn, var.messaging_kms_key_arn, var.bus_arn, var.data_kms_key_arn, "arn:aws:ecs:us-east-1:123456789012:task/orderflow-test/*"],
        flatten([for arn in values(merge(var.tables_written, var.tables_read)) : [arn, "${arn}/index/*"]]),
      ), r)
    ]]))
    error_message = "Every resource the task role names is the service's queue, key, bus, table or task."
  }

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.task.statement : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "No wildcard actions in the task role."
  }
}
