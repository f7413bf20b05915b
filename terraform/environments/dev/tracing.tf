# Tracing in AWS (docs/tracing.md): every task definition carries an ADOT collector sidecar that
# forwards spans to X-Ray (modules/otel-collector). The services sample new traces by
# ORDERFLOW_TRACE_SAMPLE_RATIO; this rule states the same share on the X-Ray side, where an
# X-Ray-sampling SDK (through the collector's awsproxy extension) would read it.

variable "trace_sample_ratio" {
  description = "Share of new traces (API requests) sent to X-Ray; later hops follow the request's decision, and failed handlers are always sent."
  type        = number
  default     = 0.05

  validation {
    condition     = var.trace_sample_ratio >= 0 && var.trace_sample_ratio <= 1
    error_message = "trace_sample_ratio is a share between 0 and 1."
  }
}

resource "aws_xray_sampling_rule" "this" {
  rule_name      = substr("${var.resource_prefix}-traces", 0, 32)
  priority       = 1000
  version        = 1
  reservoir_size = 1
  fixed_rate     = var.trace_sample_ratio
  service_name   = "*"
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
  tags           = local.tags
}
