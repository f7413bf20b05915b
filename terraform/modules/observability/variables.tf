variable "name" {
  description = "Name of the dashboard and prefix of the ops topic and alarms."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (Container Insights task counts)."
  type        = string
}

variable "services" {
  description = "Queue consumers keyed by service name: their queue, DLQ and ECS service names, and the topology's max tasks, backlog-per-task target and latency goal (dashboard reference lines)."
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
  description = "The order API's load balancer and target group ARN suffixes."
  type = object({
    load_balancer_arn_suffix = string
    target_group_arn_suffix  = string
  })
}

variable "api_5xx_alarm_threshold" {
  description = "Alarm when the API answers more 5xx than this per minute, for 3 of 5 minutes."
  type        = number
  default     = 5
}

variable "api_p99_latency_alarm_seconds" {
  description = "Alarm when the API's p99 response time (ALB TargetResponseTime) exceeds this many seconds, for 3 of 5 minutes."
  type        = number
  default     = 1

  validation {
    condition     = var.api_p99_latency_alarm_seconds > 0
    error_message = "api_p99_latency_alarm_seconds must be greater than 0."
  }
}

variable "ops_email_addresses" {
  description = "Email addresses subscribed to the ops topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the ops topic KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
