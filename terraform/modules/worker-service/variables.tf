variable "service" {
  description = "Logical service name; the container runs `orderflow worker <service>`."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for the ECS service, task family, roles, log group and security group ({prefix}-{service})."
  type        = string
}

variable "image" {
  description = "Container image (repository URL and tag) the task definition starts with; the deploy workflow registers later revisions."
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 512
}

variable "container_user" {
  description = "Non-root UID[:GID] the container runs as; must match the image's user."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = !contains(["0", "root", "0:0"], var.container_user)
    error_message = "Workers never run as root."
  }
}

variable "environment" {
  description = "Environment variables for the container (ORDERFLOW_* settings), e.g. ORDERFLOW_NOTIFICATIONS_TOPIC_ARN for the notification worker."
  type        = map(string)
  default     = {}
}

variable "extra_task_policy_statements" {
  description = "Task-role statements for AWS resources this service alone uses beyond its queue, the bus and its tables (e.g. the notification worker's SNS topic), keyed by statement id: exact actions on exact ARNs, optional conditions."
  type = map(object({
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = {}

  validation {
    condition = alltrue([
      for sid in keys(var.extra_task_policy_statements) :
      can(regex("^[A-Za-z0-9]+$", sid)) && !contains(
        ["ConsumeOwnQueue", "DecryptOwnQueue", "PublishOutcomes", "WriteOwnTables", "ReadSharedTables", "UseTableKey", "ProtectOwnTasks"],
        sid,
      )
    ])
    error_message = "Statement ids are alphanumeric and differ from the module's own (ConsumeOwnQueue, DecryptOwnQueue, PublishOutcomes, WriteOwnTables, ReadSharedTables, UseTableKey, ProtectOwnTasks)."
  }

  validation {
    condition = alltrue([
      for s in values(var.extra_task_policy_statements) :
      length(s.actions) > 0 && length(s.resources) > 0 && alltrue([for item in concat(s.actions, s.resources) : !strcontains(item, "*")])
    ])
    error_message = "Every extra statement names at least one action and one resource, and no wildcard in either."
  }
}

variable "shutdown_deadline_seconds" {
  description = "ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS: the drain deadline after SIGTERM; below stop_timeout so the worker exits before SIGKILL."
  type        = number
  default     = 100

  validation {
    condition     = var.shutdown_deadline_seconds > 0 && var.shutdown_deadline_seconds < 120
    error_message = "shutdown_deadline_seconds must be below ECS's stopTimeout of 120 s."
  }
}

variable "cluster_name" {
  description = "ECS cluster name (Container Insights must be on: scaling reads RunningTaskCount)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the private subnets."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the tasks (no public IP is ever assigned)."
  type        = list(string)
}

variable "egress_cidr_blocks" {
  description = "Where tasks may connect on 443 (VPC endpoints, or a NAT gateway)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "queue_arn" {
  description = "ARN of the service's own queue: the only queue the task role may read."
  type        = string
}

variable "queue_name" {
  description = "Name of the service's queue (scaling metrics)."
  type        = string
}

variable "messaging_kms_key_arn" {
  description = "KMS key of the queue and bus (consumers need kms:Decrypt to read encrypted messages)."
  type        = string
}

variable "bus_arn" {
  description = "EventBridge bus the service publishes its outcomes to."
  type        = string
}

variable "tables_written" {
  description = "DynamoDB table ARNs the service may write (and read), keyed by logical table name (topology `tables:` writers)."
  type        = map(string)
  default     = {}
}

variable "tables_read" {
  description = "DynamoDB table ARNs the service may only read, keyed by logical table name (topology `tables:` readers)."
  type        = map(string)
  default     = {}
}

variable "data_kms_key_arn" {
  description = "KMS key of the DynamoDB tables."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the CloudWatch log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep worker logs (they carry the EMF metrics too)."
  type        = number
  default     = 365
}

variable "scaling" {
  description = "Scaling from the topology: min/max tasks, the backlog-per-task target (= acceptable latency / seconds per message) and target tracking's cooldowns (the wake-from-zero step policy uses the scale-out one)."
  type = object({
    min_tasks                  = number
    max_tasks                  = number
    target_backlog_per_task    = number
    scale_out_cooldown_seconds = number
    scale_in_cooldown_seconds  = number
  })

  validation {
    condition     = var.scaling.min_tasks >= 0 && var.scaling.min_tasks <= var.scaling.max_tasks && var.scaling.target_backlog_per_task >= 1
    error_message = "Need 0 <= min_tasks <= max_tasks and target_backlog_per_task >= 1."
  }

  validation {
    condition     = var.scaling.scale_out_cooldown_seconds >= 0 && var.scaling.scale_in_cooldown_seconds >= 0
    error_message = "Cooldowns are seconds >= 0."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
