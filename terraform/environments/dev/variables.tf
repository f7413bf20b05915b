variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name (tags, GitHub environment of the deploy jobs)."
  type        = string
  default     = "dev"
}

variable "resource_prefix" {
  description = "ORDERFLOW_RESOURCE_PREFIX: prefix of every queue, rule, table and service name."
  type        = string
  default     = "orderflow-dev"
}

variable "topology_path" {
  description = "The topology file Terraform is driven from (the repository's topology.yaml)."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Image tag the task definitions are created with; deploys register newer revisions (commit SHAs)."
  type        = string
  default     = "bootstrap"
}

variable "certificate_arn" {
  description = "ACM certificate ARN for the API's HTTPS listener."
  type        = string
}

variable "enable_waf" {
  description = "Attach a WAF web ACL with a per-IP rate limit to the API's load balancer."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB and the tables."
  type        = bool
  default     = true
}

variable "availability_zones" {
  description = "AZs of the created VPC."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]
}

variable "nat_gateways" {
  description = "NAT for the created VPC: \"none\" (tasks reach AWS only, through VPC endpoints), \"single\" or \"per_az\" (docs/deploy.md, \"Network\")."
  type        = string
  default     = "none"
}

variable "create_vpc" {
  description = "Create a VPC with VPC endpoints (true) or use the existing ids below (false)."
  type        = bool
  default     = true
}

variable "existing_vpc_id" {
  description = "Existing VPC id (create_vpc = false)."
  type        = string
  default     = null
}

variable "existing_private_subnet_ids" {
  description = "Existing private subnet ids for tasks (create_vpc = false)."
  type        = list(string)
  default     = []
}

variable "existing_public_subnet_ids" {
  description = "Existing public subnet ids for the ALB (create_vpc = false)."
  type        = list(string)
  default     = []
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may deploy and run Terraform."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it already exists)."
  type        = bool
  default     = true
}

variable "terraform_role_policy_arns" {
  description = "Managed policies for the GitHub Terraform role; empty creates no Terraform role."
  type        = list(string)
  default     = []
}

variable "terraform_state_bucket" {
  description = "Name of the state bucket (the GitHub Terraform role may use it)."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days to keep the API's, the workers' and the VPC flow log groups (CloudWatch's allowed values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)."
  type        = number
  default     = 365
}

variable "github_trust_branch" {
  description = "Let jobs of the deploy branch that name no GitHub environment assume the deploy and Terraform roles (true); false admits only jobs in the GitHub environment named `environment`, so its required reviewers gate every change."
  type        = bool
  default     = true
}

variable "image_source_repository_arn" {
  description = "Promotion: the ECR repository (the previous environment's, e.g. dev's) this environment's deploy role may pull images from, to copy them here by digest. null: none."
  type        = string
  default     = null
}

variable "ecr_pull_account_ids" {
  description = "Promotion: accounts (e.g. prod's) allowed to pull from this environment's ECR repository."
  type        = list(string)
  default     = []
}

variable "ops_email_addresses" {
  description = "Who gets alarm emails."
  type        = list(string)
  default     = []
}

variable "api_keys_parameter_name" {
  description = "SSM SecureString with ORDERFLOW_API_KEYS, created by operators (docs/deploy.md, \"API keys\"); null means /{resource_prefix}/api-keys."
  type        = string
  default     = null
}

variable "api_rate_limit_per_second" {
  description = "ORDERFLOW_RATE_LIMIT_PER_SECOND: sustained requests per second per API key, per API task."
  type        = number
  default     = 100

  validation {
    condition     = var.api_rate_limit_per_second > 0
    error_message = "api_rate_limit_per_second must be greater than 0."
  }
}

variable "api_rate_limit_burst" {
  description = "ORDERFLOW_RATE_LIMIT_BURST: requests one API key may make at once (token bucket size), per API task."
  type        = number
  default     = 200

  validation {
    condition     = var.api_rate_limit_burst >= 1 && floor(var.api_rate_limit_burst) == var.api_rate_limit_burst
    error_message = "api_rate_limit_burst must be a whole number of at least 1."
  }
}

variable "api_size" {
  description = "Fargate CPU units and memory (MiB) of each API task."
  type = object({
    cpu    = number
    memory = number
  })
  default = { cpu = 512, memory = 1024 }
}

variable "worker_size" {
  description = "Fargate CPU units and memory (MiB) per worker, keyed by service; services not listed get the default entry."
  type = map(object({
    cpu    = number
    memory = number
  }))
  default = {
    default = { cpu = 256, memory = 512 }
  }

  validation {
    condition     = contains(keys(var.worker_size), "default")
    error_message = "worker_size needs a \"default\" entry."
  }
}

variable "audit_forward_bus_arn" {
  description = "Optional: ARN of an event bus in a security/audit account that gets a copy of every orderflow event (cross-account, through a role EventBridge assumes). null (the default) forwards nothing."
  type        = string
  default     = null
}

variable "customer_email_sender" {
  description = "Optional: the From address of customer email through SES (e.g. orders@shop.example). null (the default) sends no email: notifications go to the SNS topic only."
  type        = string
  default     = null
}

variable "customer_email_identity" {
  description = "The SES identity customer_email_sender sends from: the address itself (null) or its domain (verified by DKIM)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
