# The two entry points: `make serve` (main job) and `make test` (whole suite). Both set up everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint typecheck validate messages browser-deps java-deps node-deps virtuoso-deps editor bench clean

# Coverage of the package, server and worker subprocesses included (see [tool.coverage] in pyproject.toml);
# the whole suite measured 94 % (3518 statements), the floor leaves room for platform-dependent skips
COVERAGE_FLOOR ?= 90

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

serve: $(VENV)/.installed editor
	$(BIN)/tehkg serve --host $(HOST) --port $(PORT)

# Each install step below that cannot install what it should stops make test, naming what is missing: no test
# is left to skip for want of it.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } || \
	  { echo "make $@: could not install chromium and chromium-driver (apt), which the browser tests need" >&2; exit 1; }

# A Java runtime for HermiT, the OWL 2 reasoner owlready2 runs in tests/test_owl_reasoner.py: Debian's when missing
java-deps:
	@command -v java >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; } || \
	  { echo "make $@: could not install default-jre-headless (apt), the Java the OWL reasoner tests need" >&2; exit 1; }

# The JavaScript SPARQL clients of the interop tests (tests/interop/js): Debian's Node.js and npm when missing
node-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || \
	  { echo "make $@: could not install nodejs and npm (apt), which the JavaScript interop tests need" >&2; exit 1; }
	cd tests/interop/js && npm ci --no-audit --no-fund --loglevel=error || \
	  { echo "make $@: npm ci failed in tests/interop/js, the JavaScript interop tests' clients" >&2; exit 1; }

# The query editor's script: web/'s npm packages at the versions of its lockfile, bundled by esbuild into
# endpoint/static/build/ (not committed; a wheel carries it, so installing one needs no Node.js)
EDITOR_BUNDLE := endpoint/static/build/editor.js
editor: $(EDITOR_BUNDLE)
$(EDITOR_BUNDLE): web/package.json web/package-lock.json web/build.mjs $(wildcard web/src/*.js)
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || \
	  { echo "make editor: Node.js and npm are needed to build the query editor (apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build || \
	  { echo "make editor: npm could not install or bundle web/ (the query editor)"; exit 1; }

# Virtuoso 7 (Debian's virtuoso-opensource) for tests/test_virtuoso.py; the preseeded system DBA
# password only silences debconf: the tests start their own database
virtuoso-deps:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
	  printf '%s\n' 'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba' \
	    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba' | debconf-set-selections; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; } || \
	  { echo "make $@: could not install virtuoso-opensource (apt), which tests/test_virtuoso.py needs" >&2; exit 1; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The pages' words (endpoint/pages/locale): extract them from the templates and code, update both catalogues,
# compile them. The .mo files are committed, so a checkout and a wheel serve without this step; run it after
# changing a word, translate the new French entries, run it again (tests/test_pages_in_process.py checks both).
PAGES := endpoint/pages
messages: $(VENV)/.installed
	mkdir -p var && $(BIN)/pybabel -q extract -F $(PAGES)/babel.cfg --no-location --sort-output -o var/messages.pot $(PAGES)
	$(BIN)/pybabel -q update -i var/messages.pot -d $(PAGES)/locale --no-fuzzy-matching --width 120
	$(BIN)/pybabel -q compile -d $(PAGES)/locale

validate: $(VENV)/.installed
	$(BIN)/tehkg validate

# tehkg/loader and tehkg/endpoint are links to the top-level folders: mypy follows them as it follows any package
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy -p tehkg

test: $(VENV)/.installed-test browser-deps java-deps node-deps virtuoso-deps editor lint typecheck validate
	rm -rf var/coverage && mkdir -p var/coverage
	$(BIN)/coverage run -m pytest -q --no-skips -rs
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR)

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
	rm -rf $(VENV) var endpoint/static/build web/node_modules
