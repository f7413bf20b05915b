variable "name" {
  description = "Name of the ECS cluster and ECR repository (usually the resource prefix)."
  type        = string
}

variable "ecr_keep_images" {
  description = "How many images the repository keeps (older ones expire; rollbacks reach this far back)."
  type        = number
  default     = 50
}

variable "ecr_pull_account_ids" {
  description = "Other AWS accounts whose principals may pull from the repository (the prod account, promoting images from dev by digest). Each account still grants its own roles the pull permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.ecr_pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "ecr_pull_account_ids are 12-digit AWS account ids."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the platform KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
