terraform {
  # Provider-free on purpose: it runs offline (`terraform test`) and in every plan.
  required_version = ">= 1.10"
}
