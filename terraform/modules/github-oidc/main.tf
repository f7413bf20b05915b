# GitHub Actions assume AWS roles with short-lived OIDC tokens; no static keys exist anywhere.
# The deploy role can push the one image and roll these ECS services, nothing else.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  issuer     = "token.actions.githubusercontent.com"
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : (
    "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.issuer}"
  )
  # The subject claims GitHub issues for pushes to the branch and for jobs in the environment.
  deploy_subjects = concat(
    var.trust_branch ? ["repo:${var.repository}:ref:refs/heads/${var.branch}"] : [],
    ["repo:${var.repository}:environment:${var.deploy_environment}"],
  )
}

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

data "aws_iam_policy_document" "deploy_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = local.deploy_subjects
    }
  }
}

data "aws_iam_policy_document" "deploy" {
  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.ecr_repository_arn]
  }

  # Register/Describe task definition have no resource-level permissions either; the roles a
  # revision may carry are pinned by PassRole below, the services by UpdateService.
  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  # Promotion: read the image being promoted from the environment before this one.
  dynamic "statement" {
    for_each = length(var.image_source_repository_arns) > 0 ? [1] : []

    content {
      sid = "PullPromotedImage"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
      ]
      resources = var.image_source_repository_arns
    }
  }

  statement {
    sid       = "RollServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = var.ecs_service_arns
  }

  statement {
    sid       = "PassOnlyOrderflowTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-github-deploy"
  description          = "GitHub Actions deploy of ${var.repository} (${var.branch}): push the image, roll the ECS services."
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

# ---------------------------------------------------------------- Terraform (plan/apply) role

data "aws_iam_policy_document" "terraform_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Plans run on pull requests; applies only in the protected environment.
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = concat(local.deploy_subjects, ["repo:${var.repository}:pull_request"])
    }
  }
}

resource "aws_iam_role" "terraform" {
  count = length(var.terraform_policy_arns) > 0 ? 1 : 0

  name                 = "${var.name}-github-terraform"
  description          = "GitHub Actions terraform plan/apply of ${var.repository}."
  assume_role_policy   = data.aws_iam_policy_document.terraform_assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "terraform" {
  for_each = length(var.terraform_policy_arns) > 0 ? toset(var.terraform_policy_arns) : toset([])

  role       = aws_iam_role.terraform[0].name
  policy_arn = each.value
}

data "aws_iam_policy_document" "state" {
  count = length(var.terraform_policy_arns) > 0 && var.terraform_state_bucket_arn != null ? 1 : 0

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.terraform_state_bucket_arn]
  }

  # Includes the .tflock object S3 native locking writes and deletes.
  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.terraform_state_bucket_arn}/*"]
  }
}

resource "aws_iam_role_policy" "terraform_state" {
  count = length(data.aws_iam_policy_document.state)

  name   = "terraform-state"
  role   = aws_iam_role.terraform[0].id
  policy = data.aws_iam_policy_document.state[0].json
}
