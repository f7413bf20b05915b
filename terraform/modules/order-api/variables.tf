variable "name_prefix" {
  description = "Prefix of every API resource ({prefix}-api)."
  type        = string
}

variable "image" {
  description = "Container image (repository URL and tag) the task definition starts with; the deploy workflow registers later revisions."
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 1024
}

variable "container_port" {
  description = "Port uvicorn listens on (ORDERFLOW_API_PORT)."
  type        = number
  default     = 8080
}

variable "container_user" {
  description = "Non-root UID[:GID] the container runs as; must match the image's user."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = !contains(["0", "root", "0:0"], var.container_user)
    error_message = "The API never runs as root."
  }
}

variable "environment" {
  description = "Extra environment variables for the container (ORDERFLOW_* settings). Never ORDERFLOW_API_KEYS: that comes from the API keys parameter."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.environment), "ORDERFLOW_API_KEYS")
    error_message = "ORDERFLOW_API_KEYS is injected from the SSM parameter (api_keys_parameter_name), never as plain environment."
  }
}

variable "api_keys_parameter_name" {
  description = "SSM Parameter Store SecureString holding ORDERFLOW_API_KEYS (comma-separated client_id:salt_hex:sha256_hex from `orderflow apikey create`). Created by operators, never by Terraform; null means /{name_prefix}/api-keys."
  type        = string
  default     = null

  validation {
    condition = var.api_keys_parameter_name == null ? true : (
      can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.api_keys_parameter_name)) &&
      !can(regex("^/(aws|ssm)", lower(var.api_keys_parameter_name)))
    )
    error_message = "api_keys_parameter_name is a hierarchical SSM name (/a/b, A-Z a-z 0-9 _ . -) not starting with /aws or /ssm."
  }
}

variable "rate_limit_per_second" {
  description = "ORDERFLOW_RATE_LIMIT_PER_SECOND: sustained requests per second per API key, per API task (behind the ALB a key gets up to tasks x this)."
  type        = number
  default     = 100

  validation {
    condition     = var.rate_limit_per_second > 0
    error_message = "rate_limit_per_second must be greater than 0."
  }
}

variable "rate_limit_burst" {
  description = "ORDERFLOW_RATE_LIMIT_BURST: requests one API key may make at once before the sustained rate applies (token bucket size), per API task."
  type        = number
  default     = 200

  validation {
    condition     = var.rate_limit_burst >= 1 && floor(var.rate_limit_burst) == var.rate_limit_burst
    error_message = "rate_limit_burst must be a whole number of at least 1."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the API keys' KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "cluster_name" {
  description = "ECS cluster name."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the subnets."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing ALB (at least two AZs)."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets of the API tasks (no public IP)."
  type        = list(string)
}

variable "ingress_cidr_blocks" {
  description = "Who may reach the ALB on 80/443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "egress_cidr_blocks" {
  description = "Where tasks may connect on 443 (VPC endpoints, or a NAT gateway)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener (in the same region)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.2 and 1.3 only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "deletion_protection" {
  description = "Protect the ALB from deletion (turn off deliberately before destroying an environment)."
  type        = bool
  default     = true
}

variable "enable_waf" {
  description = "Attach a WAF web ACL (AWS managed rules plus a per-IP rate limit) to the ALB."
  type        = bool
  default     = true
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests one client IP may make in any 5-minute window before WAF blocks it."
  type        = number
  default     = 2000
}

variable "access_log_retention_days" {
  description = "Days to keep ALB access logs in S3."
  type        = number
  default     = 90
}

variable "bus_arn" {
  description = "EventBridge bus the API publishes OrderPlaced to (outbox relay)."
  type        = string
}

variable "tables_written" {
  description = "Table ARNs the API writes, keyed by logical name (topology `tables:` writers containing api)."
  type        = map(string)
}

variable "tables_read" {
  description = "Table ARNs the API only reads, keyed by logical name."
  type        = map(string)
  default     = {}
}

variable "data_kms_key_arn" {
  description = "KMS key of the DynamoDB tables."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the CloudWatch log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep API logs."
  type        = number
  default     = 365
}

variable "min_tasks" {
  description = "Minimum API tasks (topology api.scaling.minTasks)."
  type        = number
}

variable "max_tasks" {
  description = "Maximum API tasks (topology api.scaling.maxTasks)."
  type        = number
}

variable "target_cpu_percent" {
  description = "Average CPU the API's target tracking holds."
  type        = number
  default     = 60
}

variable "target_requests_per_task" {
  description = "ALB requests per task per minute the request-count target tracking holds."
  type        = number
  default     = 1000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
