variable "description" {
  description = "What the key encrypts (shown in the KMS console)."
  type        = string
}

variable "alias_name" {
  description = "The alias, e.g. \"alias/orderflow-dev-ops\" (or set alias_name_prefix instead)."
  type        = string
  default     = null
}

variable "alias_name_prefix" {
  description = "An alias prefix AWS completes with a unique suffix, e.g. \"alias/orderflow-tables-\" (when alias_name is null)."
  type        = string
  default     = null

  validation {
    condition     = var.alias_name_prefix == null || can(regex("^alias/", coalesce(var.alias_name_prefix, "-")))
    error_message = "alias_name_prefix starts with \"alias/\"."
  }
}

variable "service_statements" {
  description = "Key policy statements that let AWS services use the key (besides the account's administration): sid, actions, the service principal, and conditions that bind it (e.g. aws:SourceAccount)."
  type = list(object({
    sid     = string
    actions = list(string)
    service = string
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.service_statements : s.sid != "AccountAdministration" && length(s.conditions) > 0])
    error_message = "Every service statement has its own sid and at least one condition binding the service to this account or resource."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period before the key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
