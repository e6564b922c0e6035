# orgflow: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-workspace

.PHONY: install demo test bench lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/orgflow --workspace $(DEMO_DIR) demo --force
	$(BIN)/orgflow --workspace $(DEMO_DIR) status
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary --by group
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary --by team
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow stages --level phase --by group

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
