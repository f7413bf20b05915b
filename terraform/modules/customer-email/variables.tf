variable "sender_address" {
  description = "The From address of customer email (ORDERFLOW_EMAIL_SENDER), e.g. orders@shop.example."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.sender_address))
    error_message = "sender_address must be an email address."
  }
}

variable "identity" {
  description = "The SES identity that sends: the sender address itself (null) or its domain (verified by DKIM)."
  type        = string
  default     = null

  validation {
    condition     = var.identity == null || can(regex("^[A-Za-z0-9.@_-]+$", var.identity))
    error_message = "identity must be an email address or a domain name."
  }
}

variable "configuration_set_name" {
  description = "Name of the SES configuration set every customer message is sent with (ORDERFLOW_EMAIL_CONFIGURATION_SET)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.configuration_set_name))
    error_message = "A configuration set name is 1-64 of A-Z a-z 0-9 _ -."
  }
}

variable "ops_topic_arn" {
  description = "SNS topic SES publishes bounce and complaint events to (the ops topic; its policy and key must admit ses.amazonaws.com)."
  type        = string
}

variable "ops_event_types" {
  description = "SES event types sent to the ops topic."
  type        = list(string)
  default     = ["BOUNCE", "COMPLAINT", "REJECT", "RENDERING_FAILURE"]

  validation {
    condition = alltrue([for t in var.ops_event_types : contains(
      ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK", "RENDERING_FAILURE", "DELIVERY_DELAY", "SUBSCRIPTION"], t
    )])
    error_message = "Each event type must be one SES knows (BOUNCE, COMPLAINT, REJECT, ...)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
