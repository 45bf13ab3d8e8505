# Kaibiao: `make run` serves the demo at http://127.0.0.1:8000 (Daphne and the task worker, stopped
# together by Ctrl-C: kaibiao/run.py; DJANGO_DEBUG=1 for Django's debug pages); `make test` runs every test.
# Both install what is missing first. Nothing here depends on a step done by hand.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12 or newer: the first one found on PATH or under pyenv.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-sqlite test-postgres install demo bench clean messages

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The browser bundle (sealing, key ceremony, upload): built from the lockfile with esbuild.
DIST := frontend/static/frontend/dist/.built
JS_SOURCES := $(wildcard frontend/js/src/*.js frontend/js/src/pages/*.js) frontend/js/build.mjs frontend/js/package-lock.json
$(DIST): $(JS_SOURCES)
	@command -v npm >/dev/null || { echo "Node.js and npm are needed to build the browser bundle"; exit 1; }
	cd frontend/js && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
	touch $@

# From Debian: age (to check sealed files with the standard tool), Chromium (browser tests), the
# WenQuanYi font embedded in the opening record's PDF, and poppler (tests read the PDF back).
SYSTEM_TOOLS := /usr/bin/age /usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/bin/pdftotext
DEBIAN_PACKAGES := age chromium fonts-wqy-zenhei poppler-utils
$(SYSTEM_TOOLS):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	else echo "note: install Debian's $(DEBIAN_PACKAGES) for the end-to-end and PDF tests"; fi

install: $(BIN)/.installed $(DIST)

var:
	mkdir -p var

run: install var /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (demo accounts: see README.md; Ctrl-C stops it)"
	@$(BIN)/python -m kaibiao.run -b $(HOST) -p $(PORT)

demo: install var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

test: install $(SYSTEM_TOOLS)
	@echo "== browser-side tests (node --test)"
	cd frontend/js && npm test --silent
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== tests on SQLite with the in-memory channel layer"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# PostgreSQL and Redis, where they answer; otherwise say so and pass.
test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null \
	 && $(BIN)/python -c "import socket, urllib.parse as u; p = u.urlparse('$(REDIS_TEST_URL)'); socket.create_connection((p.hostname, p.port or 6379), 3).close()" 2>/dev/null; then \
	  echo "== tests on PostgreSQL ($(PG_URL)) with the Redis channel layer ($(REDIS_TEST_URL))"; \
	  DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); \
	else \
	  echo "== SKIPPED the PostgreSQL + Redis run: no server answers at $(PG_URL) and $(REDIS_TEST_URL)"; \
	fi

bench: install
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done || echo "no benchmarks"

clean:
	rm -rf $(VENV) var staticfiles frontend/js/node_modules frontend/static/frontend/dist

# The catalogs after a change of wording: the pages' (django) and the browser's (djangojs)
# messages into frontend/locale/zh_Hans, then compiled (the .mo files are committed).
MESSAGES_IGNORE := -i .venv -i node_modules -i 'frontend/static/frontend/dist' -i staticfiles -i var -i 'frontend/js/test'
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py makemessages -l zh_Hans -d djangojs --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages -l zh_Hans $(MESSAGES_IGNORE)
