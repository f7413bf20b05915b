variable "tables" {
  description = "Tables keyed by logical name with their physical name (topology module output `tables`)."
  type = map(object({
    table = string
  }))
}

variable "deletion_protection" {
  description = "Refuse to delete tables (turn off deliberately before destroying an environment)."
  type        = bool
  default     = true
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the table KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
