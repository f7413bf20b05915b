variable "service" {
  description = "Logical service name (the key in topology.yaml `services`): the Service dimension of the worker's EMF metrics."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the alarm names ({prefix}-{service}-...)."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the runtime's EMF metrics (orderflow.observability.Metrics.NAMESPACE)."
  type        = string
  default     = "Orderflow"
}

variable "queue_name" {
  description = "Name of the service's queue (backlog for the scaling-at-max alarm)."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (Container Insights task counts)."
  type        = string
}

variable "ecs_service_name" {
  description = "ECS service name of the worker (Container Insights task counts)."
  type        = string
}

variable "scaling" {
  description = "The service's scaling from the topology: maxTasks and the backlog-per-task target derived from its latency goal."
  type = object({
    max_tasks               = number
    target_backlog_per_task = number
  })

  validation {
    condition     = var.scaling.max_tasks >= 1 && var.scaling.target_backlog_per_task >= 1
    error_message = "Need max_tasks >= 1 and target_backlog_per_task >= 1."
  }
}

variable "latency_goal_seconds" {
  description = "The topology's scaling.latencyGoalSeconds: how long a message may wait before it is handled (the message-age alarm's threshold)."
  type        = number

  validation {
    condition     = var.latency_goal_seconds > 0
    error_message = "latency_goal_seconds must be greater than 0."
  }
}

variable "handler_latency_p99_threshold_seconds" {
  description = "Alarm when the handler p99 latency exceeds this; the environment passes the queue's visibility timeout, which the topology says exceeds the slowest handler's p99."
  type        = number

  validation {
    condition     = var.handler_latency_p99_threshold_seconds > 0
    error_message = "handler_latency_p99_threshold_seconds must be greater than 0."
  }
}

variable "error_rate_threshold_percent" {
  description = "Alarm when more than this percentage of handled messages fail (retry, rejection or error)."
  type        = number
  default     = 5

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent < 100
    error_message = "error_rate_threshold_percent must be between 0 and 100."
  }
}

variable "error_rate_min_messages" {
  description = "Minutes with fewer handled messages than this count as a 0% error rate (one failure among three messages is not an incident)."
  type        = number
  default     = 10
}

variable "scaling_at_max_minutes" {
  description = "Consecutive minutes at maxTasks with backlog per task above target before the alarm fires."
  type        = number
  default     = 10

  validation {
    condition     = var.scaling_at_max_minutes >= 1 && floor(var.scaling_at_max_minutes) == var.scaling_at_max_minutes
    error_message = "scaling_at_max_minutes must be a whole number of at least 1."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (alarm and OK)."
  type        = string
}

variable "tags" {
  description = "Tags for every alarm."
  type        = map(string)
  default     = {}
}
