variable "name" {
  description = "Name prefix of the roles."
  type        = string
}

variable "repository" {
  description = "GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must look like owner/name."
  }
}

variable "branch" {
  description = "The only branch whose workflows may deploy."
  type        = string
  default     = "main"
}

variable "trust_branch" {
  description = "Also trust jobs of the branch that name no GitHub environment (true); false trusts only jobs in deploy_environment, so its protection rules (required reviewers) cannot be bypassed."
  type        = bool
  default     = true
}

variable "image_source_repository_arns" {
  description = "ECR repositories (e.g. dev's, in another account) the deploy role may pull from, to promote an image by digest into this environment's repository."
  type        = list(string)
  default     = []
}

variable "deploy_environment" {
  description = "GitHub environment of the deploy and apply jobs (its protection rules gate production)."
  type        = string
  default     = "dev"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (only one may exist per account; false reuses it)."
  type        = bool
  default     = true
}

variable "ecr_repository_arn" {
  description = "The image repository the deploy role may push to."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster of the services."
  type        = string
}

variable "ecs_service_arns" {
  description = "ECS services the deploy role may update (API and every worker)."
  type        = list(string)
}

variable "task_definition_families" {
  description = "Task definition families the deploy role may register revisions of."
  type        = list(string)
}

variable "pass_role_arns" {
  description = "Task and execution roles the deploy role may pass to ECS when it registers a revision."
  type        = list(string)
}

variable "terraform_policy_arns" {
  description = "Managed policies for the Terraform role (plan on pull requests, apply on the branch). Empty: no Terraform role."
  type        = list(string)
  default     = []
}

variable "terraform_state_bucket_arn" {
  description = "S3 bucket holding the Terraform state (the Terraform role reads and writes it, including the lock file)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
