# The container image and the GitHub Actions workflows.
# Static checks run everywhere (checkov, offline); building and running the image needs a
# Docker engine, which GitHub Actions has (.github/workflows/ci.yml) and these machines do not.
.PHONY: check-container image test-container

CONTAINER_CHECKOV := $(CHECKOV) --skip-download --quiet --compact
IMAGE ?= orderflow:dev

# checkov exits non-zero on any failed check; skips are inline in the scanned files, each
# with a one-line reason. --skip-download: offline, no Prisma Cloud policy download.
# Two runs: given a --directory, checkov ignores --file, and its github_actions framework
# only recognises workflows found by walking a directory.
check-container: $(CHECKOV_STAMP)  ## checkov on the Dockerfile and .github/workflows (0 failed)
	$(CONTAINER_CHECKOV) --framework dockerfile --file Dockerfile
	$(CONTAINER_CHECKOV) --framework github_actions --directory .github/workflows

image:  ## docker build -t orderflow:dev . (needs a Docker engine)
	docker build -t $(IMAGE) .

# Skipped, with the reason "no Docker engine", where no engine answers; set
# ORDERFLOW_TEST_IMAGE to reuse an image you built with `make image`.
test-container: $(STAMP)  ## the testcontainers suite (image, emulator, API and workers)
	$(BIN)/python -m pytest tests/container -m container -p no:cacheprovider $(PYTEST_ARGS)
