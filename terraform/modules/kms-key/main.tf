# One customer managed KMS key with rotation on, its alias, and a key policy that keeps
# administration with the account (IAM policies decide who; without it the key would become
# unmanageable) plus whatever AWS services the caller names may use it. Every orderflow key is
# made here: the messaging, tables, logs, ops-topic, notifications and API-keys keys.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource means this key only; administration stays with the account
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource means this key only; service principals are bound by the caller's conditions
  #checkov:skip=CKV_AWS_356:a key policy's "*" resource means this key only
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = var.service_statements

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.alias_name
  name_prefix   = var.alias_name_prefix
  target_key_id = aws_kms_key.this.key_id
}
