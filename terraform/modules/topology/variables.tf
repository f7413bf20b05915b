variable "topology_path" {
  description = "Path to topology.yaml, the one file that says which service hears which events and how its queue and scaling behave."
  type        = string

  validation {
    condition     = fileexists(var.topology_path)
    error_message = "topology_path must point to an existing file (the repository's topology.yaml)."
  }
}

variable "resource_prefix" {
  description = "Prefix of every derived name, as ORDERFLOW_RESOURCE_PREFIX: queue {prefix}-{service}, DLQ {prefix}-{service}-dlq, rule {prefix}-{service}-{subscription}, table {prefix}-{table}."
  type        = string
  default     = "orderflow"

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.resource_prefix))
    error_message = "resource_prefix must be 1-40 characters of letters, digits and '-' (the same rule as ORDERFLOW_RESOURCE_PREFIX)."
  }
}
