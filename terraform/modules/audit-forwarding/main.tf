# Optional: a copy of every event to another account's bus (security/audit), off unless
# target_bus_arn is set. EventBridge delivers cross-account through a role it assumes, allowed
# only events:PutEvents on that one bus; what it cannot deliver after its retries goes to a DLQ
# here, with an alarm. The receiving account must allow this account on its bus's policy.

data "aws_caller_identity" "current" {}

locals {
  enabled    = var.target_bus_arn != null
  count      = local.enabled ? 1 : 0
  account_id = data.aws_caller_identity.current.account_id
}

resource "aws_cloudwatch_event_rule" "this" {
  count = local.count

  name           = "${var.name}-audit-forward"
  description    = "Every orderflow event, copied to the audit account's bus"
  event_bus_name = var.source_bus_name
  event_pattern  = var.event_pattern
  tags           = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.count

  name               = "${var.name}-audit-forward"
  description        = "Assumed by EventBridge to put orderflow events on the audit account's bus"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "put" {
  count = local.count

  statement {
    sid       = "PutOnTheAuditBusOnly"
    actions   = ["events:PutEvents"]
    resources = [var.target_bus_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  count = local.count

  name   = "put-events-audit-bus"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.put[0].json
}

resource "aws_sqs_queue" "dlq" {
  count = local.count

  name                      = "${var.name}-audit-forward-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

data "aws_iam_policy_document" "dlq" {
  count = local.count

  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.this[0].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  count = local.count

  queue_url = aws_sqs_queue.dlq[0].id
  policy    = data.aws_iam_policy_document.dlq[0].json
}

resource "aws_cloudwatch_event_target" "this" {
  count = local.count

  rule           = aws_cloudwatch_event_rule.this[0].name
  event_bus_name = var.source_bus_name
  target_id      = "audit-account-bus"
  arn            = var.target_bus_arn
  role_arn       = aws_iam_role.this[0].arn

  dead_letter_config {
    arn = aws_sqs_queue.dlq[0].arn
  }

  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  count = local.count

  alarm_name          = "${var.name}-audit-forward-dlq"
  alarm_description   = "Events that could not be forwarded to the audit account's bus"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}
