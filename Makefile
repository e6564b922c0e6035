# orgflow: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs the exact versions locked in uv.lock (the ones the suite was run with); `make lock` upgrades them.
UV_VERSION := 0.13.8
UV := $(BIN)/uv
DEMO_DIR ?= demo-workspace
NODE_STAMP := node_modules/.installed
PORT ?= 8000
# The demo's own "now" (the end of its generated history): figures are shown as of then.
DEMO_NOW := 2026-11-16T17:00:00+00:00
DEMO_DAY := 2026-11-16

# The PostgreSQL server of the conformance test (docs/decisions/0008-ibis-portability.md): installed from
# Debian when missing, on a unix socket in its own directory under /tmp; `make test` stops it at the end.
POSTGRES := bash .ci/postgres.sh

.PHONY: install browser postgres demo test test-latest lock bench lint format clean screenshots

# The environment is exactly uv.lock (--locked fails if pyproject.toml changed without `make lock`);
# --inexact keeps pip and uv themselves in the environment. Bytecode is compiled at install, the
# libraries' and orgflow's own, as pip does: where $$PYTHONDONTWRITEBYTECODE is set (many containers)
# every command would otherwise compile what it imports, over a second.
$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV) sync --quiet --locked --inexact --extra dev --python $(BIN)/python --compile-bytecode
	$(BIN)/python -m compileall -q -j 0 src/orgflow
	@echo "installed from uv.lock: $$($(UV) pip freeze --python $(BIN)/python --exclude-editable | tr '\n' ' ')"
	touch $(STAMP)

# Upgrade the lock to the newest versions pyproject.toml allows, then `make test` to check them.
lock: $(STAMP)
	$(UV) lock --upgrade
	@git diff --stat -- uv.lock || true

# The newest versions pyproject.toml allows, in a separate environment: finds drift on purpose.
# Prints which versions differ from the lock, then runs the suite on them and reports its exit code.
test-latest: $(STAMP) $(NODE_STAMP) browser postgres
	rm -rf .venv-latest
	$(UV) venv --quiet --python $(BIN)/python .venv-latest
	$(UV) pip install --quiet --python .venv-latest/bin/python --upgrade -e ".[dev]"
	@$(UV) pip freeze --python $(BIN)/python --exclude-editable > .venv-latest/locked.txt
	@$(UV) pip freeze --python .venv-latest/bin/python --exclude-editable > .venv-latest/latest.txt
	@echo "test-latest: versions that differ from uv.lock (< locked, > latest):"
	@diff .venv-latest/locked.txt .venv-latest/latest.txt | grep '^[<>]' || echo "  none"
	.venv-latest/bin/ruff check src tests benchmarks
	ORGFLOW_TEST_POSTGRES="$$($(POSTGRES) dir)" .venv-latest/bin/pytest -p no:cacheprovider; status=$$?; \
		$(POSTGRES) stop; echo "test-latest: the suite on the newest allowed versions exited $$status"; exit $$status

# The dashboard serves Vega, Vega-Lite, vega-embed and htmx itself (no CDN): npm installs them.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The browser tests and screenshots drive Debian's Chromium (never a downloaded browser build); the git
# importer and its tests run the real git. Both come from Debian when missing.
browser:
	@missing=""; for tool in chromium git; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi

# Start the conformance test's PostgreSQL (installing it when missing); nothing when it runs already.
# Outside CI, ORGFLOW_SKIP_POSTGRES=1 lets a machine without it run the suite, the conformance test skipped.
postgres:
	@$(POSTGRES) start || { if [ -n "$$ORGFLOW_SKIP_POSTGRES" ] && [ -z "$$CI" ]; then \
		echo "postgres: not started; the conformance test will be skipped (ORGFLOW_SKIP_POSTGRES)"; \
		else exit 1; fi; }

install: $(STAMP) $(NODE_STAMP) browser

demo: $(STAMP) $(NODE_STAMP)
	$(BIN)/orgflow --workspace $(DEMO_DIR) demo --force
	$(BIN)/orgflow --workspace $(DEMO_DIR) status
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary --by group
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow summary --by team
	$(BIN)/orgflow --workspace $(DEMO_DIR) flow stages --level phase --by group
	$(BIN)/orgflow --workspace $(DEMO_DIR) dora summary --by team --now "$(DEMO_NOW)"
	$(BIN)/orgflow --workspace $(DEMO_DIR) org summary --date "$(DEMO_DAY)"
	$(BIN)/orgflow --workspace $(DEMO_DIR) deps truck-factor --by team
	$(BIN)/orgflow --workspace $(DEMO_DIR) forecast when --items 50 --team checkout --now "$(DEMO_NOW)"
	@# Serves until Ctrl+C, as of the demo's own "now" (the end of its generated history).
	$(BIN)/orgflow --workspace $(DEMO_DIR) serve --port $(PORT) --now "$(DEMO_NOW)"

test: $(STAMP) $(NODE_STAMP) browser postgres
	$(BIN)/ruff check src tests benchmarks
	ORGFLOW_TEST_POSTGRES="$$($(POSTGRES) dir)" $(BIN)/pytest -n 2 --dist loadfile; status=$$?; \
		$(POSTGRES) stop; exit $$status

# Screenshots of the demo's dashboard for docs/dashboard.md, at 1440x900 and 390x844.
screenshots: $(STAMP) $(NODE_STAMP) browser
	test -f $(DEMO_DIR)/orgflow.duckdb || $(BIN)/orgflow --workspace $(DEMO_DIR) demo
	$(BIN)/python -m orgflow.web.screenshots --workspace $(DEMO_DIR) --out docs/img \
		--now "$$($(BIN)/python -c 'from orgflow.demo import DEFAULT_END; print(DEFAULT_END.isoformat())')"

# Whole processes as people run them (--help, import, summary, CFD, status; the jira-agile-metrics peer
# and a DuckDB baseline on the same file; kept in benchmarks/results/), then every benchmark in its quick
# mode (the 20k comparison reads the peer's output the first step left in BENCH_DIR).
BENCH_DIR ?= /tmp/orgflow-bench
bench: $(STAMP)
	$(BIN)/python -m benchmarks.whole_process --keep $(BENCH_DIR)
	$(BIN)/python -m benchmarks --items 100000 --runs 1 --jam-out $(BENCH_DIR)/20k/peer

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	$(POSTGRES) stop
	rm -rf "$$($(POSTGRES) dir)"
	rm -rf $(VENV) .venv-latest $(DEMO_DIR) .pytest_cache node_modules
