# The dashboard body, generated from the topology: one row per service, one row for the API.
# Each service's panels come from panels.json, the one definition the operator console also renders
# (orderflow/console/panels.py), so both show the same panels under the same titles and metrics.
# Provider-free so the exact JSON can be rendered and checked offline (tests/infra).

locals {
  definition = jsondecode(file("${path.module}/panels.json"))
  names      = sort(keys(var.services))
  height     = 6
  width      = floor(24 / length(local.definition.service))

  # The dimensions a panel metric's "of" names, per service.
  dimensions = {
    for name, s in var.services : name => {
      queue   = ["QueueName", s.queue_name]
      dlq     = ["QueueName", s.dlq_name]
      ecs     = ["ClusterName", var.cluster_name, "ServiceName", s.ecs_service_name]
      service = ["Service", name]
    }
  }

  # The reference line a panel's "line" names, per service: the scaling target, the latency goal,
  # or the task ceiling, all from the topology.
  lines = {
    for name, s in var.services : name => {
      target = { label = "target backlog per task", value = s.target_backlog_per_task }
      goal   = { label = "latency goal (s)", value = s.latency_goal_seconds }
      max    = { label = "max tasks", value = s.max_tasks }
    }
  }

  service_rows = {
    for name in local.names : name => [
      for p in local.definition.service : {
        title = "${name}: ${p.title}"
        stat  = p.stat
        metrics = concat(
          [for m in p.metrics : concat(
            # The workers' EMF metrics live in the namespace the runtime is configured with.
            [m.of == "service" ? var.metric_namespace : m.namespace, m.name],
            local.dimensions[name][m.of],
            [merge(
              try({ id = m.id }, {}),
              try({ label = m.label }, {}),
              try({ color = m.color }, {}),
              try({ stat = m.stat }, {}),
              { for k, v in { visible = false } : k => v if try(m.hidden, false) },
            )],
          )],
          [for e in try(p.expressions, []) : [{ id = e.id, expression = e.expression, label = e.label }]],
        )
        annotations = try({ horizontal = [local.lines[name][p.line]] }, null)
      }
    ]
  }

  api_row = [
    {
      title       = "api: requests per minute"
      stat        = "Sum"
      annotations = null
      metrics     = [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.api.load_balancer_arn_suffix, { label = "requests" }]]
    },
    {
      title       = "api: 5xx per minute"
      stat        = "Sum"
      annotations = null
      metrics = [
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.api.load_balancer_arn_suffix, "TargetGroup", var.api.target_group_arn_suffix, { label = "target 5xx" }],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.api.load_balancer_arn_suffix, { label = "ALB 5xx" }],
      ]
    },
    {
      title       = "api: p99 latency (s)"
      stat        = "p99"
      annotations = null
      metrics     = [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.api.load_balancer_arn_suffix, "TargetGroup", var.api.target_group_arn_suffix, { label = "p99" }]]
    },
  ]

  rows = concat(
    [{ header = "Order API", widgets = local.api_row }],
    [for name in local.names : { header = "Service ${name}", widgets = local.service_rows[name] }],
  )

  # Each row: a one-line text header, then its metric widgets side by side.
  widgets = flatten([
    for r, row in local.rows : concat(
      [{
        type       = "text"
        x          = 0
        y          = r * (local.height + 1)
        width      = 24
        height     = 1
        properties = { markdown = "### ${row.header}" }
      }],
      [for c, w in row.widgets : {
        type   = "metric"
        x      = c * local.width
        y      = r * (local.height + 1) + 1
        width  = local.width
        height = local.height
        properties = merge(
          {
            title   = w.title
            region  = var.region
            view    = "timeSeries"
            stacked = false
            period  = 60
            stat    = w.stat
            metrics = w.metrics
          },
          w.annotations == null ? {} : { annotations = w.annotations },
        )
      }]
    )
  ])
}
