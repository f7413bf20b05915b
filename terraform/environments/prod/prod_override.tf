# What makes prod prod: these defaults, and the backend key in versions.tf. Everything else —
# main.tf, variables.tf, outputs.tf, providers.tf — is dev's composition, linked, so the two
# environments cannot drift apart. This is a Terraform override file: each block below replaces
# the default of the variable of the same name in variables.tf, and nothing else.
# tests/infra/test_terraform_environments.py plans both environments and fails on any difference
# these values do not explain.

variable "environment" {
  default = "prod"
}

variable "resource_prefix" {
  default = "orderflow-prod"
}

# Sizes: twice dev's CPU and memory per task (task counts come from topology.yaml, the same in both).
variable "api_size" {
  default = { cpu = 1024, memory = 2048 }
}

variable "worker_size" {
  default = {
    default  = { cpu = 512, memory = 1024 }
    shipping = { cpu = 1024, memory = 2048 }
  }
}

# Three AZs, each private subnet leaving through its own NAT gateway (the payment provider's and
# the carriers' APIs are outside AWS): one AZ's outage does not cut the others off.
variable "availability_zones" {
  default = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

variable "nat_gateways" {
  default = "per_az"
}

# Logs kept two years.
variable "log_retention_days" {
  default = 731
}

# On in dev by default too; stated here so that prod does not depend on dev's defaults.
variable "deletion_protection" {
  default = true
}

variable "enable_waf" {
  default = true
}

# Only jobs in the protected GitHub environment "prod" may assume the deploy and Terraform roles.
variable "github_trust_branch" {
  default = false
}
