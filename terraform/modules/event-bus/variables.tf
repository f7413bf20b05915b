variable "name" {
  description = "Name of the custom EventBridge bus (topology.yaml `bus`)."
  type        = string
}

variable "archive_retention_days" {
  description = "Days the archive keeps every event for replay (0 = forever)."
  type        = number
  default     = 30

  validation {
    condition     = var.archive_retention_days >= 0
    error_message = "archive_retention_days must be 0 (forever) or more."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the messaging KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
