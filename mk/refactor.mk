# The proof that the kms-key / ecs-service extraction moves resources and replaces none: apply
# environments/dev from the tree before it on a fresh emulator, plan this tree against that state.
# A whole apply (minutes), so `make test` skips it by name; run it here after touching `moved`
# blocks or either module.
.PHONY: check-refactor

check-refactor: $(STAMP)  ## apply the pre-refactor Terraform on the emulator, plan this tree: 0 destroy, 0 replace
	ORDERFLOW_REFACTOR_PROOF=1 $(BIN)/python -m pytest tests/infra/test_terraform_refactor.py -s -p no:cacheprovider $(PYTEST_ARGS)
