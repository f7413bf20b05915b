# Reads topology.yaml and turns it into the normalised maps every other module iterates over.
# The merge order mirrors orderflow.topology.parse_topology: `defaults`, then the service's own
# section. The `local:` section is for local mode only and is never read here.

locals {
  raw = yamldecode(file(var.topology_path))

  defaults     = try(local.raw.defaults, {})
  raw_services = try({ for k, v in local.raw.services : k => v }, {})
  raw_tables   = try({ for k, v in local.raw.tables : k => v }, {})
  raw_api      = try({ for k, v in local.raw.api : k => v }, {})
  bus          = try(tostring(local.raw.bus), "")

  # Per service: defaults merged with the service's own settings. try() keeps evaluation alive on a
  # malformed file so the precondition on output "services" can list every problem at once.
  merged = {
    for name, spec in local.raw_services : name => {
      description   = try(tostring(spec.description), "")
      table         = try(tostring(spec.table), null)
      publishes     = try(tolist(spec.publishes), [])
      subscriptions = try({ for k, v in spec.subscriptions : k => v }, {})
      queue         = merge(try(local.defaults.queue, {}), try({ for k, v in spec.queue : k => v }, {}))
      scaling       = merge(try(local.defaults.scaling, {}), try({ for k, v in spec.scaling : k => v }, {}))
      delivery      = merge(try(local.defaults.delivery, {}), try({ for k, v in spec.delivery : k => v }, {}))
    }
  }

  services = {
    for name, s in local.merged : name => {
      name        = name
      description = s.description
      table       = s.table
      publishes   = s.publishes
      queue_name  = "${var.resource_prefix}-${name}"
      dlq_name    = "${var.resource_prefix}-${name}-dlq"
      queue = {
        visibility_timeout_seconds = try(tonumber(s.queue.visibilityTimeoutSeconds), -1)
        max_receive_count          = try(tonumber(s.queue.maxReceiveCount), -1)
        retention_seconds          = try(tonumber(s.queue.retentionSeconds), -1)
        dlq_retention_seconds      = try(tonumber(s.queue.dlqRetentionSeconds), -1)
        wait_time_seconds          = try(tonumber(s.queue.waitTimeSeconds), -1)
      }
      scaling = {
        min_tasks            = try(tonumber(s.scaling.minTasks), -1)
        max_tasks            = try(tonumber(s.scaling.maxTasks), -1)
        latency_goal_seconds = try(tonumber(s.scaling.latencyGoalSeconds), -1)
        seconds_per_message  = try(tonumber(s.scaling.secondsPerMessage), -1)
        # Derived, never written in the file: floor(latency goal / seconds per message), rounded to
        # micro-units first as orderflow.topology.backlog_per_task does (Terraform's exact arithmetic
        # makes 30 / 0.6 a hair under 50, and both readers must agree).
        target_backlog_per_task = try(floor(tonumber(format("%.6f", s.scaling.latencyGoalSeconds / s.scaling.secondsPerMessage))), -1)
        # Defaults match orderflow.topology.ScalingSettings; the local supervisor reads the same keys.
        scale_out_cooldown_seconds = try(tonumber(s.scaling.scaleOutCooldownSeconds), 60)
        scale_in_cooldown_seconds  = try(tonumber(s.scaling.scaleInCooldownSeconds), 300)
      }
      delivery = {
        maximum_retry_attempts    = try(tonumber(s.delivery.maximumRetryAttempts), -1)
        maximum_event_age_seconds = try(tonumber(s.delivery.maximumEventAgeSeconds), -1)
      }
      subscriptions = sort(keys(s.subscriptions))
      # The EventBridge rules for this service, keyed by subscription name.
      rules = {
        for sub, pattern in s.subscriptions : sub => {
          name          = "${var.resource_prefix}-${name}-${sub}"
          event_pattern = jsonencode(pattern)
        }
      }
      # Tables this service's task role may touch, from the topology's `tables:` section.
      tables_written = sort([for t, spec in local.raw_tables : t if contains(try(spec.writers, []), name)])
      tables_read    = sort([for t, spec in local.raw_tables : t if contains(try(spec.readers, []), name) && !contains(try(spec.writers, []), name)])
    }
  }

  # One entry per (service, subscription): the unit an EventBridge rule and target are made for.
  subscriptions = merge([
    for name, s in local.merged : {
      for sub, pattern in s.subscriptions : "${name}/${sub}" => {
        service       = name
        subscription  = sub
        rule_name     = "${var.resource_prefix}-${name}-${sub}"
        event_pattern = jsonencode(pattern)
      }
    }
  ]...)

  tables = {
    for name, spec in local.raw_tables : name => {
      name    = name
      table   = "${var.resource_prefix}-${name}"
      writers = sort(try(tolist(spec.writers), []))
      readers = sort(try(tolist(spec.readers), []))
    }
  }

  api = {
    publishes = try(tolist(local.raw_api.publishes), [])
    scaling = {
      min_tasks = try(tonumber(merge(try(local.defaults.scaling, {}), try(local.raw_api.scaling, {})).minTasks), -1)
      max_tasks = try(tonumber(merge(try(local.defaults.scaling, {}), try(local.raw_api.scaling, {})).maxTasks), -1)
    }
    tables_written = sort([for t, spec in local.raw_tables : t if contains(try(spec.writers, []), "api")])
    tables_read    = sort([for t, spec in local.raw_tables : t if contains(try(spec.readers, []), "api") && !contains(try(spec.writers, []), "api")])
  }

  # Every rule a broken file can break, as one readable list (empty when the file is valid).
  # The bounds are AWS's own limits and match orderflow.topology so both worlds reject the same files.
  known_principals = concat(keys(local.raw_services), ["api"])
  problems = concat(
    try(tonumber(local.raw.version), 0) == 1 ? [] : ["version: must be 1"],
    can(regex("^[A-Za-z0-9._-]{1,256}$", local.bus)) ? [] : ["bus: must be an EventBridge bus name"],
    length(local.raw_services) > 0 ? [] : ["services: at least one service is required"],
    local.api.scaling.min_tasks >= 0 && local.api.scaling.max_tasks >= 1 && local.api.scaling.min_tasks <= local.api.scaling.max_tasks ? [] : ["api.scaling: need 0 <= minTasks <= maxTasks and maxTasks >= 1"],
    flatten([
      for name, s in local.services : concat(
        can(regex("^[a-z][a-z0-9-]{0,30}$", name)) ? [] : ["services.${name}: name must match ^[a-z][a-z0-9-]{0,30}$"],
        length(s.subscriptions) > 0 ? [] : ["services.${name}.subscriptions: a service needs at least one subscription"],
        [for sub in s.subscriptions : "services.${name}.subscriptions.${sub}: must filter on source or detail-type" if length(try(local.merged[name].subscriptions[sub].source, [])) + length(try(local.merged[name].subscriptions[sub]["detail-type"], [])) == 0],
        [for sub, rule in s.rules : "services.${name}.subscriptions.${sub}: rule name ${rule.name} is longer than 64 characters" if length(rule.name) > 64],
        s.table == null || contains(keys(local.raw_tables), coalesce(s.table, "-")) ? [] : ["services.${name}.table: unknown table ${coalesce(s.table, "-")}"],
        s.queue.visibility_timeout_seconds >= 0 && s.queue.visibility_timeout_seconds <= 43200 ? [] : ["services.${name}.queue.visibilityTimeoutSeconds: must be 0..43200"],
        s.queue.max_receive_count >= 1 && s.queue.max_receive_count <= 1000 ? [] : ["services.${name}.queue.maxReceiveCount: must be 1..1000"],
        s.queue.retention_seconds >= 60 && s.queue.retention_seconds <= 1209600 ? [] : ["services.${name}.queue.retentionSeconds: must be 60..1209600"],
        s.queue.dlq_retention_seconds >= 60 && s.queue.dlq_retention_seconds <= 1209600 ? [] : ["services.${name}.queue.dlqRetentionSeconds: must be 60..1209600"],
        s.queue.dlq_retention_seconds > s.queue.retention_seconds ? [] : ["services.${name}.queue: dlqRetentionSeconds must exceed retentionSeconds (a message keeps its age when it moves to the DLQ)"],
        s.queue.wait_time_seconds >= 0 && s.queue.wait_time_seconds <= 20 ? [] : ["services.${name}.queue.waitTimeSeconds: must be 0..20"],
        s.scaling.min_tasks >= 0 && s.scaling.max_tasks >= 1 && s.scaling.min_tasks <= s.scaling.max_tasks ? [] : ["services.${name}.scaling: need 0 <= minTasks <= maxTasks and maxTasks >= 1"],
        s.scaling.latency_goal_seconds > 0 && s.scaling.latency_goal_seconds <= 86400 ? [] : ["services.${name}.scaling.latencyGoalSeconds: must be > 0 and <= 86400"],
        s.scaling.seconds_per_message > 0 && s.scaling.seconds_per_message <= 3600 ? [] : ["services.${name}.scaling.secondsPerMessage: must be > 0 and <= 3600"],
        s.scaling.latency_goal_seconds <= 0 || s.scaling.seconds_per_message <= 0 || s.scaling.target_backlog_per_task >= 1 ? [] : ["services.${name}.scaling: latencyGoalSeconds must be at least secondsPerMessage (no number of tasks meets a goal shorter than one message)"],
        can(local.merged[name].scaling.targetBacklogPerTask) ? ["services.${name}.scaling.targetBacklogPerTask: derived from latencyGoalSeconds / secondsPerMessage; set those instead"] : [],
        s.scaling.scale_out_cooldown_seconds >= 0 && s.scaling.scale_out_cooldown_seconds <= 3600 ? [] : ["services.${name}.scaling.scaleOutCooldownSeconds: must be 0..3600"],
        s.scaling.scale_in_cooldown_seconds >= 0 && s.scaling.scale_in_cooldown_seconds <= 3600 ? [] : ["services.${name}.scaling.scaleInCooldownSeconds: must be 0..3600"],
        s.delivery.maximum_retry_attempts >= 0 && s.delivery.maximum_retry_attempts <= 185 ? [] : ["services.${name}.delivery.maximumRetryAttempts: must be 0..185"],
        s.delivery.maximum_event_age_seconds >= 60 && s.delivery.maximum_event_age_seconds <= 86400 ? [] : ["services.${name}.delivery.maximumEventAgeSeconds: must be 60..86400"],
      )
    ]),
    flatten([
      for name, t in local.tables : [
        for who in concat(t.writers, t.readers) : "tables.${name}: unknown service ${who}" if !contains(local.known_principals, who)
      ]
    ]),
  )
}
