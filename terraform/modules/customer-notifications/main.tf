# The customer-notifications SNS topic the notification worker publishes to
# (ORDERFLOW_NOTIFICATIONS_TOPIC_ARN). It reaches nobody until the operator subscribes something
# (docs/deploy.md, "Customer notifications"): messages published with no subscriber are dropped.
#
# Its own KMS key, not the ops topic's: notifications carry customers' addresses and order
# outcomes, and whoever may read alarms need not read those. The key policy leaves use to IAM;
# publishers get kms:GenerateDataKey/kms:Decrypt through SNS only (publisher_policy_statements).
# SNS needs no key grant to deliver to email, SMS, Lambda or HTTPS subscribers.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource means this key only; administration stays with the account
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource means this key only; use is granted by IAM policies
  #checkov:skip=CKV_AWS_356:a key policy's "*" resource means this key only
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "orderflow ${var.name}: customer notifications topic"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sns_topic" "this" {
  name              = var.name
  display_name      = var.display_name
  kms_master_key_id = aws_kms_key.this.arn
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
