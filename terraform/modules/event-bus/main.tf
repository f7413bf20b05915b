# The custom bus every service publishes to, its replay archive, and the messaging KMS key that
# encrypts the bus and every service queue (so EventBridge can deliver into encrypted queues).

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
}

# EventBridge encrypts events on the bus and in the archive, and must encrypt the messages it
# sends into KMS-encrypted SQS queues (rule targets and target DLQs); SQS itself uses the key for
# server-side encryption of queues in this account.
module "kms" {
  source = "../kms-key"

  description             = "orderflow messaging: EventBridge bus ${var.name} and its SQS queues"
  alias_name              = "alias/${var.name}-messaging"
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
  service_statements = [
    {
      sid        = "EventBridgeUse"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      service    = "events.amazonaws.com"
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
    },
    {
      sid        = "SqsUse"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      service    = "sqs.amazonaws.com"
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

resource "aws_cloudwatch_event_bus" "this" {
  name               = var.name
  description        = "orderflow domain events; one rule per (service, subscription) from topology.yaml"
  kms_key_identifier = module.kms.arn
  tags               = var.tags
}

# Every event is archived so an operator can replay a time window after a bug fix.
# Encrypted with EventBridge's AWS-owned key, not the bus's CMK: `kms_key_identifier` on an archive
# needs provider >= 6.2, and our range starts at 5.100 (the provider every check here runs against).
# The bus, its queues and DLQs keep the CMK; docs/deploy.md ("Provider range and the archive key")
# says what that costs and the one-line change once the floor is raised to 6.2.
resource "aws_cloudwatch_event_archive" "this" {
  name             = "${var.name}-all"
  description      = "Every event on ${var.name}, replayable"
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.archive_retention_days
}
