variable "name" {
  description = "Name of the ECS cluster and ECR repository (usually the resource prefix)."
  type        = string
}

variable "ecr_keep_images" {
  description = "How many images the repository keeps (older ones expire; rollbacks reach this far back)."
  type        = number
  default     = 50
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
