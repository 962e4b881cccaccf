# Omakase: `make build` builds the sample site, `make test` runs every test.
# Both create the virtual environment and install what is missing on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test test-fast bench serve check lint clean browser-tools

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

# Every test, browser and slow ones included (CI runs this).
test: $(STAMP) browser-tools
	$(BIN)/python -m pytest -m '' tests

# The fast default set, for the edit-test loop.
test-fast: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check generator tests

bench: $(STAMP)
	$(BIN)/python -m generator.bench

clean:
	rm -rf output data/omakase.sqlite $(VENV)
