# The ops SNS topic every alarm notifies, the dashboard generated from the topology, and the
# API's own alarms (5xx, p99 latency). Per-queue alarms live with each queue (service-queue
# module), per-worker ones with each worker (worker-alarms module).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.id
}

# CloudWatch alarms (and SES bounce/complaint events) publish to an encrypted topic only if the key lets them.
module "kms" {
  source = "../kms-key"

  description             = "orderflow ${var.name}: ops alarm topic"
  alias_name              = "alias/${var.name}-ops"
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
  service_statements = [
    {
      sid        = "CloudWatchAlarmsPublish"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      service    = "cloudwatch.amazonaws.com"
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
    },
    {
      sid        = "SesEventsPublish" # customer-email: bounce and complaint events
      actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      service    = "ses.amazonaws.com"
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
    },
  ]
}

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}

resource "aws_sns_topic" "ops" {
  name              = "${var.name}-ops"
  display_name      = "orderflow ${var.name} alarms"
  kms_master_key_id = module.kms.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "ops" {
  statement {
    sid       = "CloudWatchAlarmsFromThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.ops.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "ses.amazonaws.com"] # SES: customer-email bounces
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "ops" {
  arn    = aws_sns_topic.ops.arn
  policy = data.aws_iam_policy_document.ops.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.ops_email_addresses)

  topic_arn = aws_sns_topic.ops.arn
  protocol  = "email"
  endpoint  = each.value
}

module "dashboard" {
  source = "../dashboard"

  region       = local.region
  cluster_name = var.cluster_name
  services     = var.services
  api          = var.api
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = module.dashboard.body
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The order API answered more than ${var.api_5xx_alarm_threshold} 5xx per minute (targets or the ALB itself)."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.api_5xx_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.ops.arn]
  ok_actions          = [aws_sns_topic.ops.arn]
  tags                = var.tags

  metric_query {
    id          = "target"
    return_data = false

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.api.load_balancer_arn_suffix, TargetGroup = var.api.target_group_arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id          = "elb"
    return_data = false

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.api.load_balancer_arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id          = "total"
    label       = "API 5xx per minute"
    expression  = "FILL(target, 0) + FILL(elb, 0)"
    return_data = true
  }
}

# TargetResponseTime is measured by the load balancer from the request leaving it to the answer
# coming back from the task: the API's latency as its callers see it, minus the network.
resource "aws_cloudwatch_metric_alarm" "api_latency" {
  alarm_name          = "${var.name}-api-latency-p99"
  alarm_description   = "The order API's p99 response time (ALB TargetResponseTime) was above ${var.api_p99_latency_alarm_seconds}s for 3 of 5 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = var.api.load_balancer_arn_suffix, TargetGroup = var.api.target_group_arn_suffix }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.api_p99_latency_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.ops.arn]
  ok_actions          = [aws_sns_topic.ops.arn]
  tags                = var.tags
}
