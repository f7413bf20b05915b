# One queue consumer on Fargate: its least-privilege task policy, container and security group on the
# shared Fargate core (ecs-service: task definition, service, task and execution roles, log group),
# and autoscaling on backlog per task (with a step policy to wake from zero).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name       = "${var.name_prefix}-${var.service}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  tags       = merge(var.tags, { "orderflow:service" = var.service })

  environment = merge(var.environment, {
    ORDERFLOW_LOG_FORMAT                = "json"
    ORDERFLOW_HEARTBEAT_DIR             = "/tmp"
    ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS = tostring(var.shutdown_deadline_seconds)
  })

  table_arns_written = values(var.tables_written)
  table_arns_read    = values(var.tables_read)
}

# ---------------------------------------------------------------- task role's policy (the application)

data "aws_iam_policy_document" "task" {
  statement {
    sid = "ConsumeOwnQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]
    resources = [var.queue_arn]
  }

  # Messages in SSE-KMS queues are decrypted with the caller's permission.
  statement {
    sid       = "DecryptOwnQueue"
    actions   = ["kms:Decrypt"]
    resources = [var.messaging_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "PublishOutcomes"
    actions   = ["events:PutEvents"]
    resources = [var.bus_arn]
  }

  dynamic "statement" {
    for_each = length(local.table_arns_written) > 0 ? [1] : []

    content {
      sid = "WriteOwnTables"
      actions = [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]
      resources = concat(local.table_arns_written, [for arn in local.table_arns_written : "${arn}/index/*"])
    }
  }

  dynamic "statement" {
    for_each = length(local.table_arns_read) > 0 ? [1] : []

    content {
      sid = "ReadSharedTables"
      actions = [
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:Query",
      ]
      resources = concat(local.table_arns_read, [for arn in local.table_arns_read : "${arn}/index/*"])
    }
  }

  dynamic "statement" {
    for_each = length(local.table_arns_written) + length(local.table_arns_read) > 0 ? [1] : []

    content {
      sid       = "UseTableKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [var.data_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # What this service alone uses beyond its queue, the bus and its tables (the notification
  # worker's SNS topic, say): exact actions on exact ARNs, given by the caller per service.
  dynamic "statement" {
    for_each = var.extra_task_policy_statements

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  # Scale-in protection while busy. Task ids are unknown in advance, so the ARN is the cluster's
  # tasks and the tag (propagated from this service) narrows it to this service's own tasks.
  statement {
    sid       = "ProtectOwnTasks"
    actions   = ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${var.cluster_name}/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/orderflow:service"
      values   = [var.service]
    }
  }
}

# The task role is the core's; its one policy, written above, is this module's.
resource "aws_iam_role_policy" "task" {
  name   = "least-privilege"
  role   = module.core.task_role_id
  policy = data.aws_iam_policy_document.task.json
}

# ---------------------------------------------------------------- task definition and service

module "core" {
  source = "../ecs-service"

  name           = local.name
  image          = var.image
  cpu            = var.cpu
  memory         = var.memory
  container_name = var.service
  command        = ["worker", var.service]
  container_user = var.container_user
  environment    = local.environment
  container_settings = {
    # ECS's maximum: the worker drains within ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS, before SIGKILL.
    stopTimeout = 120
    healthCheck = {
      command     = ["CMD", "orderflow", "health", var.service]
      interval    = 30
      timeout     = 10
      retries     = 3
      startPeriod = 60
    }
  }
  log_stream_prefix          = "worker"
  log_retention_days         = var.log_retention_days
  logs_kms_key_arn           = var.logs_kms_key_arn
  execution_role_description = "ECS agent for ${local.name}: pull the image, write logs. Never used by the application."
  task_role_description      = "orderflow ${var.service} worker: its own queue, its own tables, PutEvents on the bus, protection of its own tasks, and its extra statements (if any)."
  cluster_arn                = var.cluster_arn
  desired_count              = var.scaling.min_tasks
  subnet_ids                 = var.subnet_ids
  security_group_ids         = [aws_security_group.this.id]
  tags                       = local.tags
}

resource "aws_security_group" "this" {
  name        = "${local.name}-task"
  description = "orderflow ${var.service} worker tasks: no inbound, HTTPS out to AWS APIs"
  vpc_id      = var.vpc_id
  tags        = local.tags

  egress {
    description = "HTTPS to AWS APIs (VPC endpoints or NAT)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = var.egress_cidr_blocks
  }
}

# ---------------------------------------------------------------- autoscaling

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${module.core.service_name}"
  min_capacity       = var.scaling.min_tasks
  max_capacity       = var.scaling.max_tasks
  tags               = local.tags
}

# Backlog per task = visible messages / running tasks, held at the topology's target.
resource "aws_appautoscaling_policy" "backlog_per_task" {
  name               = "${local.name}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling.target_backlog_per_task
    scale_in_cooldown  = var.scaling.scale_in_cooldown_seconds
    scale_out_cooldown = var.scaling.scale_out_cooldown_seconds

    customized_metric_specification {
      metrics {
        id          = "visible"
        label       = "Messages waiting in ${var.queue_name}"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"

            dimensions {
              name  = "QueueName"
              value = var.queue_name
            }
          }
        }
      }

      metrics {
        id          = "running"
        label       = "Running tasks of ${local.name}"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }

            dimensions {
              name  = "ServiceName"
              value = module.core.service_name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Backlog per task"
        expression  = "visible / running"
        return_data = true
      }
    }
  }
}

# Target tracking cannot divide by zero running tasks, so a queue with messages and no tasks
# would wait forever when minTasks is 0: this step policy adds the first task.
resource "aws_appautoscaling_policy" "scale_out_from_zero" {
  name               = "${local.name}-scale-out-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scaling.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "scale_out_from_zero" {
  alarm_name          = "${local.name}-messages-but-no-tasks"
  alarm_description   = "Scaling signal (not a page): ${var.queue_name} has messages and ${local.name} runs no task."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_out_from_zero.arn]
  tags                = local.tags

  metric_query {
    id          = "visible"
    return_data = false

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.queue_name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id          = "running"
    return_data = false

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = module.core.service_name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id          = "wake"
    label       = "Messages waiting with no running task"
    expression  = "IF(visible > 0 AND FILL(running, 0) < 1, 1, 0)"
    return_data = true
  }
}
