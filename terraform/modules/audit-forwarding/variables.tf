variable "name" {
  description = "Name prefix for the forwarding rule, its role and its dead-letter queue."
  type        = string
}

variable "target_bus_arn" {
  description = "ARN of the event bus in the security/audit account that receives a copy of every event; null turns forwarding off (nothing is created)."
  type        = string
  default     = null

  validation {
    condition     = var.target_bus_arn == null || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", var.target_bus_arn))
    error_message = "target_bus_arn must be an EventBridge bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME) or null."
  }
}

variable "source_bus_name" {
  description = "Name of this platform's bus, whose events are forwarded."
  type        = string
}

variable "event_pattern" {
  description = "Which events are forwarded (JSON EventBridge pattern); default: everything orderflow publishes."
  type        = string
  default     = "{\"source\":[{\"prefix\":\"orderflow.\"}]}"
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the forwarding dead-letter queue (the messaging key EventBridge may use)."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when an event could not be forwarded (the ops topic)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
