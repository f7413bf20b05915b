# The order API on Fargate behind an internet-facing ALB: HTTPS only (HTTP redirects), TLS 1.2+,
# invalid headers dropped, access logs, optional WAF, and autoscaling on CPU and requests.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_elb_service_account" "current" {}

locals {
  name       = "${var.name_prefix}-api"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  tags       = merge(var.tags, { "orderflow:service" = "api" })

  environment = merge(var.environment, {
    ORDERFLOW_API_HOST              = "0.0.0.0"
    ORDERFLOW_API_PORT              = tostring(var.container_port)
    ORDERFLOW_LOG_FORMAT            = "json"
    ORDERFLOW_RATE_LIMIT_PER_SECOND = tostring(var.rate_limit_per_second)
    ORDERFLOW_RATE_LIMIT_BURST      = tostring(var.rate_limit_burst)
  })

  # ORDERFLOW_API_KEYS is never plain environment: ECS reads it from this parameter at task start.
  api_keys_parameter_name = coalesce(var.api_keys_parameter_name, "/${var.name_prefix}/api-keys")
  api_keys_parameter_arn  = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(local.api_keys_parameter_name, "/")}"

  table_arns_written = values(var.tables_written)
  table_arns_read    = values(var.tables_read)
}

# ---------------------------------------------------------------- access logs bucket

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:access logs are regenerable diagnostics; cross-region replication is not worth its cost here
  #checkov:skip=CKV_AWS_18:this bucket is the log sink; logging it would need yet another bucket
  #checkov:skip=CKV2_AWS_62:nothing consumes events of new log objects
  #checkov:skip=CKV_AWS_145:ALB access logs support only SSE-S3 (AES256), not SSE-KMS
  bucket_prefix = "${local.name}-alb-logs-"
  force_destroy = false
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256" # the only encryption ALB log delivery supports
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  # Regions before August 2022 deliver as the regional ELB account; newer ones as the service.
  statement {
    sid       = "AlbLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "AlbLogDeliveryService"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json
}

# ---------------------------------------------------------------- load balancer

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "orderflow API load balancer: HTTP/HTTPS in, the API tasks out"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  #checkov:skip=CKV_AWS_260:port 80 is open only to answer with a redirect to HTTPS
  for_each = { for pair in setproduct([80, 443], var.ingress_cidr_blocks) : "${pair[0]}-${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  description       = each.value[0] == 80 ? "HTTP (redirected to HTTPS)" : "HTTPS"
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the API tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.task.id
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:WAF is optional by design (enable_waf, on by default) and attached by aws_wafv2_web_acl_association
  name                       = substr(local.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 30
  tags                       = local.tags

  access_logs {
    bucket  = aws_s3_bucket.access_logs.id
    prefix  = "alb"
    enabled = true
  }

  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_lb_target_group" "this" {
  name                 = substr("${local.name}-tg", 0, 32)
  target_type          = "ip"
  port                 = var.container_port
  protocol             = "HTTP"
  vpc_id               = var.vpc_id
  deregistration_delay = 15 # requests are short; faster deploys and scale-in
  tags                 = local.tags

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn
  tags              = local.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  tags              = local.tags

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# ---------------------------------------------------------------- WAF (optional)

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0

  name  = local.name
  scope = "REGIONAL"
  tags  = local.tags

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit_per_5_minutes
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-common"
      sampled_requests_enabled   = true
    }
  }

  # Includes the Log4j (Log4Shell) signatures.
  rule {
    name     = "aws-known-bad-inputs"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # Tor and anonymising VPNs are blocked; hosting-provider addresses are only counted, because
  # the shops that call this API run on cloud hosts.
  rule {
    name     = "aws-anonymous-ip"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        rule_action_override {
          name = "HostingProviderIPList"

          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.enable_waf ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

# WAF requires the log group name to start with "aws-waf-logs-".
resource "aws_cloudwatch_log_group" "waf" {
  count = var.enable_waf ? 1 : 0

  name              = "aws-waf-logs-${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = local.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = var.enable_waf ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # API keys travel in this header; never write them to logs.
  redacted_fields {
    single_header {
      name = "x-api-key"
    }
  }
}

# ---------------------------------------------------------------- API keys (ORDERFLOW_API_KEYS)
#
# An SSM Parameter Store SecureString, not a Secrets Manager secret: the value is a list of salted
# hashes that operators edit by hand when they issue or revoke a client's key, so Secrets Manager's
# rotation Lambdas have nothing to do, and a standard parameter costs nothing. ECS injects either.
#
# Terraform references the parameter by name and never creates or reads it (docs/deploy.md, "API
# keys"): an aws_ssm_parameter resource reads the decrypted value back into the state on every
# refresh, even with ignore_changes = [value]. Operators create it with `aws ssm put-parameter
# --type SecureString --key-id <api_keys_kms_key_alias>`; only the execution role can read it.

module "api_keys_kms" {
  source = "../kms-key"

  description             = "orderflow ${local.name}: the API keys parameter ${local.api_keys_parameter_name}"
  alias_name              = "alias/${local.name}-keys"
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = local.tags
}

moved {
  from = aws_kms_key.api_keys
  to   = module.api_keys_kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.api_keys
  to   = module.api_keys_kms.aws_kms_alias.this
}

# The ECS agent resolves the task definition's `secrets`, so the execution role reads the
# parameter; the application (task role) never sees the parameter, only the variable.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReadApiKeysParameter"
    actions   = ["ssm:GetParameters"]
    resources = [local.api_keys_parameter_arn]
  }

  statement {
    sid       = "DecryptApiKeysParameter"
    actions   = ["kms:Decrypt"]
    resources = [module.api_keys_kms.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }

    # Parameter Store puts the parameter's ARN in the encryption context: this key, this parameter.
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [local.api_keys_parameter_arn]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "read-api-keys"
  role   = module.core.execution_role_id
  policy = data.aws_iam_policy_document.execution.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid = "WriteOwnTables"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    resources = concat(local.table_arns_written, [for arn in local.table_arns_written : "${arn}/index/*"])
  }

  dynamic "statement" {
    for_each = length(local.table_arns_read) > 0 ? [1] : []

    content {
      sid       = "ReadSharedTables"
      actions   = ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"]
      resources = concat(local.table_arns_read, [for arn in local.table_arns_read : "${arn}/index/*"])
    }
  }

  statement {
    sid       = "UseTableKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.data_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }

  # The outbox relay publishes OrderPlaced.
  statement {
    sid       = "PublishOrders"
    actions   = ["events:PutEvents"]
    resources = [var.bus_arn]
  }
}

# The task role is the core's; its one policy, written above, is this module's.
resource "aws_iam_role_policy" "task" {
  name   = "least-privilege"
  role   = module.core.task_role_id
  policy = data.aws_iam_policy_document.task.json
}

# ---------------------------------------------------------------- task definition and service

module "core" {
  source = "../ecs-service"

  name           = local.name
  image          = var.image
  cpu            = var.cpu
  memory         = var.memory
  container_name = "api"
  command        = ["api"]
  container_user = var.container_user
  environment    = local.environment
  container_settings = {
    stopTimeout  = 30
    portMappings = [{ containerPort = var.container_port, protocol = "tcp" }]
    secrets      = [{ name = "ORDERFLOW_API_KEYS", valueFrom = local.api_keys_parameter_arn }]
  }
  log_stream_prefix          = "api"
  log_retention_days         = var.log_retention_days
  logs_kms_key_arn           = var.logs_kms_key_arn
  execution_role_description = "ECS agent for ${local.name}: pull the image, write logs, read the API keys parameter. Never used by the application."
  task_role_description      = "orderflow order API: its tables, PutEvents on the bus."
  cluster_arn                = var.cluster_arn
  desired_count              = var.min_tasks
  subnet_ids                 = var.private_subnet_ids
  security_group_ids         = [aws_security_group.task.id]
  load_balancer = {
    target_group_arn                  = aws_lb_target_group.this.arn
    container_port                    = var.container_port
    health_check_grace_period_seconds = 30
    listener_arn                      = aws_lb_listener.https.arn
  }
  tags = local.tags
}

resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:attached to the API's ECS service through module.core (security_group_ids), which checkov's graph does not follow
  name        = "${local.name}-task"
  description = "orderflow API tasks: the ALB in, HTTPS out to AWS APIs"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to AWS APIs (VPC endpoints or NAT)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${module.core.service_name}"
  min_capacity       = var.min_tasks
  max_capacity       = var.max_tasks
  tags               = local.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${local.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_cpu_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${local.name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_requests_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
    }
  }
}
