variable "name" {
  description = "Name of the topic and of its KMS key alias (usually {prefix}-customer-notifications)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "An SNS topic name is 1-256 of A-Z a-z 0-9 _ -."
  }
}

variable "display_name" {
  description = "Display name of the topic: the sender name of email deliveries (SMS shows its first 10 characters)."
  type        = string
  default     = "orderflow"

  validation {
    condition     = length(var.display_name) <= 100
    error_message = "display_name is at most 100 characters."
  }
}

variable "publisher_role_arns" {
  description = "IAM roles that may publish (the notification worker's task role); the topic policy refuses everyone else. Give them publisher_policy_statements."
  type        = list(string)

  validation {
    condition     = length(var.publisher_role_arns) > 0
    error_message = "The topic needs at least one publisher role."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the topic's KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
