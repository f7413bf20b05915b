variable "service" {
  description = "Logical service name (the key in topology.yaml `services`)."
  type        = string
}

variable "queue_name" {
  description = "Name of the service's queue ({prefix}-{service})."
  type        = string
}

variable "dlq_name" {
  description = "Name of the service's dead-letter queue ({prefix}-{service}-dlq)."
  type        = string
}

variable "queue" {
  description = "Queue settings from the topology module (visibility timeout, maxReceiveCount, retention, DLQ retention, long-poll wait)."
  type = object({
    visibility_timeout_seconds = number
    max_receive_count          = number
    retention_seconds          = number
    dlq_retention_seconds      = number
    wait_time_seconds          = number
  })

  validation {
    condition     = var.queue.dlq_retention_seconds > var.queue.retention_seconds
    error_message = "The DLQ must keep messages longer than the queue: a message keeps its original age when it moves."
  }
}

variable "delivery" {
  description = "EventBridge-to-SQS retry policy from the topology (before an undeliverable event goes to the target DLQ)."
  type = object({
    maximum_retry_attempts    = number
    maximum_event_age_seconds = number
  })
}

variable "rules" {
  description = "The service's subscriptions keyed by subscription name: rule name and event pattern JSON (topology module output services[*].rules)."
  type = map(object({
    name          = string
    event_pattern = string
  }))

  validation {
    condition     = length(var.rules) > 0
    error_message = "A service needs at least one subscription; otherwise nothing ever fills its queue."
  }
}

variable "description" {
  description = "What the service does (used as the rules' description)."
  type        = string
  default     = ""
}

variable "bus_name" {
  description = "Name of the EventBridge bus the rules listen on."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for queue and DLQ encryption; its key policy must let events.amazonaws.com use it."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (alarm and OK)."
  type        = string
}

variable "oldest_message_age_alarm_seconds" {
  description = "Alarm when the oldest visible message is older than this: the service is not keeping up."
  type        = number
  default     = 900
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
