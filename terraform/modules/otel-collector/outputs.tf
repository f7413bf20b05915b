output "container_definition" {
  description = "The collector's container definition, for the task's container_definitions list. Not essential: losing traces never stops the application."
  value = {
    name                   = "otel-collector"
    image                  = var.image
    essential              = false
    memoryReservation      = var.memory_reservation
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    environment            = [{ name = "AOT_CONFIG_CONTENT", value = yamlencode(local.config) }]
    linuxParameters        = { initProcessEnabled = true, capabilities = { drop = ["ALL"] } }
    healthCheck = {
      command     = ["/healthcheck"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_name
        awslogs-region        = data.aws_region.current.id
        awslogs-stream-prefix = "otel-collector"
      }
    }
  }
}

output "application_environment" {
  description = "Environment for the application container: export spans over OTLP to the sidecar."
  value = {
    ORDERFLOW_TRACE_EXPORTER    = "otlp"
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
  }
}
