# The customer-notifications SNS topic the notification worker publishes to
# (ORDERFLOW_NOTIFICATIONS_TOPIC_ARN). It reaches nobody until the operator subscribes something
# (docs/deploy.md, "Customer notifications"): messages published with no subscriber are dropped.
#
# Its own KMS key, not the ops topic's: notifications carry customers' addresses and order
# outcomes, and whoever may read alarms need not read those. The key policy leaves use to IAM;
# publishers get kms:GenerateDataKey/kms:Decrypt through SNS only (publisher_policy_statements).
# SNS needs no key grant to deliver to email, SMS, Lambda or HTTPS subscribers.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.id
}

module "kms" {
  source = "../kms-key"

  description             = "orderflow ${var.name}: customer notifications topic"
  alias_name              = "alias/${var.name}"
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
}

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}

resource "aws_sns_topic" "this" {
  name              = var.name
  display_name      = var.display_name
  kms_master_key_id = module.kms.arn
  signature_version = 2 # SHA256-signed deliveries for HTTPS and email endpoints
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  # IAM grants sns:Publish to the publisher roles alone; this makes it hold even for a principal
  # whose identity policy allows sns:* (an administrator), so nobody else can message customers.
  statement {
    sid       = "OnlyThePublishers"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = var.publisher_role_arns
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}
