output "alarm_names" {
  description = "The service's alarm names keyed by what they watch: error_rate, handler_latency, message_age, scaling_at_max."
  value = {
    error_rate      = aws_cloudwatch_metric_alarm.error_rate.alarm_name
    handler_latency = aws_cloudwatch_metric_alarm.handler_latency.alarm_name
    message_age     = aws_cloudwatch_metric_alarm.message_age.alarm_name
    scaling_at_max  = aws_cloudwatch_metric_alarm.scaling_at_max.alarm_name
  }
}

output "alarm_arns" {
  description = "The service's alarm ARNs keyed like alarm_names."
  value = {
    error_rate      = aws_cloudwatch_metric_alarm.error_rate.arn
    handler_latency = aws_cloudwatch_metric_alarm.handler_latency.arn
    message_age     = aws_cloudwatch_metric_alarm.message_age.arn
    scaling_at_max  = aws_cloudwatch_metric_alarm.scaling_at_max.arn
  }
}
