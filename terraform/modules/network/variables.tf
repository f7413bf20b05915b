variable "name" {
  description = "Name prefix of the network resources."
  type        = string
}

variable "create_vpc" {
  description = "Create a VPC (private subnets with VPC endpoints, public subnets for the ALB). False: use the existing ids below."
  type        = bool
  default     = true
}

variable "cidr_block" {
  description = "CIDR of the created VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "AZs for the created subnets (two or three)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "Use at least two availability zones (the ALB needs two)."
  }
}

variable "nat_gateways" {
  description = "NAT for the created VPC's private subnets: \"none\" (AWS only, through the endpoints), \"single\" (one gateway in the first AZ) or \"per_az\" (one per AZ, each AZ routed through its own)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single", "per_az"], var.nat_gateways)
    error_message = "nat_gateways must be none, single or per_az."
  }
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints instead of a NAT gateway (ssm: the ECS agent reads the API keys parameter)."
  type        = list(string)
  default     = ["sqs", "events", "ecr.api", "ecr.dkr", "logs", "sts", "sns", "monitoring", "ssm"]
}

variable "existing_vpc_id" {
  description = "VPC id when create_vpc is false."
  type        = string
  default     = null
}

variable "existing_private_subnet_ids" {
  description = "Private subnet ids (tasks) when create_vpc is false; they need a route to the AWS APIs (NAT or endpoints)."
  type        = list(string)
  default     = []
}

variable "existing_public_subnet_ids" {
  description = "Public subnet ids (the internet-facing ALB) when create_vpc is false."
  type        = list(string)
  default     = []
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs."
  type        = number
  default     = 365
}

variable "logs_kms_key_arn" {
  description = "KMS key for the flow log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
