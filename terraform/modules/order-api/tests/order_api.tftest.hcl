# Plan-level tests with the real AWS provider's schema and a mocked API (`terraform test` here,
# or pytest tests/infra/test_terraform_module_tests.py): HTTPS only, HTTP redirected, and the WAF
# attached to the load balancer exactly when enabled. Scaling limits come from topology.yaml.

mock_provider "aws" {
  # Data sources the module reads at plan time: realistic values, which the provider validates.
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:root", user_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_elb_service_account" {
    defaults = { arn = "arn:aws:iam::127311923021:root", id = "127311923021" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

override_resource {
  target          = aws_lb.this
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/orderflow-test-api/0123456789abcdef"
    arn_suffix = "app/orderflow-test-api/0123456789abcdef"
  }
}

override_resource {
  target          = aws_lb_target_group.this
  override_during = plan
  values = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orderflow-test-api-tg/0123456789abcdef"
  }
}

override_resource {
  target          = aws_wafv2_web_acl.this
  override_during = plan
  values = {
    arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/orderflow-test-api/00000000-0000-0000-0000-000000000000"
  }
}

run "topology" {
  command = apply

  module {
    source = "../topology"
  }

  variables {
    topology_path   = "../../../topology.yaml"
    resource_prefix = "orderflow-test"
  }
}

variables {
  name_prefix        = "orderflow-test"
  image              = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orderflow:test"
  cluster_name       = "orderflow-test"
  cluster_arn        = "arn:aws:ecs:us-east-1:123456789012:cluster/orderflow-test"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  bus_arn            = "arn:aws:events:us-east-1:123456789012:event-bus/orderflow-test-orderflow"
  tables_written     = { orders = "arn:aws:dynamodb:us-east-1:123456789012:table/orderflow-test-orders" }
  data_kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000b"
  logs_kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000c"
}

run "https_only_with_waf" {
  command = plan

  variables {
    enable_waf = true
    min_tasks  = run.topology.api.scaling.min_tasks
    max_tasks  = run.topology.api.scaling.max_tasks
  }

  assert {
    condition = (
      aws_lb_listener.http.port == 80 && aws_lb_listener.http.load_balancer_arn == aws_lb.this.arn &&
      one(aws_lb_listener.http.default_action).type == "redirect" &&
      one(one(aws_lb_listener.http.default_action).redirect).protocol == "HTTPS" &&
      one(one(aws_lb_listener.http.default_action).redirect).port == "443" &&
      one(one(aws_lb_listener.http.default_action).redirect).status_code == "HTTP_301"
    )
    error_message = "Port 80 only redirects to HTTPS (301)."
  }

  assert {
    condition = (
      aws_lb_listener.https.port == 443 && aws_lb_listener.https.protocol == "HTTPS" &&
      aws_lb_listener.https.certificate_arn == var.certificate_arn &&
      startswith(aws_lb_listener.https.ssl_policy, "ELBSecurityPolicy-TLS13-1-2") &&
      one(aws_lb_listener.https.default_action).target_group_arn == aws_lb_target_group.this.arn
    )
    error_message = "Port 443 terminates TLS 1.2+ with the given certificate and forwards to the API."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_association.this) == 1 && aws_wafv2_web_acl_association.this[0].resource_arn == aws_lb.this.arn && aws_wafv2_web_acl_association.this[0].web_acl_arn == aws_wafv2_web_acl.this[0].arn
    error_message = "With enable_waf, the web ACL is attached to the API's load balancer."
  }

  assert {
    condition     = aws_wafv2_web_acl.this[0].scope == "REGIONAL" && length(aws_wafv2_web_acl_logging_configuration.this) == 1
    error_message = "The web ACL is regional and logs."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && !aws_lb.this.internal
    error_message = "An internet-facing ALB that drops invalid headers."
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == run.topology.api.scaling.min_tasks && aws_appautoscaling_target.this.max_capacity == run.topology.api.scaling.max_tasks
    error_message = "The API scales within the topology's api.scaling limits."
  }
}

run "no_waf_when_disabled" {
  command = plan

  variables {
    enable_waf = false
    min_tasks  = 1
    max_tasks  = 2
  }

  assert {
    condition     = length(aws_wafv2_web_acl.this) == 0 && length(aws_wafv2_web_acl_association.this) == 0 && length(aws_cloudwatch_log_group.waf) == 0
    error_message = "Without enable_waf there is no web ACL, association or WAF log group."
  }

  assert {
    condition     = one(aws_lb_listener.http.default_action).type == "redirect"
    error_message = "HTTP still only redirects."
  }
}
