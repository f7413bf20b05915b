output "vpc_id" {
  description = "VPC id (created or given)."
  value       = local.create ? aws_vpc.this[0].id : var.existing_vpc_id
}

output "vpc_cidr_block" {
  description = "CIDR of the created VPC (null when an existing VPC is used)."
  value       = local.create ? aws_vpc.this[0].cidr_block : null
}

output "private_subnet_ids" {
  description = "Private subnets for the tasks."
  value       = local.create ? [for s in aws_subnet.private : s.id] : var.existing_private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnets for the internet-facing ALB."
  value       = local.create ? [for s in aws_subnet.public : s.id] : var.existing_public_subnet_ids
}

output "nat_gateway_ids" {
  description = "NAT gateway ids keyed by AZ (empty when nat_gateways is \"none\" or an existing VPC is used)."
  value       = { for az, nat in aws_nat_gateway.this : az => nat.id }
}
