output "ops_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.ops.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "widget_titles" {
  description = "Dashboard widget titles keyed by service, plus \"api\"."
  value       = module.dashboard.widget_titles
}
