# One service's inbox: queue + DLQ (KMS), redrive and redrive-allow, one EventBridge rule and SQS
# target per subscription, a queue policy that admits only those rules, and the alarms that say
# "messages are failing" (DLQ depth), "the service is behind" (age) and "delivery is failing".

locals {
  tags = merge(var.tags, { "orderflow:service" = var.service })
}

resource "aws_sqs_queue" "dlq" {
  name                              = var.dlq_name
  message_retention_seconds         = var.queue.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

resource "aws_sqs_queue" "this" {
  name                              = var.queue_name
  visibility_timeout_seconds        = var.queue.visibility_timeout_seconds
  message_retention_seconds         = var.queue.retention_seconds
  receive_wait_time_seconds         = var.queue.wait_time_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

# Separate resources, as the provider recommends: the inline redrive_policy/redrive_allow_policy
# arguments create a dependency cycle between queue and DLQ and fight these resources.
resource "aws_sqs_queue_redrive_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.queue.max_receive_count
  })
}

# Only this service's queue may use the DLQ, and redrive (StartMessageMoveTask) goes back to it.
resource "aws_sqs_queue_redrive_allow_policy" "this" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name           = each.value.name
  description    = substr("${var.service} <- ${each.key}: ${var.description}", 0, 512)
  event_bus_name = var.bus_name
  event_pattern  = each.value.event_pattern
  state          = "ENABLED"
  tags           = local.tags
}

# The target DLQ is the service's DLQ: an event EventBridge could not deliver lands where the
# operator already looks, and redrive sends it to the queue it never reached.
resource "aws_cloudwatch_event_target" "this" {
  for_each = var.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = var.bus_name
  target_id      = "queue"
  arn            = aws_sqs_queue.this.arn

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }

  retry_policy {
    maximum_retry_attempts       = var.delivery.maximum_retry_attempts
    maximum_event_age_in_seconds = var.delivery.maximum_event_age_seconds
  }
}

# EventBridge may send to the queue (and the DLQ, for undeliverable events) only on behalf of
# this service's own rules: the aws:SourceArn condition stops any other rule, in any account.
data "aws_iam_policy_document" "this" {
  for_each = {
    queue = aws_sqs_queue.this.arn
    dlq   = aws_sqs_queue.dlq.arn
  }

  statement {
    sid       = "AllowThisServicesRules"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [each.value]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in aws_cloudwatch_event_rule.this : rule.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.this["queue"].json
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.this["dlq"].json
}

# Any message in the DLQ needs a human: a poison message or an undeliverable event.
resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.dlq_name}-not-empty"
  alarm_description   = "${var.service}: messages in the DLQ. Inspect them, fix, then redrive (docs/runbooks)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = "${var.queue_name}-oldest-message-age"
  alarm_description   = "${var.service}: the oldest message waited more than ${var.oldest_message_age_alarm_seconds}s. Workers are behind, failing, or at maxTasks."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.oldest_message_age_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "failed_invocations" {
  for_each = var.rules

  alarm_name          = "${each.value.name}-failed-invocations"
  alarm_description   = "${var.service}: EventBridge failed to deliver ${each.key} events to ${var.queue_name} (queue policy or KMS key policy?). They go to ${var.dlq_name}."
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { EventBusName = var.bus_name, RuleName = aws_cloudwatch_event_rule.this[each.key].name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = local.tags
}
