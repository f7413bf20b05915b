# orderflow: the two commands a newcomer needs are `make dev` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# Stamp file: the virtualenv is rebuilt only when pyproject.toml changes.
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv dev test test-py browser-deps lint typecheck check-infra schemas clean

help:  ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3.12 ...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)  ## create/update the virtualenv

dev: $(STAMP)  ## install and run the whole platform locally (Ctrl-C stops it)
	$(BIN)/orderflow dev

test: $(STAMP) lint typecheck test-py check-infra  ## install and run every test and check

# The console's browser test drives Debian's chromium; CI runs as root, so install it when missing.
browser-deps:  ## install Debian's chromium for the console's browser test (root only)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || echo "chromium missing and not root: tests/browser will fail until it is installed"

# Two workers: the Terraform lane (mostly the provider's waits) runs beside the rest; tests that
# share a session (one planned workspace, one applied environment, one `orderflow dev` stack) stay
# on one worker (tests/conftest.py, lanes). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
test-py: $(STAMP) browser-deps  ## the pytest suite (unit, integration, end-to-end, browser)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy --strict on the packages
	$(BIN)/mypy

check-infra: check-infra-terraform check-container  ## Terraform fmt/test, checkov on terraform/; checkov, actionlint, hadolint on Dockerfile and workflows

schemas: $(STAMP)  ## regenerate the checked-in JSON Schemas
	$(BIN)/orderflow schemas export

clean:  ## remove virtualenvs and caches
	rm -rf $(VENV) .venv-checkov .venv-lint .pytest_cache .mypy_cache .ruff_cache

include mk/*.mk
