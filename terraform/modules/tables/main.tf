# Every table of the topology, with the shape the Python side relies on (docs/runtime-contract.md):
# string keys pk/sk, TTL on expiresAt, on-demand, point-in-time recovery, a customer managed key.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# DynamoDB uses the key through grants it creates itself; callers also need kms permissions via
# IAM (the task roles get them with a kms:ViaService condition), so the key policy only delegates
# to the account's IAM.
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource means this key only; administration stays with the account
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource means this key only; service principals are bound by aws:SourceAccount
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
}

resource "aws_kms_key" "this" {
  description             = "orderflow DynamoDB tables"
  policy                  = data.aws_iam_policy_document.kms.json
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name_prefix   = "alias/orderflow-tables-"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_dynamodb_table" "this" {
  for_each = var.tables

  name                        = each.value.table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = merge(var.tags, { "orderflow:table" = each.key })
}
