# Customer email through Amazon SES (the notification worker's SesChannel, ORDERFLOW_EMAIL_SENDER):
# the sender identity, a configuration set that every message is sent with, and that set's
# bounce, complaint, reject and rendering-failure events published to the ops topic, so a
# customer whose mail bounces is somebody's alarm, not a silent loss (messages carry the orderId
# tag, so the event names its order).
#
# The identity is created here but verified outside Terraform: an email identity by the link SES
# mails to it, a domain by the DKIM records in the dkim_tokens output (docs/deploy.md,
# "Customer email"). Until then, and while the account is in the SES sandbox, SendEmail is refused.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  identity = coalesce(var.identity, var.sender_address)
  arn      = "arn:${data.aws_partition.current.partition}:ses:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}"
}

resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = var.configuration_set_name

  delivery_options {
    tls_policy = "REQUIRE" # never hand customer mail to a receiving server in clear text
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  tags = var.tags
}

resource "aws_sesv2_configuration_set_event_destination" "ops" {
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  event_destination_name = "ops-topic"

  event_destination {
    enabled              = true
    matching_event_types = var.ops_event_types

    sns_destination {
      topic_arn = var.ops_topic_arn
    }
  }
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = local.identity
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  tags                   = var.tags
}
