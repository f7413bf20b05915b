variable "region" {
  description = "AWS region the metrics live in."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (Container Insights task counts)."
  type        = string
}

variable "services" {
  description = "Queue consumers keyed by service name: their queue, DLQ and ECS service names, and the topology's scaling numbers the panels draw as reference lines (max tasks, backlog-per-task target, latency goal)."
  type = map(object({
    queue_name              = string
    dlq_name                = string
    ecs_service_name        = string
    max_tasks               = number
    target_backlog_per_task = number
    latency_goal_seconds    = number
  }))
}

variable "api" {
  description = "The order API's load balancer and target group ARN suffixes (CloudWatch dimensions)."
  type = object({
    load_balancer_arn_suffix = string
    target_group_arn_suffix  = string
  })
}

variable "metric_namespace" {
  description = "Namespace of the workers' Embedded Metric Format metrics (docs/runtime-contract.md)."
  type        = string
  default     = "Orderflow"
}
