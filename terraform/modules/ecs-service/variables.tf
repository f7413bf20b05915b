variable "name" {
  description = "Name of the service, task family, log group (/orderflow/{name}) and roles ({name}-execution, {name}-task)."
  type        = string
}

variable "image" {
  description = "Container image the task definition starts with; the deploy workflow registers later revisions."
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
}

variable "memory" {
  description = "Fargate task memory (MiB)."
  type        = number
}

variable "container_name" {
  description = "Name of the one container (the deploy workflow renders it by this name)."
  type        = string
}

variable "command" {
  description = "The container's command (the image's entry point picks the API or a worker)."
  type        = list(string)
}

variable "container_user" {
  description = "Non-root UID[:GID] the container runs as; must match the image's user."
  type        = string

  validation {
    condition     = !contains(["0", "root", "0:0"], var.container_user)
    error_message = "Containers never run as root."
  }
}

variable "environment" {
  description = "Environment variables of the container (ORDERFLOW_* settings)."
  type        = map(string)
}

variable "container_settings" {
  description = "Container definition keys only this caller sets, merged over the shared ones (e.g. stopTimeout, portMappings, secrets, healthCheck)."
  type        = any
  default     = {}
}

variable "log_stream_prefix" {
  description = "awslogs stream prefix."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the log group (JSON logs and EMF metrics)."
  type        = number
}

variable "logs_kms_key_arn" {
  description = "KMS key of the log group."
  type        = string
}

variable "execution_role_description" {
  description = "What the execution role (the ECS agent) may do, as the IAM console shows it."
  type        = string
}

variable "task_role_description" {
  description = "What the task role (the application) may do, as the IAM console shows it."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "desired_count" {
  description = "Tasks at creation; autoscaling owns the count afterwards."
  type        = number
}

variable "subnet_ids" {
  description = "Private subnets of the tasks (no public IP is ever assigned)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks."
  type        = list(string)
}

variable "load_balancer" {
  description = "The target group the service registers its tasks in, the container port, the grace period before health checks count, and the listener forwarding to it (the service is created after it); null for no load balancer."
  type = object({
    target_group_arn                  = string
    container_port                    = number
    health_check_grace_period_seconds = number
    listener_arn                      = string
  })
  default = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
