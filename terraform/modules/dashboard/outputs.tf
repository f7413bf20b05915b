output "body" {
  description = "The CloudWatch dashboard body (JSON)."
  value       = jsonencode({ widgets = local.widgets })
}

output "widget_titles" {
  description = "Metric widget titles keyed by service, plus \"api\", for tests and documentation."
  value = merge(
    { for name, row in local.service_rows : name => [for w in row : w.title] },
    { api = [for w in local.api_row : w.title] },
  )
}
