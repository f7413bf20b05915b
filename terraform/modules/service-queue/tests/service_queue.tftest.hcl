# Plan-level tests with the real AWS provider's schema and a mocked API (`terraform test` here,
# or pytest tests/infra/test_terraform_module_tests.py). The inventory service of the repository's
# topology.yaml, read by the topology module, is the input: what is asserted is what it says.

mock_provider "aws" {
  # The provider still validates what the mock returns: give policy documents valid JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

# ARNs a plan only learns at apply, given now so the assertions can compare them.
override_resource {
  target          = aws_sqs_queue.this
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:orderflow-test-inventory"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/orderflow-test-inventory"
  }
}

override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:orderflow-test-inventory-dlq"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/orderflow-test-inventory-dlq"
  }
}

override_resource {
  target          = aws_cloudwatch_event_rule.this
  override_during = plan
  values = {
    arn = "arn:aws:events:us-east-1:123456789012:rule/orderflow-test-orderflow/inventory"
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

run "inventory_queue" {
  command = plan

  variables {
    service         = "inventory"
    description     = run.topology.services["inventory"].description
    queue_name      = run.topology.services["inventory"].queue_name
    dlq_name        = run.topology.services["inventory"].dlq_name
    queue           = run.topology.services["inventory"].queue
    delivery        = run.topology.services["inventory"].delivery
    rules           = run.topology.services["inventory"].rules
    bus_name        = "orderflow-test-orderflow"
    kms_key_arn     = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000a"
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:orderflow-test-ops"
  }

  # ---------------------------------------------------------------- redrive to its own DLQ

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq.arn
    error_message = "The queue must redrive to this service's own DLQ."
  }

  assert {
    condition     = aws_sqs_queue_redrive_policy.this.queue_url == aws_sqs_queue.this.id
    error_message = "The redrive policy belongs on the service's queue."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this.redrive_policy).maxReceiveCount == run.topology.services["inventory"].queue.max_receive_count
    error_message = "maxReceiveCount comes from the topology."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_redrive_allow_policy.this.redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = [aws_sqs_queue.this.arn]
    }
    error_message = "Only the service's own queue may use its DLQ."
  }

  assert {
    condition     = aws_sqs_queue.dlq.message_retention_seconds > aws_sqs_queue.this.message_retention_seconds
    error_message = "The DLQ outlives the queue, so nothing expires mid-incident."
  }

  # ---------------------------------------------------------------- KMS

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dlq.kms_master_key_id == var.kms_key_arn
    error_message = "Queue and DLQ are encrypted with the messaging key."
  }

  # ---------------------------------------------------------------- rules and targets

  assert {
    condition     = keys(aws_cloudwatch_event_rule.this) == keys(run.topology.services["inventory"].rules)
    error_message = "One rule per subscription of the topology."
  }

  assert {
    condition     = alltrue([for k, rule in aws_cloudwatch_event_rule.this : rule.event_pattern == run.topology.services["inventory"].rules[k].event_pattern && rule.event_bus_name == var.bus_name])
    error_message = "Each rule carries its subscription's pattern, on the bus."
  }

  assert {
    condition     = alltrue([for k, t in aws_cloudwatch_event_target.this : t.arn == aws_sqs_queue.this.arn && t.rule == aws_cloudwatch_event_rule.this[k].name])
    error_message = "Every rule targets the service's queue."
  }

  assert {
    condition     = alltrue([for t in aws_cloudwatch_event_target.this : t.dead_letter_config[0].arn == aws_sqs_queue.dlq.arn])
    error_message = "An event EventBridge cannot deliver goes to the service's DLQ."
  }

  assert {
    condition = alltrue([for t in aws_cloudwatch_event_target.this :
      t.retry_policy[0].maximum_retry_attempts == run.topology.services["inventory"].delivery.maximum_retry_attempts &&
      t.retry_policy[0].maximum_event_age_in_seconds == run.topology.services["inventory"].delivery.maximum_event_age_seconds
    ])
    error_message = "The target's retry policy comes from the topology's delivery settings."
  }

  # ---------------------------------------------------------------- SourceArn-scoped queue policy

  # (Which document each policy uses is read at apply, when the documents are: the environment
  # plan test checks every policy comes from a policy document.)
  assert {
    condition     = aws_sqs_queue_policy.this.queue_url == aws_sqs_queue.this.id && aws_sqs_queue_policy.dlq.queue_url == aws_sqs_queue.dlq.id
    error_message = "Queue and DLQ each get a queue policy."
  }

  assert {
    condition = alltrue([for which, doc in data.aws_iam_policy_document.this : anytrue([for s in doc.statement :
      s.effect == "Allow" && s.actions == toset(["sqs:SendMessage"]) &&
      s.resources == toset([which == "queue" ? aws_sqs_queue.this.arn : aws_sqs_queue.dlq.arn]) &&
      one(s.principals).identifiers == toset(["events.amazonaws.com"]) &&
      one(s.condition).variable == "aws:SourceArn" && one(s.condition).test == "ArnEquals" &&
      toset(one(s.condition).values) == toset([for rule in aws_cloudwatch_event_rule.this : rule.arn])
    ])])
    error_message = "EventBridge may send to queue and DLQ only with aws:SourceArn equal to this service's rules."
  }

  assert {
    condition = alltrue([for doc in data.aws_iam_policy_document.this :
      alltrue([for s in doc.statement : s.effect == "Deny" || one(s.condition).variable == "aws:SourceArn"])
    ])
    error_message = "No Allow statement without the SourceArn condition."
  }
}
