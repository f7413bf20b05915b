# Every module composed, driven by topology.yaml. Adding a service to the topology adds its queue,
# rules, worker, scaling, alarms and dashboard row here with no HCL edit.
#
# Every .tf file here but versions.tf is the composition of every environment: environments/prod
# links to them, and differs only in its backend key (versions.tf) and its variable defaults
# (prod_override.tf). The defaults in variables.tf are dev's. A new file here needs its link there.

locals {
  tags = merge(var.tags, {
    Project     = "orderflow"
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  image = "${module.platform.repository_url}:${var.image_tag}"

  # What every container is told (docs/runtime-contract.md); the image carries the topology file.
  container_environment = {
    AWS_REGION                = var.region
    ORDERFLOW_RESOURCE_PREFIX = var.resource_prefix
    ORDERFLOW_BUS_NAME        = module.event_bus.bus_name
    ORDERFLOW_TOPOLOGY_PATH   = "/app/topology.yaml"
    ORDERFLOW_LOG_FORMAT      = "json"
    # One share for the SDK and the X-Ray rule (tracing.tf); failed handlers are always traced.
    ORDERFLOW_TRACE_SAMPLE_RATIO = var.trace_sample_ratio
  }

  services = module.topology.services

  # What a worker needs beyond its queue, the bus and its tables, keyed by service name: extra
  # environment, and task-role statements for exactly the resources behind it. Services not
  # listed get neither.
  # Customer email (SES) only when customer_email_sender is set: the worker then sends email first,
  # then publishes to the topic (workers/services/notification/email.py).
  customer_email = one(module.customer_email[*])
  worker_environment = {
    notification = merge(
      { ORDERFLOW_NOTIFICATIONS_TOPIC_ARN = module.customer_notifications.topic_arn },
      try(local.customer_email.worker_environment, {}),
    )
  }
  worker_task_policy_statements = {
    notification = merge(
      module.customer_notifications.publisher_policy_statements,
      try(local.customer_email.sender_policy_statements, {}),
    )
  }
}

module "topology" {
  source = "../../modules/topology"

  topology_path   = coalesce(var.topology_path, "${path.root}/../../../topology.yaml")
  resource_prefix = var.resource_prefix
}

module "platform" {
  source = "../../modules/platform"

  name                 = var.resource_prefix
  ecr_pull_account_ids = var.ecr_pull_account_ids
  tags                 = local.tags
}

module "network" {
  source = "../../modules/network"

  name                        = var.resource_prefix
  create_vpc                  = var.create_vpc
  availability_zones          = var.availability_zones
  nat_gateways                = var.nat_gateways
  flow_log_retention_days     = var.log_retention_days
  existing_vpc_id             = var.existing_vpc_id
  existing_private_subnet_ids = var.existing_private_subnet_ids
  existing_public_subnet_ids  = var.existing_public_subnet_ids
  logs_kms_key_arn            = module.platform.kms_key_arn
  tags                        = local.tags
}

module "event_bus" {
  source = "../../modules/event-bus"

  # The topology names the bus; the prefix keeps environments in one account apart.
  name = "${var.resource_prefix}-${module.topology.bus_name}"
  tags = local.tags
}

module "tables" {
  source = "../../modules/tables"

  tables              = module.topology.tables
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "observability" {
  source = "../../modules/observability"

  name         = var.resource_prefix
  cluster_name = module.platform.cluster_name
  services = {
    for name, s in local.services : name => {
      queue_name              = s.queue_name
      dlq_name                = s.dlq_name
      ecs_service_name        = "${var.resource_prefix}-${name}"
      max_tasks               = s.scaling.max_tasks
      target_backlog_per_task = s.scaling.target_backlog_per_task
      latency_goal_seconds    = s.scaling.latency_goal_seconds
    }
  }
  api = {
    load_balancer_arn_suffix = module.order_api.load_balancer_arn_suffix
    target_group_arn_suffix  = module.order_api.target_group_arn_suffix
  }
  ops_email_addresses = var.ops_email_addresses
  tags                = local.tags
}

# The topic the notification worker publishes customer notifications to; the operator subscribes
# the delivery (docs/deploy.md, "Customer notifications"). Only its task role may publish.
module "customer_notifications" {
  source = "../../modules/customer-notifications"

  name                = "${var.resource_prefix}-customer-notifications"
  publisher_role_arns = [module.worker_service["notification"].task_role_arn]
  tags                = local.tags
}

# Off unless customer_email_sender is set (docs/deploy.md, "Customer email"): the SES identity, a
# configuration set whose bounces and complaints reach the ops topic, and ses:SendEmail for the
# notification worker alone, from that address only.
module "customer_email" {
  source = "../../modules/customer-email"
  count  = var.customer_email_sender == null ? 0 : 1

  sender_address         = var.customer_email_sender
  identity               = var.customer_email_identity
  configuration_set_name = "${var.resource_prefix}-customer-email"
  ops_topic_arn          = module.observability.ops_topic_arn
  tags                   = local.tags
}

# Off unless audit_forward_bus_arn names the audit account's bus (docs/deploy.md, "Audit forwarding").
module "audit_forwarding" {
  source = "../../modules/audit-forwarding"

  name            = var.resource_prefix
  target_bus_arn  = var.audit_forward_bus_arn
  source_bus_name = module.event_bus.bus_name
  kms_key_arn     = module.event_bus.kms_key_arn
  alarm_topic_arn = module.observability.ops_topic_arn
  tags            = local.tags
}

module "service_queue" {
  source   = "../../modules/service-queue"
  for_each = local.services

  service         = each.key
  description     = each.value.description
  queue_name      = each.value.queue_name
  dlq_name        = each.value.dlq_name
  queue           = each.value.queue
  delivery        = each.value.delivery
  rules           = each.value.rules
  bus_name        = module.event_bus.bus_name
  kms_key_arn     = module.event_bus.kms_key_arn
  alarm_topic_arn = module.observability.ops_topic_arn
  tags            = local.tags
}

module "worker_service" {
  source   = "../../modules/worker-service"
  for_each = local.services

  service               = each.key
  name_prefix           = var.resource_prefix
  image                 = local.image
  cpu                   = lookup(var.worker_size, each.key, var.worker_size["default"]).cpu
  memory                = lookup(var.worker_size, each.key, var.worker_size["default"]).memory
  environment           = merge(local.container_environment, lookup(local.worker_environment, each.key, {}))
  cluster_name          = module.platform.cluster_name
  cluster_arn           = module.platform.cluster_arn
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  queue_arn             = module.service_queue[each.key].queue_arn
  queue_name            = module.service_queue[each.key].queue_name
  messaging_kms_key_arn = module.event_bus.kms_key_arn
  bus_arn               = module.event_bus.bus_arn
  tables_written        = { for t in each.value.tables_written : t => module.tables.table_arns[t] }
  tables_read           = { for t in each.value.tables_read : t => module.tables.table_arns[t] }
  data_kms_key_arn      = module.tables.kms_key_arn
  logs_kms_key_arn      = module.platform.kms_key_arn
  log_retention_days    = var.log_retention_days
  scaling               = each.value.scaling
  tags                  = local.tags

  extra_task_policy_statements = lookup(local.worker_task_policy_statements, each.key, {})
}

# What says a worker is unwell, per topology service: error rate, handler and message-age p99
# against the topology's own numbers, and autoscaling out of room.
module "worker_alarms" {
  source   = "../../modules/worker-alarms"
  for_each = local.services

  service                               = each.key
  name_prefix                           = var.resource_prefix
  queue_name                            = module.service_queue[each.key].queue_name
  cluster_name                          = module.platform.cluster_name
  ecs_service_name                      = module.worker_service[each.key].service_name
  scaling                               = each.value.scaling
  latency_goal_seconds                  = each.value.scaling.latency_goal_seconds
  handler_latency_p99_threshold_seconds = each.value.queue.visibility_timeout_seconds
  alarm_topic_arn                       = module.observability.ops_topic_arn
  tags                                  = local.tags
}

module "order_api" {
  source = "../../modules/order-api"

  name_prefix         = var.resource_prefix
  image               = local.image
  cpu                 = var.api_size.cpu
  memory              = var.api_size.memory
  environment         = local.container_environment
  cluster_name        = module.platform.cluster_name
  cluster_arn         = module.platform.cluster_arn
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  private_subnet_ids  = module.network.private_subnet_ids
  certificate_arn     = var.certificate_arn
  enable_waf          = var.enable_waf
  deletion_protection = var.deletion_protection
  bus_arn             = module.event_bus.bus_arn
  tables_written      = { for t in module.topology.api.tables_written : t => module.tables.table_arns[t] }
  tables_read         = { for t in module.topology.api.tables_read : t => module.tables.table_arns[t] }
  data_kms_key_arn    = module.tables.kms_key_arn
  logs_kms_key_arn    = module.platform.kms_key_arn
  log_retention_days  = var.log_retention_days
  min_tasks           = module.topology.api.scaling.min_tasks
  max_tasks           = module.topology.api.scaling.max_tasks
  tags                = local.tags

  api_keys_parameter_name = var.api_keys_parameter_name
  rate_limit_per_second   = var.api_rate_limit_per_second
  rate_limit_burst        = var.api_rate_limit_burst
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  name                 = var.resource_prefix
  repository           = var.github_repository
  deploy_environment   = var.environment
  trust_branch         = var.github_trust_branch
  create_oidc_provider = var.create_github_oidc_provider
  ecr_repository_arn   = module.platform.repository_arn
  cluster_arn          = module.platform.cluster_arn
  ecs_service_arns     = concat([module.order_api.service_arn], [for w in module.worker_service : w.service_arn])
  task_definition_families = concat(
    [module.order_api.task_definition_family],
    [for w in module.worker_service : w.task_definition_family],
  )
  pass_role_arns = concat(
    [module.order_api.task_role_arn, module.order_api.execution_role_arn],
    flatten([for w in module.worker_service : [w.task_role_arn, w.execution_role_arn]]),
  )
  image_source_repository_arns = compact([var.image_source_repository_arn])
  terraform_policy_arns        = var.terraform_role_policy_arns
  terraform_state_bucket_arn   = var.terraform_state_bucket == null ? null : "arn:aws:s3:::${var.terraform_state_bucket}"
  tags                         = local.tags
}
