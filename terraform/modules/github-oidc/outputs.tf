output "deploy_role_arn" {
  description = "Role the deploy workflow assumes (set as the repository variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}

output "terraform_role_arn" {
  description = "Role the terraform workflow assumes (null when no Terraform role is created)."
  value       = length(aws_iam_role.terraform) > 0 ? aws_iam_role.terraform[0].arn : null
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider ARN."
  value       = local.provider_arn
}
