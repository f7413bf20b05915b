# The Fargate core the API and every worker share: log group, execution role (the ECS agent),
# task role (the application; the caller attaches its least-privilege policy), task definition with one hardened
# application container and the ADOT collector sidecar, and the ECS service. What differs — the container's command and extra settings,
# the task role's statements, the network rules, the load balancer, the scaling policies — is
# the caller's.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id

  # The application exports its spans to the collector beside it (the caller's settings win).
  environment = merge(module.otel_collector.application_environment, var.environment)

  # Read-only root filesystem, a task-local scratch /tmp, no Linux capabilities, an init process
  # reaping children, non-root user, JSON logs to the KMS-encrypted group.
  container = merge({
    name                   = var.container_name
    image                  = var.image
    essential              = true
    command                = var.command
    user                   = var.container_user
    readonlyRootFilesystem = true
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = {
      initProcessEnabled = true
      capabilities       = { drop = ["ALL"] }
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = var.log_stream_prefix
      }
    }
  }, var.container_settings)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/orderflow/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

# ---------------------------------------------------------------- roles

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  description        = var.execution_role_description
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  description        = var.task_role_description
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

# ---------------------------------------------------------------- task definition and service

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The root filesystem is read-only; /tmp (heartbeat, scratch) lives on this task-local volume.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([local.container, module.otel_collector.container_definition])

  tags = var.tags
}

# The AWS Distro for OpenTelemetry collector beside the application: spans to X-Ray (docs/tracing.md).
module "otel_collector" {
  source         = "../otel-collector"
  task_role_name = aws_iam_role.task.name
  log_group_name = aws_cloudwatch_log_group.this.name
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.load_balancer == null ? null : var.load_balancer.health_check_grace_period_seconds
  enable_execute_command             = false
  # Tasks inherit the service's tags (a worker's task role relies on them for task protection).
  propagate_tags = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  # The listener ARN in var.load_balancer is what orders this service after the listener: ECS
  # refuses a target group that no listener forwards to.
  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]

    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.container_name
      container_port   = load_balancer.value.container_port
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags

  lifecycle {
    # The deploy workflow owns the running revision (new image per commit) and autoscaling owns
    # the count; Terraform owns everything else (docs/deploy.md, "Who owns task definitions").
    ignore_changes = [task_definition, desired_count]
  }
}
