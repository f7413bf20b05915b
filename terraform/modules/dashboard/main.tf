# The dashboard body, generated from the topology: one row per service, one row for the API.
# Provider-free so the exact JSON can be rendered and checked offline (tests/infra).

locals {
  names  = sort(keys(var.services))
  width  = 4
  height = 6

  # One row of six widgets per service, in the order an operator reads them: is work piling up,
  # how old is it, are tasks running, is it being processed, how fast.
  service_rows = {
    for i, name in local.names : name => [
      {
        title = "${name}: queue (visible / in flight / DLQ)"
        stat  = "Maximum"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.services[name].queue_name, { label = "visible" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", var.services[name].queue_name, { label = "in flight" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.services[name].dlq_name, { label = "DLQ", color = "#d62728" }],
        ]
      },
      {
        title   = "${name}: oldest message age (s)"
        stat    = "Maximum"
        metrics = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.services[name].queue_name, { label = "oldest" }]]
      },
      {
        title = "${name}: tasks (running / desired)"
        stat  = "Average"
        metrics = [
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.cluster_name, "ServiceName", var.services[name].ecs_service_name, { label = "running" }],
          ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", var.cluster_name, "ServiceName", var.services[name].ecs_service_name, { label = "desired" }],
        ]
      },
      {
        title = "${name}: processed / failed per minute"
        stat  = "Sum"
        metrics = [
          [var.metric_namespace, "MessagesProcessed", "Service", name, { label = "processed" }],
          [var.metric_namespace, "MessagesFailed", "Service", name, { label = "failed", color = "#d62728" }],
        ]
      },
      {
        title = "${name}: handler latency (ms)"
        stat  = "p99"
        metrics = [
          [var.metric_namespace, "HandlerLatency", "Service", name, { stat = "p50", label = "p50" }],
          [var.metric_namespace, "HandlerLatency", "Service", name, { stat = "p99", label = "p99" }],
        ]
      },
      {
        title = "${name}: message age when handled (ms)"
        stat  = "p99"
        metrics = [
          [var.metric_namespace, "MessageAge", "Service", name, { stat = "p50", label = "p50" }],
          [var.metric_namespace, "MessageAge", "Service", name, { stat = "p99", label = "p99" }],
        ]
      },
    ]
  }

  api_row = [
    {
      title   = "api: requests per minute"
      stat    = "Sum"
      metrics = [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.api.load_balancer_arn_suffix, { label = "requests" }]]
    },
    {
      title = "api: 5xx per minute"
      stat  = "Sum"
      metrics = [
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.api.load_balancer_arn_suffix, "TargetGroup", var.api.target_group_arn_suffix, { label = "target 5xx" }],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.api.load_balancer_arn_suffix, { label = "ALB 5xx" }],
      ]
    },
    {
      title   = "api: p99 latency (s)"
      stat    = "p99"
      metrics = [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.api.load_balancer_arn_suffix, "TargetGroup", var.api.target_group_arn_suffix, { label = "p99" }]]
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
        properties = {
          title   = w.title
          region  = var.region
          view    = "timeSeries"
          stacked = false
          period  = 60
          stat    = w.stat
          metrics = w.metrics
        }
      }]
    )
  ])
}
