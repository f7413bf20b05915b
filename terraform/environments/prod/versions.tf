terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Remote state in S3 with S3-native locking (use_lockfile, Terraform >= 1.10): the lock is a
  # .tflock object next to the state, so no DynamoDB lock table is needed. The bucket is created
  # once by hand (docs/deploy.md, "Bootstrap the state bucket"); pass its name at init:
  #   terraform init -backend-config="bucket=<state-bucket>" -backend-config="region=<region>"
  backend "s3" {
    key          = "orderflow/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
