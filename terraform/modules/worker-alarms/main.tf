# The alarms that say one queue consumer is unwell, from the metrics its runtime emits (EMF,
# namespace "Orderflow", dimension Service = the topology's service name: orderflow/observability.py)
# and from SQS and Container Insights: failing messages, slow handlers, messages waiting longer
# than the queue's latency goal, and autoscaling out of room. Each notifies the ops topic.

locals {
  name = "${var.name_prefix}-${var.service}"
  tags = merge(var.tags, { "orderflow:service" = var.service })

  # Every alarm here pages through the ops topic, and says so again when it clears.
  actions = [var.alarm_topic_arn]
}

# MessagesFailed counts every message whose handling ended in a retry, a rejection or an error
# (workers/runtime/worker.py); MessagesProcessed the ones handled. Below the minimum volume a
# single failure would read as a huge rate, so the expression reports 0 there.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${local.name}-error-rate"
  alarm_description   = "${var.service}: more than ${var.error_rate_threshold_percent}% of handled messages failed (MessagesFailed / (MessagesProcessed + MessagesFailed)), for 3 of 5 minutes. Read the worker's handler_failed logs."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags

  metric_query {
    id          = "failed"
    return_data = false

    metric {
      namespace   = var.metric_namespace
      metric_name = "MessagesFailed"
      dimensions  = { Service = var.service }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id          = "processed"
    return_data = false

    metric {
      namespace   = var.metric_namespace
      metric_name = "MessagesProcessed"
      dimensions  = { Service = var.service }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id          = "error_rate"
    label       = "Failed messages (% of handled)"
    expression  = "IF(FILL(processed, 0) + FILL(failed, 0) >= ${var.error_rate_min_messages}, 100 * FILL(failed, 0) / (FILL(processed, 0) + FILL(failed, 0)), 0)"
    return_data = true
  }
}

# The topology states that the visibility timeout exceeds the slowest handler's p99; past it, the
# runtime's heartbeat is all that stops a second delivery. This alarm says the statement broke.
resource "aws_cloudwatch_metric_alarm" "handler_latency" {
  alarm_name          = "${local.name}-handler-latency-p99"
  alarm_description   = "${var.service}: handler p99 latency above ${var.handler_latency_p99_threshold_seconds}s (the queue's visibility timeout) for 3 of 5 minutes. A dependency is slow, or the timeout is too short."
  namespace           = var.metric_namespace
  metric_name         = "HandlerLatency"
  dimensions          = { Service = var.service }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.handler_latency_p99_threshold_seconds * 1000 # the runtime emits milliseconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags
}

# MessageAge is how long a message waited in the queue before its handler started (from SQS's
# SentTimestamp): the latency the topology's scaling.latencyGoalSeconds promises.
resource "aws_cloudwatch_metric_alarm" "message_age" {
  alarm_name          = "${local.name}-message-age-p99"
  alarm_description   = "${var.service}: p99 message age above the latency goal of ${var.latency_goal_seconds}s for 3 of 5 minutes. Scaling is not keeping up (see the scaling-at-max alarm) or handlers are slower than secondsPerMessage."
  namespace           = var.metric_namespace
  metric_name         = "MessageAge"
  dimensions          = { Service = var.service }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.latency_goal_seconds * 1000 # the runtime emits milliseconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags
}

# Autoscaling can do no more: desired tasks at maxTasks while the backlog per task still exceeds
# the target. Written without a division (visible > target x running) so zero running tasks
# (none started yet, or all crashing) still counts.
resource "aws_cloudwatch_metric_alarm" "scaling_at_max" {
  alarm_name          = "${local.name}-scaling-at-max"
  alarm_description   = "${var.service}: ${var.scaling.max_tasks} tasks (maxTasks) and still more than ${var.scaling.target_backlog_per_task} messages waiting per task, for ${var.scaling_at_max_minutes} minutes. Raise maxTasks in topology.yaml or find what slows the handlers."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.scaling_at_max_minutes
  datapoints_to_alarm = var.scaling_at_max_minutes
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags

  metric_query {
    id          = "desired"
    return_data = false

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = var.ecs_service_name }
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
      dimensions  = { ClusterName = var.cluster_name, ServiceName = var.ecs_service_name }
      stat        = "Average"
      period      = 60
    }
  }

  metric_query {
    id          = "visible"
    return_data = false

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.queue_name }
      stat        = "Average"
      period      = 60
    }
  }

  metric_query {
    id          = "at_max"
    label       = "At maxTasks with backlog per task above target"
    expression  = "IF(FILL(desired, 0) >= ${var.scaling.max_tasks} AND FILL(visible, 0) > ${var.scaling.target_backlog_per_task} * FILL(running, 0), 1, 0)"
    return_data = true
  }
}
