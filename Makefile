# make run   - set up everything and serve the app (SQLite, demo data) on PORT (default 8000)
# make test  - set up and run the test suite (SQLite; PostgreSQL too when
#              TRAINING_TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
export FLASK_APP := wsgi

.PHONY: run test bench install install-dev lint content-check translate-extract translate-update \
        translate-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml package.json | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@# axe-core for the accessibility checks in the browser tests
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; \
	  else echo "npm not found: accessibility checks will be skipped"; fi
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/flask translate compile --quiet
	$(BIN)/flask setup
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	PORT=$(PORT) HOST=$(HOST) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install-dev
	$(BIN)/ruff check training_app tests tools bench wsgi.py
	$(BIN)/flask translate compile --quiet
	$(BIN)/flask content check
	$(BIN)/pytest
	@if [ -n "$$TRAINING_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL pass: $$TRAINING_TEST_DATABASE_URL"; \
	  $(BIN)/pytest; \
	else \
	  echo "== PostgreSQL pass skipped: set TRAINING_TEST_DATABASE_URL to run it"; \
	fi

lint: install-dev
	$(BIN)/ruff check training_app tests tools bench wsgi.py

content-check: install
	$(BIN)/flask content check

translate-extract: install
	$(BIN)/flask translate extract

translate-update: install
	$(BIN)/flask translate update

translate-compile: install
	$(BIN)/flask translate compile

clean:
	rm -rf $(VENV) instance .pytest_cache

# Measure against the budgets in DESIGN.md (writes bench/results.json).
# BENCH_PEOPLE=100000 make bench for a quicker run.
bench: install-dev
	$(BIN)/flask translate compile --quiet
	$(BIN)/python bench/run.py
