# Every table of the topology, with the shape the Python side relies on (docs/runtime-contract.md):
# string keys pk/sk, TTL on expiresAt, on-demand, point-in-time recovery, a customer managed key.

# DynamoDB uses the key through grants it creates itself; callers also need kms permissions via
# IAM (the task roles get them with a kms:ViaService condition), so the key policy only delegates
# to the account's IAM.
module "kms" {
  source = "../kms-key"

  description             = "orderflow DynamoDB tables"
  alias_name_prefix       = "alias/orderflow-tables-"
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
    kms_key_arn = module.kms.arn
  }

  tags = merge(var.tags, { "orderflow:table" = each.key })
}
