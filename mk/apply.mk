# `terraform apply` of environments/dev on the local emulator, the platform's API and workers on
# what it made (an order to SHIPPED), then `terraform destroy` and nothing left
# (tests/infra/test_terraform_apply.py; docs/deploy.md, "terraform apply against the emulator").
# `make test` runs it with the rest of pytest; this target runs it alone and prints its figures.
.PHONY: check-apply

check-apply: $(STAMP)  ## terraform apply + an order through it + destroy of environments/dev on the emulator (~6 min)
	$(BIN)/python -m pytest tests/infra/test_terraform_apply.py
