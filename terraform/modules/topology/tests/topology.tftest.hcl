# Offline tests of the provider-free topology module: `terraform test` in this directory.

run "repository_topology_is_valid" {
  command = apply

  variables {
    topology_path = "../../../topology.yaml"
  }

  assert {
    condition     = length(output.problems) == 0
    error_message = "The repository's topology.yaml has problems: ${join("; ", output.problems)}"
  }

  assert {
    condition     = alltrue([for name, s in output.services : length(s.subscriptions) > 0 && s.queue.dlq_retention_seconds > s.queue.retention_seconds])
    error_message = "Every service needs subscriptions and a DLQ that outlives its queue."
  }

  assert {
    condition     = length(output.subscriptions) == sum([for s in output.services : length(s.subscriptions)])
    error_message = "One subscription entry per (service, subscription)."
  }
}

run "defaults_merge_under_service_settings" {
  command = apply

  variables {
    topology_path   = "tests/fixtures/minimal.yaml"
    resource_prefix = "dev"
  }

  assert {
    condition     = output.services["stock"].queue.visibility_timeout_seconds == 30 && output.services["stock"].queue.max_receive_count == 3
    error_message = "A service's own queue settings win over defaults."
  }

  assert {
    condition     = output.services["stock"].queue.retention_seconds == 345600 && output.services["mailer"].queue.visibility_timeout_seconds == 60
    error_message = "Unset queue settings come from defaults (and never from the local: section)."
  }

  assert {
    condition     = output.services["stock"].scaling == { min_tasks = 0, max_tasks = 4, latency_goal_seconds = 30, seconds_per_message = 0.12, target_backlog_per_task = 250, scale_out_cooldown_seconds = 30, scale_in_cooldown_seconds = 300 }
    error_message = "Scaling comes from the service, including minTasks 0 (scale to zero); the target is latency goal / seconds per message."
  }

  assert {
    condition     = output.services["mailer"].scaling.target_backlog_per_task == 100 && output.services["mailer"].scaling.scale_out_cooldown_seconds == 60 && output.services["mailer"].delivery.maximum_retry_attempts == 185
    error_message = "Scaling and delivery defaults apply to services without their own."
  }

  assert {
    condition     = output.services["stock"].queue_name == "dev-stock" && output.services["stock"].dlq_name == "dev-stock-dlq" && output.services["stock"].rules["order-placed"].name == "dev-stock-order-placed"
    error_message = "Names follow {prefix}-{service}, {prefix}-{service}-dlq, {prefix}-{service}-{subscription}."
  }

  assert {
    condition     = jsondecode(output.subscriptions["mailer/outcomes"].event_pattern) == { source = ["shop.stock"], "detail-type" = ["StockReserved"], detail = { data = { customerEmail = [{ exists = true }] } } }
    error_message = "The event pattern is the topology's pattern, content filters included."
  }

  assert {
    condition     = jsonencode([output.services["stock"].tables_written, output.services["mailer"].tables_written, output.api.tables_read, output.api.tables_written]) == jsonencode([["stock"], [], ["stock"], ["orders"]])
    error_message = "Table access comes from the tables: section."
  }

  assert {
    condition     = output.api.scaling == { min_tasks = 2, max_tasks = 10 } && output.bus_name == "shop"
    error_message = "API scaling merges over defaults; the bus name is read from the file."
  }
}

run "backlog_target_is_derived_and_never_written" {
  # plan: a failed precondition stops the run before anything could be applied.
  command = plan

  variables {
    topology_path = "tests/fixtures/written-backlog-target.yaml"
  }

  expect_failures = [output.services]
}

run "service_without_subscriptions_is_rejected" {
  # plan: a failed precondition stops the run before anything could be applied.
  command = plan

  variables {
    topology_path = "tests/fixtures/no-subscriptions.yaml"
  }

  expect_failures = [output.services]
}

run "max_receive_count_out_of_range_is_rejected" {
  # plan: a failed precondition stops the run before anything could be applied.
  command = plan

  variables {
    topology_path = "tests/fixtures/bad-max-receive-count.yaml"
  }

  expect_failures = [output.services]
}

run "unknown_tables_and_writers_are_rejected" {
  # plan: a failed precondition stops the run before anything could be applied.
  command = plan

  variables {
    topology_path = "tests/fixtures/unknown-references.yaml"
  }

  expect_failures = [output.services]
}

run "missing_file_is_rejected" {
  # plan: a failed precondition stops the run before anything could be applied.
  command = plan

  variables {
    topology_path = "tests/fixtures/does-not-exist.yaml"
  }

  expect_failures = [var.topology_path]
}
