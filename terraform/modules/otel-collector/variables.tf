variable "task_role_name" {
  description = "The task role the application runs as: it gets the X-Ray write and sampling permissions (the collector uses the task's credentials)."
  type        = string
}

variable "log_group_name" {
  description = "The task's log group; the collector writes under the stream prefix `otel-collector`."
  type        = string
}

variable "image" {
  description = "AWS Distro for OpenTelemetry collector image, pinned."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "memory_reservation" {
  description = "Soft memory limit of the collector container (MiB), taken from the task's memory."
  type        = number
  default     = 64
}
