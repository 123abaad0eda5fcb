# The two entry points: `make serve` (main job) and `make test` (whole suite). Both set up everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint validate browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/tehkg serve --host $(HOST) --port $(PORT)

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

validate: $(VENV)/.installed
	$(BIN)/tehkg validate

test: $(VENV)/.installed-test browser-deps lint validate
	$(BIN)/pytest -q

# Virtuoso (Debian's virtuoso-opensource) is a peer when installable; bench/run.py runs without it.
# The preseeded system DBA password only silences debconf: the benchmark uses its own database.
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[bench]'
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
	  printf '%s\n' 'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba' \
	    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba' | debconf-set-selections; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; } || \
	  echo "virtuoso-opensource could not be installed: benchmarking without Virtuoso"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/runaway.py

clean:
	rm -rf $(VENV) var
