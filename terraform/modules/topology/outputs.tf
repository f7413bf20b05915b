output "services" {
  description = "Queue consumers keyed by service name, defaults merged: names, queue, scaling (min/max tasks, latency goal, seconds per message and the backlog-per-task target derived from them) and delivery settings, subscriptions and table access."
  value       = local.services

  precondition {
    condition     = length(local.problems) == 0
    error_message = "The topology file ${var.topology_path} is invalid:\n  - ${join("\n  - ", local.problems)}"
  }
}

output "subscriptions" {
  description = "One entry per (service, subscription), keyed \"service/subscription\": the rule name and its event pattern as JSON."
  value       = local.subscriptions
}

output "tables" {
  description = "DynamoDB tables keyed by logical name, with their physical name, writers and readers."
  value       = local.tables
}

output "api" {
  description = "The order API's settings: events it publishes, scaling limits, tables it writes and reads."
  value       = local.api
}

output "bus_name" {
  description = "The EventBridge bus name from the topology."
  value       = local.bus
}

output "resource_prefix" {
  description = "The prefix every derived name uses (echoed so callers read names from one place)."
  value       = var.resource_prefix
}

output "problems" {
  description = "Validation problems found in the file (empty when valid); output \"services\" fails when this is not empty."
  value       = local.problems
}
