# Plan-level tests with the real AWS provider's schema and a mocked API (`terraform test` here,
# or pytest tests/infra/test_terraform_module_tests.py). The bus is named from topology.yaml and
# encrypted with the messaging key the module returns (the key every queue uses); every event is
# archived. The key is found by its type, not its address, so moving it into a shared key module
# keeps the tests true. (Rule targets, with their DLQ and retry policy from the topology, are per
# service: terraform/modules/service-queue/tests.)

mock_provider "aws" {
  # Mocked computed values (ARNs) are known at plan, so assertions can compare them.
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:root", user_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000a"
      key_id = "00000000-0000-0000-0000-00000000000a"
    }
  }
  mock_resource "aws_kms_alias" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:alias/orderflow-test-orderflow-messaging" }
  }
  mock_resource "aws_cloudwatch_event_bus" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:event-bus/orderflow-test-orderflow" }
  }
}

run "topology" {
  command = apply

  module {
    source = "../topology"
  }

  variables {
    topology_path   = "../../../topology.yaml"
    resource_prefix = "orderflow-test"
  }
}

run "bus" {
  command = plan

  variables {
    name = "orderflow-test-${run.topology.bus_name}"
  }

  assert {
    condition     = aws_cloudwatch_event_bus.this.name == "orderflow-test-${run.topology.bus_name}"
    error_message = "The bus is named from the topology, behind the environment's prefix."
  }

  assert {
    condition     = aws_cloudwatch_event_bus.this.kms_key_identifier == output.kms_key_arn && startswith(output.kms_key_arn, "arn:aws:kms:")
    error_message = "The bus is encrypted with the customer-managed messaging key the module returns for the queues."
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this.event_source_arn == aws_cloudwatch_event_bus.this.arn && aws_cloudwatch_event_archive.this.retention_days == var.archive_retention_days
    error_message = "Every event on the bus is archived for replay."
  }
}

run "archive_retention_is_a_variable" {
  command = plan

  variables {
    name                   = "orderflow-test-${run.topology.bus_name}"
    archive_retention_days = 7
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this.retention_days == 7
    error_message = "archive_retention_days sets the archive's retention."
  }
}
