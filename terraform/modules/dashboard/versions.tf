terraform {
  # Provider-free: the dashboard body is pure data, so it can be rendered and tested offline.
  required_version = ">= 1.10"
}
