# make run   - set up everything and serve the app (SQLite, demo data) on PORT (default 8000)
# make test  - set up and run the test suite (SQLite; PostgreSQL too when
#              TRAINING_TEST_DATABASE_URL is set)
# make lock  - resolve pyproject's ranges afresh and pin the result in constraints.txt
#
# Every install uses constraints.txt: `make run`, `make test` and CI get exactly the versions
# the tests last passed with. pyproject.toml keeps the compatible ranges.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
LOCK   := constraints.txt
HOST   ?= 127.0.0.1
export FLASK_APP := wsgi

.PHONY: run test bench install install-dev lint content-check translate-extract translate-update \
        translate-compile clean lock pdf-images

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) package.json | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
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
	@echo "== SQLite pass"
	TRAINING_TEST_DATABASE_URL= $(BIN)/pytest
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

# A fresh venv resolves pyproject's ranges (with the dev tools) to the newest releases; the
# result is the new lock. Run the tests against it (make test) before committing it.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ echo "# Exact versions the tests pass with; made by \`make lock\`, used by every install."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv
	@echo "$(LOCK) updated: run make test, then commit it"

# Every kind of PDF in every language as PNG images in artifacts/pdf/, to look at.
pdf-images: install-dev
	$(BIN)/flask translate compile --quiet
	$(BIN)/python tools/render_pdfs.py artifacts/pdf

# Measure against the budgets in DESIGN.md (writes bench/results.json).
# BENCH_PEOPLE=100000 make bench for a quicker run.
bench: install-dev
	$(BIN)/flask translate compile --quiet
	$(BIN)/python bench/run.py
