# `make demo` and `make test` work on a fresh machine: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/artifactdb/artifactdb.yaml
PORT ?= 8000
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo serve bench test lint typecheck pytest graphviz wrk lsp clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[rest]'
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[rest,test]'
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/adb-manager validate $(EXAMPLE)
	$(BIN)/adb-manager fmt --check $(EXAMPLE)
	$(BIN)/adb-manager plan $(EXAMPLE)
	$(BIN)/adb-manager build --format text $(EXAMPLE)
ifdef SERVE
	$(BIN)/adb-manager serve --port $(PORT) $(EXAMPLE)
else
	@echo "To serve it over HTTP: make demo SERVE=1, then curl 127.0.0.1:$(PORT)/features"
endif

# The example, served on 127.0.0.1:$(PORT) until Ctrl-C.
serve: $(VENV)/.runtime
	$(BIN)/adb-manager serve --port $(PORT) $(EXAMPLE)

# One table: validation, fmt, plan, start-up and building beside their peers, then serving
# (bench/rest_load.py). `make bench REST=0` skips serving; BENCH_ARGS passes more options
# (--sizes 10,100,1000 --repeat 3, --json).
REST ?= 1
bench: $(VENV)/.test wrk
	$(BIN)/python bench/validation_bench.py $(if $(filter 0,$(REST)),--no-rest) $(BENCH_ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check adb_manager tests examples bench
	$(BIN)/ruff format --check adb_manager tests examples bench

typecheck: $(VENV)/.test
	$(BIN)/mypy

# The graph tests render with Graphviz's `dot`; install it where apt-get can (as root), and let
# those tests say why they skip where it cannot.
# $(call debian,COMMAND,PACKAGE,WHAT SKIPS): install a Debian package when its command is missing
# and apt-get can be used (as root); otherwise say what goes without it.
define debian
	@command -v $(1) >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2)) \
	      >/dev/null || echo "$(2) could not be installed; $(3)"; \
	  else echo "$(1) is missing and apt-get is not usable here; $(3)"; fi; }
endef

graphviz:
	$(call debian,dot,graphviz,the dot tests will skip)

wrk:
	$(call debian,wrk,wrk,the benchmark runs without wrk)

# The editor tests drive yaml-language-server, pinned in .lsp/package-lock.json, with the
# machine's Node.js; without node and npm, those tests say why they skip.
lsp:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  [ .lsp/node_modules/.package-lock.json -nt .lsp/package-lock.json ] || \
	    npm ci --prefix .lsp --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null \
	    || echo "npm ci failed in .lsp; the yaml-language-server tests will skip"; \
	else echo "node or npm is missing; the yaml-language-server tests will skip"; fi

pytest: $(VENV)/.test graphviz lsp
	$(BIN)/python -m pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .lsp/node_modules dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis examples/artifactdb/data
