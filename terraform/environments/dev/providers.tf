provider "aws" {
  region = var.region

  # Every resource carries these, on top of each module's own tags.
  default_tags {
    tags = local.tags
  }
}
