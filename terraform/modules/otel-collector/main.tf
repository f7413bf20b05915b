# The AWS Distro for OpenTelemetry collector as a sidecar of one ECS task: the application exports
# spans over OTLP/HTTP to 127.0.0.1:4318 in the same task, the collector forwards them to X-Ray.
# docs/tracing.md says what is traced and how sampling works.

data "aws_region" "current" {}

locals {
  # The collector's configuration, given inline through AOT_CONFIG_CONTENT (the ADOT image reads it):
  # no file to ship, no SSM parameter to read at start.
  config = {
    extensions = {
      health_check = { endpoint = "127.0.0.1:13133" }
      # X-Ray's sampling API (GetSamplingRules/Targets) for SDKs that sample remotely.
      awsproxy = { endpoint = "127.0.0.1:2000" }
    }
    receivers = {
      otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } }
    }
    processors = {
      batch = { timeout = "1s", send_batch_size = 50 }
    }
    exporters = {
      awsxray = { region = data.aws_region.current.id }
    }
    service = {
      extensions = ["health_check", "awsproxy"]
      pipelines = {
        traces = { receivers = ["otlp"], processors = ["batch"], exporters = ["awsxray"] }
      }
    }
  }
}

data "aws_iam_policy_document" "xray" {
  #checkov:skip=CKV_AWS_356:X-Ray's trace and sampling actions support no resource-level permissions ("*" is the only resource)
  #checkov:skip=CKV_AWS_111:X-Ray's trace and sampling actions support no resource-level permissions ("*" is the only resource)
  statement {
    sid = "WriteTracesReadSampling"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "xray" {
  name   = "xray-traces"
  role   = var.task_role_name
  policy = data.aws_iam_policy_document.xray.json
}
